"""Axis ticks as a person would draw them: 4 to 7 round values and short labels.

A y axis gets a few "nice" ticks (steps of 1, 2, 2.5 or 5 times a power of ten) and a
domain stretched to the first and last of them, so no tick is cut at an edge and the
lines never touch the frame. A constant metric gets a small range around its value
instead of bqplot's ±0.5. Labels are compact: ``0.5k``, ``1.5M``, ``1e-4``.

Examples
--------
>>> nice_ticks(0.0012, 0.058).tolist()
[0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06]
>>> tick_labels([0, 500, 1000, 1500, 2000])
['0', '0.5k', '1k', '1.5k', '2k']
>>> tick_labels([0.0001, 0.0002, 0.0003])
['1e-4', '2e-4', '3e-4']
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

MIN_TICKS = 4
MAX_TICKS = 7
_MANTISSAS = (1.0, 2.0, 2.5, 5.0)
_SUFFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def flat_range(value: float) -> tuple[float, float]:
    """A range around a constant `value`: ±10 % of it (±1 around zero).

    Examples
    --------
    >>> flat_range(0.5)
    (0.45, 0.55)
    """
    half = abs(value) * 0.1 or 1.0
    return (value - half, value + half)


def _steps(span: float) -> list[float]:
    """Candidate tick steps from fine to coarse, around `span` / 10."""
    base = 10.0 ** math.floor(math.log10(span / MAX_TICKS))
    return [m * base * f for f in (0.1, 1.0, 10.0) for m in _MANTISSAS]


def _fits(lo: float, hi: float, step: float) -> tuple[float, float, int]:
    first, last = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
    return first, last, round((last - first) / step) + 1


def nice_domain(
    lo: float, hi: float, *, max_ticks: int = MAX_TICKS, min_ticks: int = MIN_TICKS
) -> tuple[float, float, np.ndarray]:
    """The domain stretched to round ticks, and the ticks (at most `max_ticks`).

    Parameters
    ----------
    lo, hi : float
        The data range (``lo == hi`` for a constant metric: see :func:`flat_range`).
    max_ticks, min_ticks : int
        The finest step giving at most `max_ticks` ticks is chosen; fewer than
        `min_ticks` only when no round step fits.

    Returns
    -------
    (float, float, numpy.ndarray)
        The stretched ``(lo, hi)`` and the tick values, first and last on its ends.

    Examples
    --------
    >>> nice_domain(0.31, 0.79)
    (0.3, 0.8, array([0.3, 0.4, 0.5, 0.6, 0.7, 0.8]))
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"a tick range needs finite ends, got ({lo!r}, {hi!r})")
    lo, hi = min(lo, hi), max(lo, hi)
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1e-300):
        lo, hi = flat_range(lo)
    for step in _steps(hi - lo):
        first, _, count = _fits(lo, hi, step)
        if count <= max_ticks:
            ticks = _round(first + step * np.arange(count), step)
            return float(ticks[0]), float(ticks[-1]), ticks
    raise AssertionError("unreachable: the coarsest candidate step fits")  # pragma: no cover


def axis_range(
    lo: float, hi: float, *, max_ticks: int = MAX_TICKS
) -> tuple[float, float, np.ndarray]:
    """:func:`nice_domain` of a padded data range, starting at 0 when only the padding
    took it below 0 (a loss, a length, a KL never go negative: no ``-0.02`` tick for them).

    Examples
    --------
    >>> axis_range(-0.003, 0.063)[:2]
    (0.0, 0.08)
    """
    if lo < 0 < hi and -lo <= 0.06 * (hi - lo):
        lo = 0.0
    return nice_domain(lo, hi, max_ticks=max_ticks)


def nice_ticks(lo: float, hi: float, *, max_ticks: int = MAX_TICKS) -> np.ndarray:
    """Round tick values covering ``[lo, hi]`` (see :func:`nice_domain`)."""
    return nice_domain(lo, hi, max_ticks=max_ticks)[2]


def inner_ticks(lo: float, hi: float, *, max_ticks: int = MAX_TICKS) -> np.ndarray:
    """Round ticks inside ``[lo, hi]`` without stretching it: for an x axis with a fixed domain.

    A round tick within half a percent outside an end counts as inside (steps 1 to 4000
    get a tick at 0, as a person would draw it).

    Examples
    --------
    >>> inner_ticks(1, 4000, max_ticks=3).tolist()
    [0.0, 2000.0, 4000.0]
    """
    lo, hi = min(lo, hi), max(lo, hi)
    if hi - lo <= 0:
        return np.array([float(lo)])
    slack = 0.005 * (hi - lo)  # a round tick this close outside still marks the edge: 0 for 1..4000
    for step in _steps(hi - lo):
        first = math.ceil((lo - slack) / step - 1e-9) * step
        count = math.floor((hi + slack - first) / step + 1e-9) + 1
        if count <= max_ticks:
            return _round(first + step * np.arange(count), step)
    raise AssertionError("unreachable")  # pragma: no cover


def _round(ticks: np.ndarray, step: float) -> np.ndarray:
    digits = max(0, -math.floor(math.log10(step)) + 2)
    out: np.ndarray = np.round(ticks, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    return out


def tick_labels(ticks: Sequence[float] | np.ndarray) -> list[str]:
    """Short labels for evenly spaced `ticks`, sharing one unit: ``0.5k``, ``1e-4``, ``0.05``.

    Examples
    --------
    >>> tick_labels([0, 0.05, 0.1, 0.15])
    ['0', '0.05', '0.1', '0.15']
    >>> tick_labels([2e6, 2.5e6, 3e6])
    ['2M', '2.5M', '3M']
    """
    values = np.asarray(ticks, dtype=float)
    if values.size == 0:
        return []
    top = float(np.max(np.abs(values)))
    for scale, suffix in _SUFFIXES:
        if top >= scale:
            return [_short(v / scale) + (suffix if v else "") for v in values]
    if 0 < top < 1e-3:
        return [_scientific(v) for v in values]
    return [_short(v) for v in values]


def _short(v: float) -> str:
    text = f"{v:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _scientific(v: float) -> str:
    if v == 0:
        return "0"
    mantissa, exponent = f"{v:.2e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
