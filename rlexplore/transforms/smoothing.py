"""Smoothing of training curves: compiled kernels, many series in parallel, NaN-aware.

Every function smooths along the last axis (or `axis`) and treats each series on its
own. Smoothing runs over the points a series actually logged: NaN and ±Inf come out
unchanged and do not take part, so the NaN padding that other runs' steps add to a
series never changes its curve.

The EMA is TensorBoard's loop itself, a sequential recurrence in C (``_smoothing.c``, built
with the package; a blocked numpy version when no compiler was at hand) that releases the
GIL, so :func:`smooth_many` smooths series on every core. The Gaussian is an FFT
(overlap-add) convolution over the logged points and the running mean a difference of
cumulative sums: both O(N log K) or better, whatever the weight.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike

try:  # the compiled recurrence; the package builds it (setup.py) when a C compiler exists
    from . import _smoothing  # type: ignore[attr-defined]

    compiled_ema = _smoothing.ema_into
except ImportError:  # pragma: no cover - exercised only without the extension
    compiled_ema = None

METHODS = ("ema", "gaussian", "running_mean")
DIRECT_TAPS = 33  # kernels up to this size are convolved directly (exact to the last bit)
MAX_WEIGHT = 0.999
# Within one block w**-count must stay far from overflow: w**-count <= 1e100.
_LOG_LIMIT = 230.0


def ema(values: np.ndarray, weight: float = 0.6, *, axis: int = -1) -> np.ndarray:
    """Debiased exponential moving average, as TensorBoard's scalar dashboard computes it.

    ``last = last * w + (1 - w) * x`` over the finite points, divided by
    ``1 - w ** n`` (n finite points so far), so the first finite point comes out
    unchanged. NaN and ±Inf pass through and do not advance the average; a series
    whose finite values are all equal comes out unchanged.

    Parameters
    ----------
    values : array-like
        Any shape; smoothed along `axis`.
    weight : float, default 0.6
        Smoothing weight w in [0, 0.999]; 0 leaves the data unchanged.
    axis : int, default -1
        The step axis.

    Returns
    -------
    numpy.ndarray
        float64, same shape as `values`.

    Examples
    --------
    >>> ema([1.0, 2.0, float("nan"), 3.0], 0.5).round(4).tolist()
    [1.0, 1.6667, nan, 2.4286]
    """
    w = check_weight(weight)
    x, restore = _as_2d(values, axis)
    if compiled_ema is not None and w != 0:
        out = np.empty_like(x)
        for row, dst in zip(x, out):
            compiled_ema(row, dst, w, debias_table(w))
        return restore(out)
    return restore(_ema_numpy(x, w))


@lru_cache(maxsize=64)
def debias_table(weight: float) -> np.ndarray:
    """``1 - weight ** n`` for n = 1, 2, ... while it differs from 1.0 (Python's own pow).

    Past the table's end TensorBoard's division by ``1 - w ** n`` divides by exactly 1.0.

    Examples
    --------
    >>> debias_table(0.5)[:3].tolist()
    [0.5, 0.75, 0.875]
    """
    w, n = float(weight), 1
    out: list[float] = []
    while True:
        d = 1.0 - w**n
        if d == 1.0:
            return np.array(out, dtype=np.float64)
        out.append(d)
        n += 1


def _ema_numpy(x: np.ndarray, w: float) -> np.ndarray:
    """The EMA of the rows of `x` by blocked cumulative sums (no compiled extension)."""
    out = x.copy()
    if w == 0 or x.size == 0:
        return np.asarray(out)
    finite = np.isfinite(x)
    block = min(x.shape[1], max(1, int(_LOG_LIMIT / -np.log(w))))
    # Powers of w by table look-up: pow() per element would cost most of the time.
    k = np.arange(block + 1, dtype=np.float64)
    w_pos, w_neg = w**k, (1 - w) * w**-k
    last = np.zeros((x.shape[0], 1))
    w_count = np.ones((x.shape[0], 1))  # w ** (finite points before this block)
    with np.errstate(divide="ignore", invalid="ignore"):
        for lo in range(0, x.shape[1], block):
            part, fin = x[:, lo : lo + block], finite[:, lo : lo + block]
            n = np.cumsum(fin, axis=1)
            acc = np.cumsum(np.where(fin, part, 0.0) * w_neg[n], axis=1)
            w_n = w_pos[n]
            running = w_n * (last + acc)
            out[:, lo : lo + block] = np.where(fin, running / (1 - w_count * w_n), part)
            last, w_count = running[:, -1:], w_count * w_n[:, -1:]
    const = _constant_rows(x, finite)
    out[const] = x[const]
    return np.asarray(out)


def gaussian(values: np.ndarray, sigma: float, *, axis: int = -1) -> np.ndarray:
    """Centered Gaussian smoothing over the logged points.

    Parameters
    ----------
    values : array-like
        Any shape; smoothed along `axis`.
    sigma : float
        Standard deviation of the kernel, in logged points (0 leaves data unchanged).
        The kernel is cut at 4 sigma; near the ends it is renormalized.
    axis : int, default -1
        The step axis.

    Examples
    --------
    >>> gaussian([0.0, 0.0, 3.0, 0.0, 0.0], 1.0).round(3).tolist()
    [0.232, 0.771, 1.208, 0.771, 0.232]
    """
    if not sigma >= 0:
        raise ValueError(f"sigma must be >= 0, got {sigma!r}")
    if sigma == 0:
        return ema(values, 0.0, axis=axis)
    half = int(np.ceil(4 * sigma))
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) / sigma) ** 2)
    return _packed_apply(values, axis, lambda p, v: _convolve_valid(p, v, kernel))


def running_mean(values: np.ndarray, window: int, *, axis: int = -1) -> np.ndarray:
    """Centered running mean of `window` logged points (truncated at the ends).

    Examples
    --------
    >>> running_mean([1.0, 2.0, 3.0, 10.0], 3).tolist()
    [1.5, 2.0, 5.0, 6.5]
    """
    if int(window) != window or window < 1:
        raise ValueError(f"window must be a whole number >= 1, got {window!r}")
    return _packed_apply(values, axis, lambda p, v: _box_valid(p, v, int(window)))


def smooth(
    values: np.ndarray,
    method: str = "ema",
    *,
    weight: float = 0.6,
    window: float | None = None,
    axis: int = -1,
) -> np.ndarray:
    """Smooth with one of :data:`METHODS`, driven by one EMA-like `weight`.

    For ``"gaussian"`` and ``"running_mean"``, `window` (sigma, or number of points)
    defaults to the spread of an EMA with the same weight (:func:`window_for_weight`),
    so one slider drives every method.
    """
    if method == "ema":
        return ema(values, weight, axis=axis)
    if method not in METHODS:
        raise ValueError(f"unknown smoothing method {method!r}; expected one of {METHODS}")
    sigma = window if window is not None else window_for_weight(weight)
    if method == "gaussian":
        return gaussian(values, sigma, axis=axis)
    points = window if window is not None else round(np.sqrt(12 * sigma**2 + 1))
    return running_mean(values, max(1, int(points)), axis=axis)


def smooth_many(
    rows: Sequence[np.ndarray],
    method: str = "ema",
    *,
    weight: float = 0.6,
    out: Sequence[np.ndarray | None] | None = None,
) -> list[tuple[np.ndarray, tuple[float, float] | None]]:
    """:func:`smooth` each 1-D series of `rows` (lengths may differ), in parallel threads.

    The compiled EMA and the FFT convolutions release the GIL, so the series are smoothed
    on every core. `out` may give a buffer per row (of the row's shape, or None) to
    write into instead of new memory.

    Returns
    -------
    list of (numpy.ndarray, (float, float) or None)
        Per row, the smoothed values and their smallest and largest finite value (None
        when there is none).

    Examples
    --------
    >>> [(v.tolist(), r) for v, r in smooth_many([np.array([1.0, 2.0]), np.array([4.0])], weight=0.5)]
    [([1.0, 1.6666666666666667], (1.0, 1.6666666666666667)), ([4.0], (4.0, 4.0))]
    """
    w = check_weight(weight)
    if method not in METHODS:
        raise ValueError(f"unknown smoothing method {method!r}; expected one of {METHODS}")
    buffers = list(out) if out is not None else [None] * len(rows)

    def one(i: int) -> tuple[np.ndarray, tuple[float, float] | None]:
        row, dst = rows[i], buffers[i]
        if dst is None or dst.shape != np.shape(row) or dst.dtype != np.float64:
            dst = None
        if method == "ema" and compiled_ema is not None and w != 0 and _plain(row):
            dst = np.empty_like(row) if dst is None else dst
            lo, hi = compiled_ema(row, dst, w, debias_table(w))
            return dst, ((lo, hi) if lo <= hi else None)
        result = smooth(row, method, weight=w)
        if dst is not None:
            dst[...] = result
            result = dst
        return result, finite_range(result)

    if len(rows) < 2 or sum(int(np.size(r)) for r in rows) < PARALLEL_POINTS:
        return [one(i) for i in range(len(rows))]
    return list(thread_pool().map(one, range(len(rows))))


def _plain(row: np.ndarray) -> bool:
    """Whether `row` is a 1-D contiguous float64 array (the compiled kernel's input)."""
    return (
        isinstance(row, np.ndarray)
        and row.ndim == 1
        and row.dtype == np.float64
        and row.flags.c_contiguous
    )


def finite_range(values: np.ndarray) -> tuple[float, float] | None:
    """The smallest and largest finite value, or None when there is none.

    Examples
    --------
    >>> finite_range(np.array([3.0, np.nan, -1.0])), finite_range(np.array([np.nan]))
    ((-1.0, 3.0), None)
    """
    if values.size == 0:
        return None
    lo, hi = float(np.min(values)), float(np.max(values))
    if not (np.isfinite(lo) and np.isfinite(hi)):
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            return None
        lo, hi = float(finite.min()), float(finite.max())
    return lo, hi


PARALLEL_POINTS = 200_000  # below this, threads cost more than they save


@lru_cache(maxsize=1)
def thread_pool() -> ThreadPoolExecutor:
    """The threads (one per core) that smooth and downsample many series at once."""
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="rlexplore")


def window_for_weight(weight: float) -> float:
    """Standard deviation, in points, of an EMA kernel with this weight: sqrt(w) / (1 - w)."""
    w = check_weight(weight)
    return float(np.sqrt(w) / (1 - w))


def check_weight(weight: float) -> float:
    """Return `weight` as a float, or raise ValueError if it is outside [0, 0.999]."""
    try:
        w = float(weight)
    except (TypeError, ValueError):
        raise ValueError(f"smoothing weight must be a number, got {weight!r}") from None
    if not 0 <= w <= MAX_WEIGHT:
        raise ValueError(f"smoothing weight must be in [0, {MAX_WEIGHT}], got {weight!r}")
    return w


def _as_2d(values: ArrayLike, axis: int) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    x = np.moveaxis(np.array(values, dtype=np.float64, ndmin=1), axis, -1)
    shape = x.shape

    def restore(out: np.ndarray) -> np.ndarray:
        return np.moveaxis(out.reshape(shape), -1, axis)

    return np.ascontiguousarray(
        x.reshape(-1, shape[-1]) if x.size else x.reshape(0, shape[-1])
    ), restore


def _constant_rows(x: np.ndarray, finite: np.ndarray) -> np.ndarray:
    lo = np.where(finite, x, np.inf).min(axis=1)
    hi = np.where(finite, x, -np.inf).max(axis=1)
    return np.asarray(finite.any(axis=1) & (lo == hi))


def _packed_apply(
    values: ArrayLike, axis: int, fn: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> np.ndarray:
    """Apply `fn(packed, valid)` to each series' finite points packed to the left."""
    x, restore = _as_2d(values, axis)
    finite = np.isfinite(x)
    order = np.argsort(~finite, axis=1, kind="stable")
    packed = np.take_along_axis(x, order, axis=1)
    valid = np.arange(x.shape[1]) < finite.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(valid, fn(np.where(valid, packed, 0.0), valid), packed)
    out = np.empty_like(x)
    np.put_along_axis(out, order, result, axis=1)
    return restore(out)


def _convolve_valid(packed: np.ndarray, valid: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Normalized convolution: kernel-weighted mean of the valid points around each point."""
    num = _same(packed, kernel)
    den = _same(valid.astype(np.float64), kernel)
    return np.asarray(num / den)


def _same(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Each row of `x` convolved with the symmetric `kernel`, centered (``mode="same"``)."""
    half = kernel.size // 2
    if kernel.size <= DIRECT_TAPS:
        rows = [np.convolve(r, kernel)[half : half + r.size] for r in x]
    else:
        from scipy.signal import oaconvolve  # O(N log K): overlap-add FFT

        rows = [oaconvolve(r, kernel, "same") if r.size else r for r in x]
    return np.array(rows, dtype=np.float64).reshape(x.shape)


def _box_valid(packed: np.ndarray, valid: np.ndarray, window: int) -> np.ndarray:
    left, right = (window - 1) // 2, window // 2
    n = packed.shape[1]
    csum = np.concatenate([np.zeros((packed.shape[0], 1)), np.cumsum(packed, axis=1)], axis=1)
    ccount = np.concatenate(
        [np.zeros((packed.shape[0], 1)), np.cumsum(valid, axis=1, dtype=np.float64)], axis=1
    )
    idx = np.arange(n)
    hi, lo = np.minimum(idx + right + 1, n), np.maximum(idx - left, 0)
    return np.asarray((csum[:, hi] - csum[:, lo]) / (ccount[:, hi] - ccount[:, lo]))
