"""Divergence between runs of one group (seeds), and how runs are grouped."""

import numpy as np
import pytest

import rlexplore as rlx
from rlexplore.dataset import from_columns
from rlexplore.diagnostics import Rules
from rlexplore.diagnostics.runs import run_groups

STEPS = np.arange(500)
BASE = 0.2 + 0.5 * (1 - np.exp(-STEPS / 150))


def noisy(values, sd, seed):
    return values + np.random.default_rng(seed).normal(0, sd, len(values))


def rows(df):
    return df[df.kind == "divergence between runs"]


def test_seeds_that_differ_by_noise_do_not_diverge(many):
    ds = many({(f"grpo_seed{s}", "reward"): (STEPS, noisy(BASE, 0.05, s)) for s in range(4)})
    assert rows(rlx.diagnose(ds)).empty


def test_a_seed_that_drifts_away_is_found(many):
    series = {(f"grpo_seed{s}", "reward"): (STEPS, noisy(BASE, 0.02, s)) for s in range(3)}
    drift = BASE - 0.4 * np.clip((STEPS - 250) / 100, 0, 1)
    series["grpo_seed3", "reward"] = (STEPS, noisy(drift, 0.02, 3))
    (row,) = rows(rlx.diagnose(many(series))).itertuples()
    assert row.run == "grpo_seed3" and row.details["group"] == "grpo"
    assert (
        250 <= row.first_step <= 300
        and row.last_step == 499
        and row.value == pytest.approx(0.4, abs=0.05)
    )


def test_runs_of_different_groups_are_not_compared(many):
    ds = many({("a_seed1", "reward"): (STEPS, BASE), ("b_seed1", "reward"): (STEPS, BASE + 0.3)})
    assert rows(rlx.diagnose(ds)).empty


def test_group_by_a_run_coordinate_or_a_pattern():
    n = 3
    ds = from_columns(
        ["x1", "x2", "y1"] * n,
        ["m"] * 3 * n,
        np.repeat(np.arange(n), 3),
        np.ones(3 * n),
        run_coords={"x1": {"hp.algo": "x"}, "x2": {"hp.algo": "x"}, "y1": {"hp.algo": "y"}},
    )
    assert run_groups(ds, Rules(group_by="hp.algo")) == {"x": ("x1", "x2")}
    assert run_groups(ds, Rules(group_pattern=r"\d$")) == {"x": ("x1", "x2")}
    assert run_groups(ds, Rules()) == {}


def test_group_by_an_unknown_coordinate_is_a_clear_error(many):
    ds = many({("a_seed1", "reward"): (STEPS, BASE), ("a_seed2", "reward"): (STEPS, BASE)})
    with pytest.raises(ValueError, match="no run coordinate 'hp.nope'"):
        rlx.diagnose(ds, rules={"group_by": "hp.nope"})
