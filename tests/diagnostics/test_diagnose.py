"""diagnose() on the demo data (the issue's "Done when") and the shape of its DataFrame."""

import time

import numpy as np
import pandas as pd
import pytest

import rlexplore as rlx
from rlexplore.diagnostics import COLUMNS, KINDS

REC = "REC-OneSide-NoIS (0.2)"


@pytest.fixture(scope="module")
def methods():
    return rlx.diagnose(rlx.demo("methods"))


def rows(df, kind, run=None, metric=None):
    sel = df.kind == kind
    if run is not None:
        sel &= df.run == run
    if metric is not None:
        sel &= df.metric == metric
    return df[sel]


def test_methods_rec_entropy_collapse_at_its_steps(methods):
    (row,) = rows(methods, "entropy collapse").itertuples()
    assert row.run == REC and row.metric == "actor/entropy"
    # demo: entropy = 7.3 - 5.8 * sigmoid((t - 0.4) / 0.07): it starts falling near step 1000
    # and is below a third of 7.3 from step ~2065 to the end
    assert 900 <= row.first_step <= 1300 and 1950 <= row.details["crossing_step"] <= 2200
    assert row.last_step == 4000 and row.value == pytest.approx(1.5, abs=0.2)


def test_methods_rec_length_collapse_at_its_steps(methods):
    (row,) = rows(methods, "length collapse").itertuples()
    assert row.run == REC and row.metric == "response_length/mean"
    # length = 1100 - 600 * sigmoid((t - 0.45) / 0.08): below 550 from step ~2560
    assert 1100 <= row.first_step <= 1600 and 2350 <= row.details["crossing_step"] <= 2800
    assert row.last_step == 4000


def test_methods_rec_reward_hacking_hint(methods):
    (row,) = rows(methods, "reward hacking hint").itertuples()
    assert row.run == REC and row.metric == "critic/score/mean" and row.severity == "critical"
    assert set(row.details["collapsed_metrics"]) == {"actor/entropy", "response_length/mean"}


def test_methods_nothing_for_grpo_and_red(methods):
    assert set(methods.run) == {REC}
    assert rows(methods, "kl spike").empty and rows(methods, "kl blow-up").empty


def test_length_best_checkpoint_near_the_peak():
    found = rlx.diagnose(rlx.demo("length"))
    (row,) = rows(found, "best checkpoint").itertuples()
    assert row.metric == "eval/reproduced_rate" and 370 <= row.first_step <= 430
    assert "step" in row.message and row.value == pytest.approx(35, abs=1.5)


def test_dashboard_kl_surge_of_the_blue_run_only():
    ds = rlx.demo("dashboard")
    blue, red = ds.rlx.runs
    found = rlx.diagnose(ds)
    kl = found[found.kind.isin(["kl spike", "kl surge", "kl blow-up"])]
    (row,) = kl.itertuples()
    assert (row.run, row.metric, row.kind) == (blue, "actor/kl_loss", "kl surge")
    assert row.first_step <= 20 <= row.last_step and 17 <= row.details["peak_step"] <= 23
    assert row.value == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_demo_verdicts_hold_for_other_noise(seed):
    methods = rlx.diagnose(rlx.demo("methods", seed=seed))
    assert set(rows(methods, "entropy collapse").run) == {REC}
    assert set(rows(methods, "length collapse").run) == {REC}
    assert set(rows(methods, "reward hacking hint").run) == {REC}
    dash = rlx.diagnose(rlx.demo("dashboard", seed=seed))
    kl = dash[dash.kind.isin(["kl spike", "kl surge", "kl blow-up"])]
    assert kl.run.tolist() == ["qwen2.5-7b-grpo-lr3e-6"]
    best = rows(rlx.diagnose(rlx.demo("length", seed=seed)), "best checkpoint")
    assert 370 <= int(best.first_step.iloc[0]) <= 430


def test_frame_columns_and_types(methods):
    assert tuple(methods.columns) == COLUMNS
    assert methods.first_step.dtype == np.int64 and methods.value.dtype == np.float64
    assert methods.severity.cat.ordered and list(methods.kind.cat.categories) == list(KINDS)
    assert (methods.first_step <= methods.last_step).all()
    assert all(isinstance(d, dict) for d in methods.details)
    assert all(m.endswith(".") and m.count(". ") == 0 for m in methods.message)
    assert methods[methods.severity >= "warning"].shape[0] >= 2


def test_no_findings_is_an_empty_frame_with_the_columns(one):
    found = rlx.diagnose(one("train/loss", np.linspace(1, 0, 50)))
    assert found.empty and tuple(found.columns) == COLUMNS


def test_not_a_dataset_is_a_clear_error():
    with pytest.raises(ValueError, match="expected an xarray.Dataset"):
        rlx.diagnose(pd.DataFrame())


def test_findings_are_ordered_by_run_then_metric_then_step():
    ds = rlx.demo("dashboard")
    found = rlx.diagnose(ds)
    runs = [ds.rlx.runs.index(r) for r in found.run]
    assert runs == sorted(runs)


def test_fast_on_the_largest_demo():
    ds = rlx.demo("methods")
    rlx.diagnose(ds)
    start = time.perf_counter()
    rlx.diagnose(ds)
    assert time.perf_counter() - start < 1.0
