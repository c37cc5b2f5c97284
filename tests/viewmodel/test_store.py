"""Full-resolution series for the views: logged points, cached smoothing, values at a step."""

import numpy as np

import rlexplore as rlx
from rlexplore.viewmodel import SeriesStore


def test_series_hold_only_logged_finite_points():
    store = SeriesStore(rlx.demo("length"))
    steps, values = store.raw("grpo", "eval/reproduced_rate")
    assert steps.tolist() == list(np.arange(0.0, 501.0, 10.0)) and np.isfinite(values).all()
    assert store.point_count("response_length/mean") == 101


def test_smoothing_runs_over_the_logged_points_and_is_cached():
    ds = rlx.demo("dashboard")
    store = SeriesStore(ds)
    steps, smoothed = store.smoothed(
        "qwen2.5-7b-grpo-lr1e-6", "eval/math-eval/accuracy/mean", "ema", 0.6
    )
    raw = (
        ds.value.sel(run="qwen2.5-7b-grpo-lr1e-6", metric="eval/math-eval/accuracy/mean")
        .dropna("step")
        .values
    )
    np.testing.assert_allclose(smoothed, rlx.smooth(raw, "ema", weight=0.6))
    again = store.smoothed(
        "qwen2.5-7b-grpo-lr1e-6", "eval/math-eval/accuracy/mean", "ema", 0.6000000000001
    )[1]
    assert again is smoothed  # cached: weights equal to 9 decimals are one setting


def test_at_step_picks_the_nearest_logged_point():
    store = SeriesStore(rlx.demo("length"))
    at, raw, _ = store.at_step("grpo", "eval/reproduced_rate", 14, "ema", 0.0)
    assert at == 10 and raw == store.raw("grpo", "eval/reproduced_rate")[1][1]
    assert store.at_step("grpo", "eval/reproduced_rate", 16, "ema", 0.0)[0] == 20
    assert store.at_step("grpo", "eval/reproduced_rate", 9999, "ema", 0.0)[0] == 500


def test_summary_is_nan_where_a_run_logged_nothing_in_range():
    store = SeriesStore(rlx.demo("length"))
    frame = store.summary(["grpo"], ["eval/reproduced_rate"], (1, 9))
    assert frame.isna().all(axis=None)
    assert store.summary([], ["x"], None).empty
