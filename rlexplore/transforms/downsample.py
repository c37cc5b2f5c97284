"""Pixel-bounded downsampling: which points of a long series a line of `width` pixels needs.

The functions return **indices** (plotly-resampler's ``arg_downsample``), so the same
selection serves raw values, smoothed values and wall times. The aggregation is M4: in
every pixel column of the visible step range it keeps the first, last, minimum and
maximum finite point, so the drawn line covers exactly the vertical extent of the full
data in every column and no single-step spike is ever hidden. At most ``4 * width``
points are kept (plus one neighbour on each side of the range, so the line reaches the
panel's edges); a range that holds fewer points keeps all of them, which is why zooming
in reveals every point.

Pixel columns are defined once, by :func:`pixel_columns`: ``x_range = (lo, hi)`` is cut
into `width` equal columns at the edges ``lo + k * (hi - lo) / width``; a step on an
edge belongs to the column on its right, and ``x == hi`` to the last column.
The package's C kernel (``_smoothing.c``: one pass, the GIL released) does the per-column
work; without it, the Rust library ``tsdownsample`` when installed
(``pip install 'rlexplore[downsample]'``), else an exact numpy version.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

try:  # the package's compiled kernel (setup.py builds it when a C compiler exists)
    from . import _smoothing  # type: ignore[attr-defined]

    compiled_m4 = _smoothing.m4_into
except ImportError:  # pragma: no cover - exercised only without the extension
    compiled_m4 = None

M4Downsampler: Any
MinMaxLTTBDownsampler: Any
try:  # optional: the Rust kernels of tsdownsample, about 10x faster than numpy
    from tsdownsample import M4Downsampler, MinMaxLTTBDownsampler
except ImportError:  # pragma: no cover - exercised only without the extra
    M4Downsampler = MinMaxLTTBDownsampler = None

METHODS = ("m4", "minmax", "minmaxlttb")
POINTS_PER_PIXEL = 4


def arg_downsample(
    x: np.ndarray,
    y: np.ndarray,
    width: int,
    *,
    x_range: tuple[float, float] | None = None,
    method: str = "m4",
    neighbours: bool = True,
) -> np.ndarray:
    """Indices of the points of one series to draw on a line `width` pixels wide.

    Parameters
    ----------
    x : array-like, 1-D
        Steps, increasing (the ``step`` coordinate, or a run's logged steps).
    y : array-like, 1-D
        Values at `x`; NaN and ±Inf are never selected (they are gaps).
    width : int
        Width of the plotting area in pixels (>= 1).
    x_range : (lo, hi), optional
        The visible step range; default, every finite point's range. Only points with
        ``lo <= x <= hi`` are aggregated, so the cost grows with the visible points only.
    method : {"m4", "minmax", "minmaxlttb"}, default "m4"
        ``"m4"`` keeps every column's first, last, min and max (exact extremes);
        ``"minmax"`` its min and max only (exact extremes, half the points; a range
        holding at most two points a column keeps them all);
        ``"minmaxlttb"`` keeps ``4 * width`` points chosen by MinMax-LTTB (needs
        tsdownsample; smoother-looking, not guaranteed to keep every extreme).
    neighbours : bool, default True
        Also keep the last finite point before `lo` and the first after `hi`.

    Returns
    -------
    numpy.ndarray
        int64 indices into `x` and `y`, increasing.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.zeros(1_000_000); y[123_457] = 9.0
    >>> idx = arg_downsample(np.arange(y.size), y, 100)
    >>> len(idx) <= 400, 123_457 in idx
    (True, True)
    """
    xs, ys = _check_series(x, y)
    width = _check_width(width)
    if method not in METHODS:
        raise ValueError(f"unknown downsampling method {method!r}; expected one of {METHODS}")
    lo, hi = _resolve_range(xs, ys, x_range)
    i0, i1 = int(np.searchsorted(xs, lo, "left")), int(np.searchsorted(xs, hi, "right"))
    xv, yv = xs[i0:i1], ys[i0:i1]
    if method != "minmaxlttb" and compiled_m4 is not None and yv.size > _per_column(method) * width:
        idx = i0 + _m4_compiled(xv, yv, width, lo, hi, ends=method == "m4")
        return _with_neighbours(ys, idx, i0, i1) if neighbours else idx
    finite = np.isfinite(yv)
    kept = None if finite.all() else np.flatnonzero(finite)  # views, when nothing is missing
    if kept is not None:
        xv, yv = xv[kept], yv[kept]
    pos = np.arange(yv.size)
    if yv.size > _per_column(method) * width:
        pos = _select(xv, yv, width, lo, hi, method)
    idx = i0 + (pos if kept is None else kept[pos])
    if neighbours:
        idx = _with_neighbours(ys, idx, i0, i1)
    return idx


def arg_downsample_many(
    x: np.ndarray,
    ys: np.ndarray | Sequence[np.ndarray],
    width: int,
    *,
    x_range: tuple[float, float] | None = None,
    method: str = "m4",
) -> list[np.ndarray]:
    """:func:`arg_downsample` for each row of `ys` (series sharing the steps `x`).

    Examples
    --------
    >>> import numpy as np
    >>> ys = np.array([[0, 1, 0, 9, 0, 0.0], [5, 4, 3, 2, 1, 0.0]])
    >>> [i.tolist() for i in arg_downsample_many(np.arange(6), ys, 1)]
    [[0, 3, 5], [0, 5]]
    """
    xs = np.asarray(x, dtype=np.float64)  # convert the shared steps once
    return [arg_downsample(xs, row, width, x_range=x_range, method=method) for row in ys]


def pixel_columns(x: np.ndarray, width: int, x_range: tuple[float, float]) -> np.ndarray:
    """Pixel column (0 to ``width - 1``) of each step in `x`, over `x_range`.

    Steps outside the range are clipped to the first or last column.

    Examples
    --------
    >>> pixel_columns([0, 4, 5, 9, 10], 2, (0, 10)).tolist()
    [0, 0, 1, 1, 1]
    """
    xs = np.asarray(x, dtype=np.float64)
    return np.searchsorted(column_edges(width, x_range), xs, "right").astype(np.int64)


def column_edges(width: int, x_range: tuple[float, float]) -> np.ndarray:
    """The ``width - 1`` inner edges of the pixel columns; a step equal to an edge is right of it.

    Read-only and cached: every series drawn on the same columns shares them.

    Examples
    --------
    >>> column_edges(4, (0.0, 8.0)).tolist()
    [2.0, 4.0, 6.0]
    """
    return _edges_of(int(width), float(x_range[0]), float(x_range[1]))


@lru_cache(maxsize=64)
def _edges_of(width: int, lo: float, hi: float) -> np.ndarray:
    edges = lo + (hi - lo) * (np.arange(1, width) / width)
    edges.flags.writeable = False  # shared by every series drawn on the same columns
    return edges


def m4_window(
    xv: np.ndarray,
    yv: np.ndarray,
    width: int,
    x_range: tuple[float, float],
    method: str = "m4",
) -> np.ndarray:
    """Positions in the window `xv`, `yv` (increasing x, all in `x_range`) that `method`
    (``"m4"`` or ``"minmax"``) keeps.

    The same choice as :func:`arg_downsample`, without its checks: for callers that
    already hold a window of float64 arrays.

    Examples
    --------
    >>> y = np.array([0, 5, 1, 2, 3, -4, 0, 0.0])
    >>> m4_window(np.arange(8.0), y, 1, (0.0, 7.0)).tolist()
    [0, 1, 5, 7]
    >>> m4_window(np.arange(8.0), y, 1, (0.0, 7.0), "minmax").tolist()
    [1, 5]
    """
    lo, hi = float(x_range[0]), float(x_range[1])
    if compiled_m4 is not None and yv.size > _per_column(method) * width:
        return _m4_compiled(xv, yv, width, lo, hi, ends=method == "m4")
    return arg_downsample(xv, yv, width, x_range=(lo, hi), method=method, neighbours=False)


def _per_column(method: str) -> int:
    """The points a column keeps: 4 for M4, 2 for min and max."""
    return 2 if method == "minmax" else POINTS_PER_PIXEL


def _column_counts(xv: np.ndarray, width: int, lo: float, hi: float) -> np.ndarray:
    """Number of (sorted) points in each column: one binary search per edge."""
    bounds = np.searchsorted(xv, column_edges(width, (lo, hi)), "left")
    return np.diff(bounds, prepend=0, append=xv.size)


def minmax_band(
    x: np.ndarray,
    y: np.ndarray,
    width: int,
    *,
    x_range: tuple[float, float] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pixel column, the first step and the min and max finite value: a shaded band.

    Returns
    -------
    steps, low, high : numpy.ndarray
        One entry per pixel column that holds a finite point (at most `width`).

    Examples
    --------
    >>> steps, low, high = minmax_band([0, 1, 2, 3], [1.0, 5.0, 2.0, 0.0], 2)
    >>> steps.tolist(), low.tolist(), high.tolist()
    ([0.0, 2.0], [1.0, 0.0], [5.0, 2.0])
    """
    xs, ys = _check_series(x, y)
    width = _check_width(width)
    lo, hi = _resolve_range(xs, ys, x_range)
    i0, i1 = int(np.searchsorted(xs, lo, "left")), int(np.searchsorted(xs, hi, "right"))
    finite = i0 + np.flatnonzero(np.isfinite(ys[i0:i1]))
    if finite.size == 0:
        empty = np.empty(0)
        return empty, empty, empty
    cols = pixel_columns(xs[finite], width, (lo, hi))
    starts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]])
    vals = ys[finite]
    low, high = np.minimum.reduceat(vals, starts), np.maximum.reduceat(vals, starts)
    return xs[finite[starts]], low, high


