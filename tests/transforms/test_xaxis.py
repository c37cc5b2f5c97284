"""The x axis: step, wall time, time since start, monotone metrics, and ranges back to steps."""

import numpy as np
import pandas as pd
import pytest

import rlexplore as rlx
from rlexplore.dataset import from_columns
from rlexplore.transforms.xaxis import axis_label, step_range, x_choices, x_values


def tokens_runs(decreasing=False):
    """Two runs: 'tokens' logged every 2 steps (0..8), 'loss' every step, wall time = 100 * step + start."""
    rows = []
    for run, start, rate in (("a", 1000.0, 10.0), ("b", 5000.0, 20.0)):
        for step in range(9):
            rows.append((run, "loss", step, 1.0 / (step + 1), start + 100 * step))
            if step % 2 == 0:
                tokens = rate * step if not (decreasing and run == "b" and step == 6) else 0.0
                rows.append((run, "tokens", step, tokens, start + 100 * step))
    return rlx.from_dataframe(
        pd.DataFrame(rows, columns=["run", "metric", "step", "value", "wall_time"])
    )


def test_step_and_times():
    ds = tokens_runs()
    np.testing.assert_array_equal(x_values(ds, "step").values[1], np.arange(9.0))
    assert x_values(ds, "wall_time").values[1, 2] == 5200.0
    rel = x_values(ds, "relative_time").values
    np.testing.assert_array_equal(rel, np.tile(100.0 * np.arange(9), (2, 1)))


def test_relative_time_starts_at_each_runs_first_logged_time():
    ds = from_columns(["a", "b"], ["m", "m"], [0, 3], [1.0, 2.0], [10.0, 50.0])
    rel = x_values(ds, "relative_time").values
    assert rel[0, 0] == 0.0 and rel[1, 1] == 0.0
    assert np.isnan(rel[0, 1]) and np.isnan(rel[1, 0])


def test_metric_axis_interpolates_between_logged_points_only():
    ds = tokens_runs()
    x = x_values(ds, "tokens").values
    np.testing.assert_array_equal(
        x[0], 10.0 * np.arange(9)
    )  # 10 tokens per step, odd steps interpolated
    exact = x_values(ds, "tokens", interpolate=False).values
    assert np.isnan(exact[0, 1]) and exact[0, 2] == 20.0
    ds2 = ds.isel(step=slice(1, None))  # tokens now start at step 2: nothing before the first value
    assert np.isnan(x_values(ds2, "tokens").values[0, 0])


def test_non_monotone_metric_is_refused_with_where():
    ds = tokens_runs(decreasing=True)
    with pytest.raises(
        rlx.RLExploreError, match=r"in run 'b' it goes from 80 at step 4 to 0 at step 6"
    ):
        x_values(ds, "tokens")
    assert "tokens" not in x_choices(ds)


def test_choices_offer_monotone_metrics_and_times():
    assert x_choices(tokens_runs()) == ["step", "wall_time", "relative_time", "tokens"]
    no_time = from_columns(["a"], ["m"], [0], [1.0])
    assert x_choices(no_time) == ["step"]  # one point is no axis
    with pytest.raises(rlx.RLExploreError, match="no wall times"):
        x_values(no_time, "wall_time")
    with pytest.raises(rlx.RLExploreError, match=r"expected one of \['step'"):
        x_values(no_time, "epoch")
    assert (
        axis_label("relative_time") == "time since start (s)" and axis_label("tokens") == "tokens"
    )


def test_x_range_maps_back_to_steps():
    ds = tokens_runs()
    assert step_range(x_values(ds, "tokens"), 35, 60) == (2, 6)  # b reaches 40 at step 2, a 60 at 6
    assert step_range(x_values(ds, "relative_time"), None, 250) == (0, 2)
    assert step_range(x_values(ds, "step"), 100, None) is None


@pytest.mark.realdata
def test_real_epoch_and_runtime_are_offered_and_loss_is_refused(real_data):
    import warnings

    from rlexplore.io import load

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rlx.RLExploreWarning)
        ds = load(real_data / "coati-rlhf-training-wandb")
    assert x_choices(ds) == ["step", "wall_time", "relative_time", "epoch", "_runtime"]
    epoch = x_values(ds, "epoch").values[0]
    finite = epoch[np.isfinite(epoch)]
    assert finite[0] == 0 and np.all(np.diff(finite) >= 0) and finite[-1] > 0
    with pytest.raises(rlx.RLExploreError, match="'loss' cannot be the x axis"):
        x_values(ds, "loss")
