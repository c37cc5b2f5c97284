"""The one place where full-resolution data becomes the points a line receives.

Raw lines get their ``x`` and ``y`` from :func:`line_xy` (each pixel column's minimum and
maximum: every spike is kept, in two points a column), smoothed lines and the overview from
:func:`curve_xy` (about one point per pixel column: a smoothed curve has no spikes to
keep), bands from :func:`band_xy`. Smoothing, statistics and y ranges are computed on the
full-resolution data before them.
"""

from __future__ import annotations

import numpy as np

from ..transforms.downsample import arg_downsample, column_edges, m4_window


def window(steps: np.ndarray, step_range: tuple[float, float] | None) -> slice:
    """The slice of increasing `steps` that lies in ``[lo, hi]`` (all of it for None).

    Examples
    --------
    >>> window(np.array([1.0, 2.0, 3.0, 4.0]), (2, 3.5))
    slice(1, 3, None)
    """
    if step_range is None:
        return slice(0, len(steps))
    lo, hi = step_range
    return slice(int(steps.searchsorted(lo, "left")), int(steps.searchsorted(hi, "right")))


def line_xy(
    steps: np.ndarray,
    values: np.ndarray,
    step_range: tuple[float, float] | None,
    width_px: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``x`` and ``y`` arrays a line mark receives for one series.

    Parameters
    ----------
    steps : numpy.ndarray
        Increasing steps of the series' logged, finite points (full resolution).
    values : numpy.ndarray
        The values at `steps` (raw or smoothed, full resolution).
    step_range : None or (lo, hi)
        The visible step window; None for all steps.
    width_px : int
        The width of the panel's plotting area in pixels.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        float64 ``x`` and ``y``: the points in range, at most ``2 * width_px`` of them,
        each pixel column's minimum and maximum
        (:func:`rlexplore.transforms.downsample.arg_downsample` with ``method="minmax"``),
        so no spike is hidden and a narrow range keeps every point.

    Examples
    --------
    >>> x, y = line_xy(np.arange(5.0), np.arange(5.0) ** 2, (1, 3), 300)
    >>> x.tolist(), y.tolist()
    ([1.0, 2.0, 3.0], [1.0, 4.0, 9.0])
    >>> spike = np.zeros(100_000); spike[54_321] = 7.0
    >>> x, y = line_xy(np.arange(100_000.0), spike, None, 200)
    >>> len(x) <= 400, float(y.max())
    (True, 7.0)
    """
    steps, values = np.asarray(steps, dtype=np.float64), np.asarray(values, dtype=np.float64)
    if steps.size == 0:
        return steps, values
    sel = window(steps, step_range)
    xs, ys = steps[sel], values[sel]
    x_range = step_range if step_range is not None else (steps[0], steps[-1])
    idx = m4_window(xs, ys, width_px, x_range, "minmax")
    return xs[idx], ys[idx]


def curve_xy(
    steps: np.ndarray,
    values: np.ndarray,
    step_range: tuple[float, float] | None,
    width_px: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``x`` and ``y`` of a smooth line: the first point of each pixel column, and the last.

    A window holding at most two points per column keeps every point.

    Examples
    --------
    >>> x, y = curve_xy(np.arange(100_000.0), np.arange(100_000.0), None, 100)
    >>> len(x), float(x[0]), float(x[-1])
    (101, 0.0, 99999.0)
    """
    steps, values = np.asarray(steps, dtype=np.float64), np.asarray(values, dtype=np.float64)
    sel = window(steps, step_range)
    xs, ys = steps[sel], values[sel]
    if xs.size <= 2 * width_px:
        return xs, ys
    lo, hi = (xs[0], xs[-1]) if step_range is None else step_range
    idx = np.empty(width_px + 1, dtype=np.int64)  # the first point of each column, and the last
    idx[0], idx[-1] = 0, xs.size - 1
    idx[1:-1] = xs.searchsorted(column_edges(width_px, (lo, hi)), "left")
    np.minimum(idx, xs.size - 1, out=idx)
    idx = idx[np.concatenate(([True], idx[1:] != idx[:-1]))]
    return xs[idx], ys[idx]


def band_xy(
    x: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    step_range: tuple[float, float] | None,
    width_px: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``x`` and 2-row ``y`` a shaded band (``fill="between"``) receives.

    Both edges are downsampled like lines (:func:`line_xy`) and the union of their
    points is kept, so every pixel column holds the lowest lower edge and the highest
    upper edge of the full data: at most ``8 * width_px`` points.

    Examples
    --------
    >>> x, y = band_xy(np.arange(4.0), np.zeros(4), np.ones(4), (1, 2), 300)
    >>> x.tolist(), y.tolist()
    ([1.0, 2.0], [[0.0, 0.0], [1.0, 1.0]])
    """
    x = np.asarray(x, dtype=np.float64)
    lower, upper = np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)
    if x.size == 0:
        return x, np.empty((2, 0))
    x_range = step_range if step_range is not None else (x[0], x[-1])
    picks = [
        arg_downsample(x, edge, width_px, x_range=x_range, neighbours=False)
        for edge in (lower, upper)
    ]
    idx = np.union1d(*picks)
    return x[idx], np.vstack([lower[idx], upper[idx]])
