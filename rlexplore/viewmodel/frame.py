"""What the view model publishes: plain dataclasses of numpy arrays, nothing to draw with.

A panel's :class:`PanelFrame` holds, per y axis (:class:`SideFrame`), the raw and the
smoothed lines of the shown runs as :class:`Rows` (one row per run, points already
downsampled to the panel's width), the group bands and the y range. :func:`unit_xy` turns
rows into the pre-scaled, padded float32 arrays one bqplot ``Lines`` mark receives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class PanelView:
    """What one panel is asked to show."""

    shown: tuple[str, ...]
    method: str
    weight: float
    step_range: tuple[float, float] | None
    log: bool = False
    outliers: bool = False
    width_px: int = 300
    hover_step: float | None = None


@dataclass(frozen=True, eq=False)
class Rows:
    """Lines of one kind on one y axis: one row per run, in data coordinates (float64)."""

    runs: tuple[str, ...]
    x: tuple[np.ndarray, ...]
    y: tuple[np.ndarray, ...]

    def __len__(self) -> int:
        return len(self.runs)


@dataclass(frozen=True, eq=False)
class Band:
    """A group's shaded band: ``x`` and its lower and upper edges."""

    run: str
    x: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


@dataclass(frozen=True, eq=False)
class SideFrame:
    """One y axis of a panel: its metric, lines, bands and y range."""

    metric: str
    raw: Rows
    smoothed: Rows
    y_domain: tuple[float, float] | tuple[None, None]
    bands: tuple[Band, ...] = field(default_factory=tuple)


@dataclass(frozen=True, eq=False)
class PanelFrame:
    """Everything a panel draws for one :class:`PanelView`."""

    key: object
    view: PanelView
    x_domain: tuple[float, float]
    sides: tuple[SideFrame, ...]


def to_unit(values: np.ndarray, domain: tuple[float, float], log: bool = False) -> np.ndarray:
    """`values` mapped linearly (or by log10) so that `domain` becomes ``[0, 1]``, as float32.

    Examples
    --------
    >>> to_unit(np.array([10.0, 15.0, 20.0]), (10.0, 20.0)).tolist()
    [0.0, 0.5, 1.0]
    >>> to_unit(np.array([1.0, 100.0]), (1.0, 100.0), log=True).tolist()
    [0.0, 1.0]
    """
    lo, hi = (float(v) for v in domain)
    v = np.asarray(values, dtype=np.float64)
    if log:
        v, lo, hi = np.log10(v), np.log10(lo), np.log10(hi)
    span = hi - lo if hi > lo else 1.0
    return ((v - lo) * (1.0 / span)).astype(np.float32)


def unit_xy(
    rows: Rows,
    x_domain: tuple[float, float],
    y_domain: tuple[float, float] | tuple[None, None],
    log: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The 2-D float32 ``x`` and ``y`` of one mark holding `rows`, pre-scaled to ``[0, 1]``.

    Short rows are padded by repeating their last point (which draws nothing more); an
    empty row is all NaN (drawn as no line).

    Examples
    --------
    >>> r = Rows(("a", "b"), (np.array([0.0, 10.0]), np.array([5.0])), (np.array([1.0, 3.0]), np.array([2.0])))
    >>> x, y = unit_xy(r, (0.0, 10.0), (1.0, 3.0))
    >>> x.tolist(), y.tolist()
    ([[0.0, 1.0], [0.5, 0.5]], [[0.0, 1.0], [0.5, 0.5]])
    """
    # at least 2 points a row: bqplot squeezes an (n, 1) array into one line of n points
    width = max(2, max((len(x) for x in rows.x), default=0))
    ylo, yhi = (0.0, 1.0) if y_domain[0] is None or y_domain[1] is None else y_domain
    xs = np.full((len(rows), width), np.nan)
    ys = np.full((len(rows), width), np.nan)
    for i, (x, y) in enumerate(zip(rows.x, rows.y)):
        if len(x):  # short rows repeat their last point
            xs[i, : len(x)], xs[i, len(x) :] = x, x[-1]
            ys[i, : len(y)], ys[i, len(y) :] = y, y[-1]
    # scaled all at once (one pass over the mark, not one per row)
    return to_unit(xs, x_domain), to_unit(ys, (ylo, yhi), log)
