"""ViewStore: runs or groups of runs, on any x axis, as the panels read them."""

import numpy as np
import pytest
import xarray as xr

import rlexplore as rlx
from rlexplore.transforms.groups import aggregate
from rlexplore.viewmodel import ViewStore


def seeds():
    ds = rlx.demo("methods").isel(step=slice(0, 300))
    parts = [ds.assign_coords(run=[f"{r}-seed{i}" for r in ds.run.values]) for i in range(3)]
    out = xr.concat(parts, "run")
    out["value"] = out["value"] + np.arange(9.0)[:, None, None] * 0.01  # seeds differ
    return out


def test_plain_store_on_steps_matches_the_dataset():
    ds = rlx.demo("dashboard")
    store = ViewStore(ds)
    x, y = store.raw("qwen2.5-7b-grpo-lr3e-6", "eval/math-eval/accuracy/mean")
    assert x.tolist() == list(range(0, 31, 2))
    np.testing.assert_array_equal(
        y,
        ds.value.sel(run="qwen2.5-7b-grpo-lr3e-6", metric="eval/math-eval/accuracy/mean").dropna(
            "step"
        ),
    )
    assert store.band("qwen2.5-7b-grpo-lr3e-6", "actor/kl_loss", "ema", 0.6) is None


def test_relative_time_axis_moves_points_and_range():
    ds = rlx.demo("methods")
    store = ViewStore(ds, x="relative_time")
    x, _ = store.raw("GRPO", "actor/kl_loss")
    assert x[0] == 0.0 and np.all(np.diff(x) > 0)
    assert store.extent[1] == pytest.approx(np.nanmax(ds.wall_time - ds.wall_time.min("step")))
    summary = store.summary(("GRPO",), ("actor/kl_loss",), (0.0, 3600.0))
    assert (
        summary.loc[("GRPO", "actor/kl_loss"), "last"]
        == ds.value.sel(run="GRPO", metric="actor/kl_loss").values[
            int(x.searchsorted(3600.0, "right")) - 1
        ]
    )


def test_groups_are_the_runs_of_the_store_with_bands():
    ds = seeds()
    store = ViewStore(ds, group_pattern=r"-seed\d", band="minmax")
    assert store.runs == ("GRPO", "REC-OneSide-NoIS (0.2)", "RED-Weight")
    assert store.members["GRPO"] == ("GRPO-seed0", "GRPO-seed1", "GRPO-seed2")
    stats = aggregate(ds, pattern=r"-seed\d", band="minmax").sel(
        group="GRPO", metric="actor/entropy"
    )
    _, center = store.raw("GRPO", "actor/entropy")
    np.testing.assert_allclose(center, stats["center"].values)
    x, lower, upper = store.band("GRPO", "actor/entropy", "ema", 0.0)
    np.testing.assert_allclose(upper - lower, 0.06)  # seed offsets 0, 0.03, 0.06 within a group
    smoothed = store.band("GRPO", "actor/entropy", "ema", 0.9)
    assert not np.allclose(smoothed[1], lower)  # bands are smoothed like lines


def test_bad_options_are_clear_errors():
    with pytest.raises(rlx.RLExploreError, match="unknown band"):
        ViewStore(seeds(), group_by="hp.algorithm", band="iqr")
    with pytest.raises(rlx.RLExploreError, match="cannot be the x axis"):
        ViewStore(rlx.demo("methods"), x="actor/kl_loss")
