"""Pixel-exact downsampling: every pixel column keeps the full data's extremes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlexplore.transforms import downsample as ds_mod
from rlexplore.transforms.downsample import (
    arg_downsample,
    arg_downsample_many,
    minmax_band,
    pixel_columns,
)


@pytest.fixture(params=["c", "rust", "numpy"])
def backend(request, monkeypatch):
    """Run a test with the package's C kernel, tsdownsample's and the numpy fallback."""
    if request.param == "c" and ds_mod.compiled_m4 is None:
        pytest.skip("the C extension is not built")
    if request.param != "c":
        monkeypatch.setattr(ds_mod, "compiled_m4", None)
    if request.param == "numpy":
        monkeypatch.setattr(ds_mod, "M4Downsampler", None)
    return request.param


def random_series(seed: int, n: int, nan_share: float = 0.2):
    """Irregular steps, a random walk, NaN gaps (single and long) and single-step spikes."""
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.integers(1, 4, n)).astype(np.int64)
    y = np.cumsum(rng.normal(size=n))
    y[rng.random(n) < nan_share] = np.nan
    gap = int(rng.integers(0, n))
    y[gap : gap + n // 10] = np.nan
    spikes = rng.integers(0, n, 5)
    y[spikes] = rng.choice([-1, 1], 5) * rng.uniform(50, 500, 5)
    return x, y


def assert_column_extremes(x, y, idx, width, x_range):
    """The drawn points' min and max equal the full data's in every visible column."""
    lo, hi = x_range
    visible = (x >= lo) & (x <= hi) & np.isfinite(y)
    cols = pixel_columns(x, width, x_range)
    drawn = np.zeros(x.size, dtype=bool)
    drawn[idx] = True
    assert np.isfinite(y[idx]).all()
    for col in np.unique(cols[visible]):
        full = y[visible & (cols == col)]
        shown = y[visible & drawn & (cols == col)]
        assert shown.size, f"column {col} has data but nothing drawn"
        assert shown.min() == full.min() and shown.max() == full.max(), f"column {col}"


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 3000),
    width=st.integers(1, 300),
    window=st.tuples(st.floats(-0.1, 1.1), st.floats(-0.1, 1.1)),
)
def test_every_column_keeps_the_extremes(seed, n, width, window):
    x, y = random_series(seed, n)
    span = x[-1] - x[0]
    lo, hi = sorted(x[0] + span * np.array(window))
    for kernel in ("c", "rust", "numpy"):
        saved = ds_mod.compiled_m4, ds_mod.M4Downsampler
        ds_mod.compiled_m4 = saved[0] if kernel == "c" else None
        ds_mod.M4Downsampler = None if kernel == "numpy" else saved[1]
        try:
            idx = arg_downsample(x, y, width, x_range=(lo, hi), neighbours=False)
        finally:
            ds_mod.compiled_m4, ds_mod.M4Downsampler = saved
        assert_column_extremes(x, y, idx, width, (lo, hi))
        assert idx.size <= 4 * width or idx.size == np.isfinite(y[(x >= lo) & (x <= hi)]).sum()


def test_single_step_spike_in_a_million_points_is_kept(backend):
    y = np.zeros(1_000_000)
    y[777_777] = 1e6
    y[123_456] = -1e6
    idx = arg_downsample(np.arange(y.size), y, 640)
    assert {777_777, 123_456} <= set(idx.tolist())
    assert idx.size <= 4 * 640


@pytest.mark.parametrize("width", [1, 2, 37, 800])
def test_output_is_bounded_by_the_pixel_width(backend, width):
    x, y = random_series(3, 200_000, nan_share=0.05)
    idx = arg_downsample(x, y, width)
    assert idx.size <= 4 * width + 2
    assert np.all(np.diff(idx) > 0)
    assert_column_extremes(x, y, idx, width, (x[np.isfinite(y)][0], x[np.isfinite(y)][-1]))


def test_zooming_in_redownsamples_from_full_resolution(backend):
    x, y = random_series(4, 100_000)
    full_view = arg_downsample(x, y, 200)
    lo, hi = x[50_000], x[50_300]
    zoom = arg_downsample(x, y, 200, x_range=(lo, hi), neighbours=False)
    inside = np.flatnonzero((x >= lo) & (x <= hi) & np.isfinite(y))
    assert inside.size <= 800  # so every point of the window must be kept
    np.testing.assert_array_equal(zoom, inside)
    assert not set(inside.tolist()) <= set(full_view.tolist())


def test_neighbours_let_the_line_reach_the_panel_edges(backend):
    x = np.arange(100)
    y = np.where(np.arange(100) % 10 == 0, 1.0, np.nan)  # logged every 10 steps
    idx = arg_downsample(x, y, 50, x_range=(35, 65))
    assert idx.tolist() == [30, 40, 50, 60, 70]
    assert arg_downsample(x, y, 50, x_range=(35, 65), neighbours=False).tolist() == [40, 50, 60]


def test_first_and_last_visible_points_are_kept(backend):
    x, y = random_series(5, 50_000, nan_share=0.0)
    idx = arg_downsample(x, y, 100, x_range=(x[1000], x[40_000]), neighbours=False)
    assert idx[0] == 1000 and idx[-1] == 40_000


def test_indices_serve_raw_smoothed_and_wall_time():
    from rlexplore.transforms import smooth

    x, y = random_series(6, 20_000, nan_share=0.0)
    wall = 1.7e9 + x * 3.0
    smoothed = smooth(y, "ema", weight=0.9)
    idx = arg_downsample(x, smoothed, 100)
    assert idx.size <= 402
    np.testing.assert_array_equal(wall[idx], 1.7e9 + x[idx] * 3.0)
    np.testing.assert_array_equal(smoothed[idx], smooth(y, "ema", weight=0.9)[idx])


def test_many_series_match_one_at_a_time():
    x, y1 = random_series(7, 5000)
    y2 = random_series(8, 5000)[1]
    many = arg_downsample_many(x, np.stack([y1, y2]), 64, x_range=(x[10], x[4000]))
    for got, y in zip(many, (y1, y2)):
        np.testing.assert_array_equal(got, arg_downsample(x, y, 64, x_range=(x[10], x[4000])))


def test_all_nan_and_empty_ranges_give_no_points():
    assert arg_downsample(np.arange(10), np.full(10, np.nan), 5).size == 0
    assert arg_downsample(np.arange(10), np.ones(10), 5, x_range=(20, 30)).tolist() == [9]
    assert arg_downsample(np.arange(0), np.ones(0), 5).size == 0


def test_minmax_band_holds_each_columns_extremes():
    x, y = random_series(9, 10_000)
    steps, low, high = minmax_band(x, y, 50, x_range=(x[100], x[9000]))
    cols = pixel_columns(x, 50, (x[100], x[9000]))
    visible = (x >= x[100]) & (x <= x[9000]) & np.isfinite(y)
    present = np.unique(cols[visible])
    assert steps.size == present.size
    for k, col in enumerate(present):
        m = visible & (cols == col)
        assert (low[k], high[k]) == (y[m].min(), y[m].max())
        assert steps[k] == x[m][0]


def test_pixel_columns_convention():
    assert pixel_columns([0, 4.999, 5, 10, 11, -1], 2, (0, 10)).tolist() == [0, 0, 1, 1, 1, 0]
    assert pixel_columns([3, 3], 4, (3, 3)).tolist() == [3, 3]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"width": 0}, "width must be"),
        ({"width": 2.5}, "width must be"),
        ({"method": "lttb"}, "unknown downsampling method"),
        ({"x_range": (5, 1)}, "lo <= hi"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, message):
    args = {"width": 10, **kwargs}
    with pytest.raises(ValueError, match=message):
        arg_downsample(np.arange(10), np.ones(10), **args)


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match="equal length"):
        arg_downsample(np.arange(10), np.ones(9), 10)


def test_minmaxlttb_is_bounded_and_keeps_the_ends():
    x, y = random_series(10, 100_000, nan_share=0.0)
    idx = arg_downsample(x, y, 100, method="minmaxlttb", neighbours=False)
    assert idx.size <= 400 and idx[0] == 0 and idx[-1] == x.size - 1


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 4000), width=st.integers(1, 200))
def test_the_c_kernel_picks_exactly_what_the_numpy_one_does(seed, n, width):
    if ds_mod.compiled_m4 is None:
        pytest.skip("the C extension is not built")
    x, y = random_series(seed, n)
    lo, hi = float(x[0]), float(x[-1])
    for method in ("m4", "minmax"):
        c = arg_downsample(x, y, width, x_range=(lo, hi), method=method, neighbours=False)
        saved = ds_mod.compiled_m4, ds_mod.M4Downsampler
        ds_mod.compiled_m4 = ds_mod.M4Downsampler = None
        try:
            reference = arg_downsample(
                x, y, width, x_range=(lo, hi), method=method, neighbours=False
            )
        finally:
            ds_mod.compiled_m4, ds_mod.M4Downsampler = saved
        np.testing.assert_array_equal(c, reference)
        if method == "minmax":
            assert_column_extremes(x, y, c, width, (lo, hi))
            assert c.size <= 2 * width or c.size == np.isfinite(y).sum()
