"""The one function that turns full-resolution data into a line's x and y."""

import numpy as np

from rlexplore.viewmodel.lines import line_xy, window


def test_line_xy_keeps_every_point_in_range_as_float64():
    steps = np.array([0, 5, 10, 15, 20], dtype=np.int64)
    x, y = line_xy(steps, np.arange(5.0), (5, 15), 300)
    assert x.dtype == y.dtype == np.float64
    assert x.tolist() == [5.0, 10.0, 15.0] and y.tolist() == [1.0, 2.0, 3.0]


def test_line_xy_without_a_range_keeps_everything_that_fits():
    x, y = line_xy(np.arange(10.0), np.arange(10.0), None, 300)
    assert len(x) == len(y) == 10


def test_line_xy_is_pixel_bounded_and_keeps_every_extreme():
    rng = np.random.default_rng(1)
    steps, values = np.arange(100_000.0), rng.normal(size=100_000)
    values[[77, 54_321]] = [50.0, -50.0]
    x, y = line_xy(steps, values, (0, 60_000), 200)
    assert len(x) <= 800 and x.dtype == np.float64
    assert np.all(np.diff(x) > 0) and x.min() >= 0 and x.max() <= 60_000
    assert y.max() == 50.0 and y.min() == -50.0


def test_window_bounds_are_inclusive_and_may_be_empty():
    steps = np.array([1.0, 2.0, 3.0])
    assert window(steps, (1, 3)) == slice(0, 3)
    assert window(steps, (1.5, 1.7)) == slice(1, 1)
    assert window(steps, (10, 20)) == slice(3, 3)
