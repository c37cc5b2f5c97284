"""From a finding of rlx.diagnose to its samples, worst then best."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import rlexplore as rlx
from rlexplore.dataset import from_columns
from rlexplore.samples import finding_samples, rank_samples


def collapsing_run():
    """A run whose response length collapses at step 60, with samples every 10 steps."""
    steps = np.arange(0, 120)
    length = np.where(steps < 60, 400.0, 40.0) + np.random.default_rng(0).normal(0, 2, steps.size)
    ds = from_columns(["r"] * steps.size, ["response_length/mean"] * steps.size, steps, length)
    rows = []
    for step in range(0, 120, 10):
        for i in range(6):
            text = "x" * (400 if step < 60 else 40)
            rows.append(
                {
                    "run": "r",
                    "step": step,
                    "sample": i,
                    "prompt": f"p{i}",
                    "completion": text,
                    "reward": float(i),
                }
            )
    return ds, pd.DataFrame(rows)


def test_a_length_collapse_opens_its_samples_worst_then_best():
    ds, samples = collapsing_run()
    found = rlx.diagnose(ds)
    row = found[found["kind"] == "length collapse"].iloc[0]
    out = finding_samples(samples, row, n=2)
    assert out["rank"].tolist() == ["worst", "worst", "best", "best"]
    assert out["reward"].tolist() == [0.0, 0.0, 5.0, 5.0]
    assert out["step"].between(row["first_step"], row["last_step"]).all()


def test_a_range_without_samples_uses_the_nearest_logged_step():
    _, samples = collapsing_run()
    out = finding_samples(samples, {"run": "r", "first_step": 61, "last_step": 63}, n=1)
    assert out["step"].tolist() == [60, 60]
    assert finding_samples(samples, {"run": "other", "first_step": 0, "last_step": 9}).empty
    with pytest.raises(rlx.RLExploreError, match="first_step"):
        finding_samples(samples, {"run": "r"})


def test_rank_orders():
    _, samples = collapsing_run()
    assert rank_samples(samples, "best")["reward"].iloc[0] == 5.0
    assert rank_samples(samples, "worst")["reward"].iloc[0] == 0.0
    a, b = rank_samples(samples, "random", seed=1), rank_samples(samples, "random", seed=1)
    assert a.index.tolist() == b.index.tolist() != samples.index.tolist()
    with pytest.raises(rlx.RLExploreError):
        rank_samples(samples, "middle")


def test_rank_by_the_first_reward_column_with_values():
    df = pd.DataFrame({"run": "r", "step": 1, "reward": np.nan, "reward_len": [0.5, 2.0, 1.0]})
    assert rank_samples(df, "best")["reward_len"].tolist() == [2.0, 1.0, 0.5]