def _select(
    xv: np.ndarray, yv: np.ndarray, width: int, lo: float, hi: float, method: str
) -> np.ndarray:
    """Positions (into the visible finite points) kept by `method`."""
    if method == "minmaxlttb":
        if MinMaxLTTBDownsampler is None:
            from ..errors import missing_extra

            raise missing_extra("tsdownsample", "downsample")
        picked: np.ndarray = MinMaxLTTBDownsampler().downsample(
            xv, yv, n_out=POINTS_PER_PIXEL * width
        )
        return picked
    counts = _column_counts(xv, width, lo, hi)
    if method == "minmax":
        return _m4_numpy(counts, yv, ends=False)
    if M4Downsampler is None or width < 2:  # tsdownsample needs two bins or more
        return _m4_numpy(counts, yv)
    return _m4_rust(counts, yv, width)


def _m4_compiled(
    xv: np.ndarray, yv: np.ndarray, width: int, lo: float, hi: float, ends: bool = True
) -> np.ndarray:
    """M4 (``ends=False``: min and max) by the package's C kernel: the columns' bounds by
    binary search, then one pass over the values.
    """
    bounds = np.empty(width + 1, dtype=np.int64)
    bounds[0], bounds[-1] = 0, xv.size
    bounds[1:-1] = np.searchsorted(xv, column_edges(width, (lo, hi)), "left")
    out = np.empty(POINTS_PER_PIXEL * width, dtype=np.int64)
    return out[: compiled_m4(np.ascontiguousarray(yv), bounds, out, ends)]


