"""sample_metrics: quantiles equal numpy's on the same rows; lengths, empty, duplicates, truncation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from verl_dump import write_run

import rlexplore as rlx
from rlexplore.samples import as_text, open_samples

DATA = Path(__file__).parent / "data" / "trl"


def value(ds, run, metric, step):
    return float(ds.value.sel(run=run, metric=metric, step=step))


def test_quantiles_equal_numpys_on_the_same_rows():
    samples = rlx.load_samples(DATA)
    m = rlx.sample_metrics(samples)
    for (run, split, step), rows in samples.groupby(["run", "split", "step"], observed=True):
        prefix = "samples/eval/" if split == "eval" else "samples/"
        for col in ("reward_len", "reward_digit"):
            expect = np.quantile(rows[col].to_numpy(), [0.1, 0.5, 0.9])
            got = [value(m, run, f"{prefix}{col}/p{p}", step) for p in (10, 50, 90)]
            assert got == list(expect)
        lengths = np.array(
            [
                len("".join(x["content"] for x in c)) if isinstance(c, list) else len(c)
                for c in rows["completion"]
            ]
        )
        assert value(m, run, f"{prefix}completion_length/mean", step) == lengths.mean()
        assert value(m, run, f"{prefix}completion_length/p90", step) == np.quantile(lengths, 0.9)
        assert value(m, run, f"{prefix}count", step) == len(rows)


def test_metrics_merge_with_the_runs_curves():
    samples = rlx.load_samples(DATA)
    curves = rlx.load(DATA / "trl-chat")
    merged = xr.merge(
        [curves, rlx.sample_metrics(samples[samples["run"] == "trl-chat"])],
        join="outer",
        compat="no_conflicts",
    )
    assert "samples/reward_len/p50" in merged.metric.values
    assert "train/reward" in merged.metric.values


def test_empty_duplicate_and_truncated_fractions_and_tokens(tmp_path):
    write_run(tmp_path / "r", steps=(1,), n=4, validation=False)  # outputs 0 and 2 are empty
    df = rlx.load_samples(tmp_path)
    m = rlx.sample_metrics(df, tokenizer=str.split, max_tokens=2)
    assert value(m, "r", "samples/empty_fraction", 1) == 0.5
    assert value(m, "r", "samples/duplicate_fraction", 1) == 0.5  # the two empty ones
    tokens = [len(t.split()) for t in df["completion"]]
    assert value(m, "r", "samples/completion_tokens/mean", 1) == np.mean(tokens)
    assert value(m, "r", "samples/truncated_fraction", 1) == np.mean(np.array(tokens) >= 2)
    assert value(m, "r", "samples/reward/p50", 1) == np.quantile(df["reward"], 0.5)
    assert value(m, "r", "samples/acc/mean", 1) == df["acc"].mean() == 0.5


def test_the_lazy_index_gives_the_same_metrics():
    eager = rlx.sample_metrics(rlx.load_samples(DATA))
    lazy = rlx.sample_metrics(open_samples(DATA).index)
    assert sorted(eager.metric.values) == sorted(lazy.metric.values)
    np.testing.assert_array_equal(
        eager.value.values, lazy.sel(metric=eager.metric, run=eager.run).value.values
    )


def test_bad_input_is_a_clear_error():
    import pandas as pd

    with pytest.raises(rlx.RLExploreError, match="'run'"):
        rlx.sample_metrics(pd.DataFrame({"step": [1]}))
    with pytest.raises(rlx.RLExploreError, match="no samples"):
        rlx.sample_metrics(pd.DataFrame({"run": [], "step": [], "completion": []}))
    assert as_text(None) == ""


def test_sample_runs_draw_the_reward_distribution_as_the_groups_band():
    from rlexplore.samples import sample_runs
    from rlexplore.transforms.groups import aggregate

    samples = rlx.load_samples(DATA)
    train = samples[samples["split"] == "train"]
    ds = sample_runs(samples)
    g = aggregate(
        ds, "samples_of", center="median", band="quantile", quantiles=(0.1, 0.9), align="any"
    )
    for (run, step), rows in train.groupby(["run", "step"], observed=True):
        lo, mid, hi = np.quantile(rows["reward_len"], [0.1, 0.5, 0.9])
        cell = g.sel(group=run, metric="reward_len", step=step)
        assert float(cell["lower"]) == pytest.approx(lo) and float(cell["upper"]) == pytest.approx(
            hi
        )
        assert float(cell["center"]) == pytest.approx(mid)
    ex = rlx.Explorer(
        ds, ["reward_len"], group_by="samples_of", group_center="median", group_band="quantile"
    )
    assert set(ex.state.shown_runs) == set(train["run"].astype(str))
