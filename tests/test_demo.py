"""The demos reproduce the reference charts in ../shared/docs/seeds/ within their noise."""

import time

import numpy as np
import pytest
import xarray as xr

import rlexplore as rlx
from rlexplore.demo import NAMES


@pytest.mark.parametrize("name", NAMES)
def test_valid_fast_and_deterministic(name):
    start = time.perf_counter()
    ds = rlx.demo(name)
    assert time.perf_counter() - start < 1.0
    rlx.validate(ds)
    xr.testing.assert_identical(ds, rlx.demo(name))
    assert not ds["value"].equals(rlx.demo(name, seed=1)["value"])
    assert "wall_time" in ds and np.all(
        np.diff(ds["wall_time"].values, axis=1)[
            np.isfinite(np.diff(ds["wall_time"].values, axis=1))
        ]
        > 0
    )


def test_unknown_demo():
    with pytest.raises(ValueError, match="unknown demo 'nope'; expected one of"):
        rlx.demo("nope")


def end(ds, run, metric, n=100):
    return float(ds["value"].sel(run=run, metric=metric).dropna("step")[-n:].mean())


def start(ds, run, metric, n=100):
    return float(ds["value"].sel(run=run, metric=metric).dropna("step")[:n].mean())


@pytest.mark.parametrize(
    "run, metric, expected, tol",
    [
        ("GRPO", "critic/score/mean", 0.75, 0.03),
        ("REC-OneSide-NoIS (0.2)", "critic/score/mean", 0.73, 0.03),
        ("RED-Weight", "critic/score/mean", 0.78, 0.03),
        ("GRPO", "actor/kl_loss", 0.058, 0.006),
        ("REC-OneSide-NoIS (0.2)", "actor/kl_loss", 0.045, 0.006),
        ("RED-Weight", "actor/kl_loss", 0.020, 0.004),
        ("GRPO", "actor/entropy", 6.5, 0.3),
        ("REC-OneSide-NoIS (0.2)", "actor/entropy", 1.5, 0.3),
        ("RED-Weight", "actor/entropy", 6.8, 0.3),
        ("GRPO", "response_length/mean", 1000, 60),
        ("REC-OneSide-NoIS (0.2)", "response_length/mean", 500, 60),
        ("RED-Weight", "response_length/mean", 1500, 60),
    ],
)
def test_methods_end_values(run, metric, expected, tol):
    assert end(rlx.demo("methods"), run, metric) == pytest.approx(expected, abs=tol)


def test_methods_trends():
    ds = rlx.demo("methods")
    assert ds.step.values[[0, -1]].tolist() == [1, 4000]
    for run in ds.rlx.runs:
        assert end(ds, run, "critic/score/mean") > start(ds, run, "critic/score/mean") + 0.3
    rec = "REC-OneSide-NoIS (0.2)"
    assert end(ds, rec, "actor/entropy") < start(ds, rec, "actor/entropy") / 3
    assert end(ds, rec, "response_length/mean") < 0.55 * start(ds, rec, "response_length/mean")
    # REC's KL fluctuates more than the others'
    noise = {
        r: np.diff(ds["value"].sel(run=r, metric="actor/kl_loss").values).std() for r in ds.rlx.runs
    }
    assert noise[rec] > 2 * max(noise["GRPO"], noise["RED-Weight"])


def test_dashboard_shape_and_kl_surge():
    ds = rlx.demo("dashboard")
    assert len(ds.run) == 2 and ds.step.values.tolist() == list(range(31))
    assert set(ds.rlx.metrics) == {
        "eval/math-eval/accuracy/mean",
        "actor/entropy_loss",
        "actor/kl_loss",
    }
    blue, red = ds.rlx.runs
    kl = ds["value"].sel(metric="actor/kl_loss")
    assert kl.sel(run=blue).max() > 0.95 and 17 <= int(kl.sel(run=blue).idxmax()) <= 23
    assert kl.sel(run=red).max() < 0.7
    acc = ds["value"].sel(metric="eval/math-eval/accuracy/mean")
    assert acc.sel(run=red, step=30) > acc.sel(run=blue, step=30)
    assert int(acc.sel(run=blue).notnull().sum()) == 16  # evaluated every 2 steps


def test_length_dual_axis_values():
    ds = rlx.demo("length")
    length = ds["value"].sel(run="grpo", metric="response_length/mean").dropna("step")
    rate = ds["value"].sel(run="grpo", metric="eval/reproduced_rate").dropna("step")
    assert length[0] == pytest.approx(3050, abs=150) and length[-1] == pytest.approx(6400, abs=150)
    assert float(rate.min()) >= 19 and float(rate.max()) <= 36.5
    assert 370 <= int(rate.idxmax()) <= 430