def _m4_rust(counts: np.ndarray, yv: np.ndarray, width: int) -> np.ndarray:
    # tsdownsample bins x into `width` equal bins between x[0] and x[-1]. Putting each
    # point at its column's centre aligns those bins with our pixel columns exactly;
    # moving the first and last point onto the outer edges keeps them selected (M4
    # keeps every bin's first/last point) without changing any column's extremes.
    xp = np.repeat(np.arange(width) + 0.5, counts)
    xp[0], xp[-1] = 0.0, float(width)
    idx = np.sort(
        M4Downsampler().downsample(xp, yv, n_out=POINTS_PER_PIXEL * width).astype(np.int64)
    )
    return idx[np.concatenate(([True], idx[1:] != idx[:-1]))]  # a column's min may be its first


def _m4_numpy(counts: np.ndarray, yv: np.ndarray, ends: bool = True) -> np.ndarray:
    counts = counts[counts > 0]
    last = np.cumsum(counts)
    starts = last - counts
    last -= 1
    seg = np.repeat(np.arange(counts.size), counts)
    picks = [starts, last] if ends else []
    for reduce in (np.minimum, np.maximum):
        hit = np.flatnonzero(yv == reduce.reduceat(yv, starts)[seg])
        picks.append(hit[np.unique(seg[hit], return_index=True)[1]])
    return np.unique(np.concatenate(picks))


def _with_neighbours(ys: np.ndarray, idx: np.ndarray, i0: int, i1: int) -> np.ndarray:
    parts = [p for p in (_last_finite(ys, i0), idx, _first_finite(ys, i1)) if p is not None]
    return np.concatenate(parts).astype(np.int64, copy=False)


def _last_finite(ys: np.ndarray, stop: int) -> np.ndarray | None:
    """Index of the last finite value before `stop`, looking back in growing blocks."""
    size, hi = 64, stop
    while hi > 0:
        lo = max(0, hi - size)
        hits = np.flatnonzero(np.isfinite(ys[lo:hi]))
        if hits.size:
            return np.array([lo + hits[-1]])
        hi, size = lo, size * 4
    return None


def _first_finite(ys: np.ndarray, start: int) -> np.ndarray | None:
    size, lo = 64, start
    while lo < ys.size:
        hi = min(ys.size, lo + size)
        hits = np.flatnonzero(np.isfinite(ys[lo:hi]))
        if hits.size:
            return np.array([lo + hits[0]])
        lo, size = hi, size * 4
    return None


def _resolve_range(xs: np.ndarray, ys: np.ndarray, x_range: Any) -> tuple[float, float]:
    if x_range is not None:
        lo, hi = (float(v) for v in x_range)
        if not lo <= hi:
            raise ValueError(f"x_range must be (lo, hi) with lo <= hi, got {x_range!r}")
        return lo, hi
    finite = np.flatnonzero(np.isfinite(ys))
    if finite.size == 0:
        return 0.0, 0.0
    return float(xs[finite[0]]), float(xs[finite[-1]])


def _check_series(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.ndim != 1 or xs.shape != ys.shape:
        raise ValueError(
            f"x and y must be 1-D of equal length, got shapes {xs.shape} and {ys.shape}"
        )
    return xs, ys


def _check_width(width: Any) -> int:
    if int(width) != width or width < 1:
        raise ValueError(f"width must be a whole number of pixels >= 1, got {width!r}")
    return int(width)
