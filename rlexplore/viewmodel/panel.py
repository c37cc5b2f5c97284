"""What one panel draws, computed in stages keyed on what changed.

:class:`PanelModel` keeps the downsampled points of each series for the current window:
raw points keyed by ``(window, width, log)``, smoothed points by the same plus the
smoothing. A smoothing change recomputes only smoothed points (the raw :class:`Rows`
stay the very same objects, so the view re-sends nothing for them), a run toggle only
picks other rows from the caches, a zoom re-windows and re-downsamples.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..state import PanelKey, panel_metrics
from ..transforms.names import band_pairs
from .frame import Band, PanelFrame, PanelView, Rows, SideFrame
from .lines import curve_xy, line_xy, window
from .source import ViewStore

RAW, SMOOTHED = "raw", "smoothed"
KINDS = (RAW, SMOOTHED)


class PanelModel:
    """The per-panel stage caches; :meth:`frame` publishes a :class:`PanelFrame`.

    Parameters
    ----------
    key : str or (str, str)
        The panel key, as in ``state.metrics``.
    source : callable
        Returns the current :class:`~rlexplore.viewmodel.source.ViewStore` (it changes
        when the data, the x axis or the grouping does).
    plot_width : callable
        The width of the plotting area, in pixels, of a panel `width_px` wide.
    """

    def __init__(
        self, key: PanelKey, source: Callable[[], ViewStore], plot_width: Callable[[int], int]
    ) -> None:
        self.key, self.metrics = key, panel_metrics(key)
        self._source, self._plot_width = source, plot_width
        self._stages: dict[str, tuple] = {}
        self._points: dict[str, dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]] = {}
        self._rows: dict[tuple, Rows] = {}
        self._ranges: dict[tuple, Any] = {}  # extremes or y ranges, per stage

    def invalidate(self) -> None:
        """Forget every cached point (the source changed)."""
        self._stages.clear()
        self._points.clear()
        self._rows.clear()
        self._ranges.clear()

    def frame(self, view: PanelView, x_domain: tuple[float, float]) -> PanelFrame:
        """The lines, bands and y ranges of this panel for `view`."""
        sides = tuple(self._side(i, view) for i in range(len(self.metrics)))
        return PanelFrame(self.key, view, x_domain, sides)

    # -- stages ----------------------------------------------------------------------
    def _stage(self, kind: str, view: PanelView) -> tuple:
        base: tuple = (view.step_range, view.width_px, view.log)
        return base + ((view.method, view.weight) if kind == SMOOTHED else ())

    def _cache(self, kind: str, view: PanelView) -> dict:
        stage = self._stage(kind, view)
        if self._stages.get(kind) != stage:
            self._stages[kind], self._points[kind] = stage, {}
            self._rows = {k: r for k, r in self._rows.items() if k[0] != kind}
        return self._points[kind]

    def rows(self, kind: str, metric: str, view: PanelView) -> Rows:
        """The downsampled lines of `kind` of `metric` for the shown runs (cached)."""
        cache = self._cache(kind, view)
        key = (kind, metric, view.shown)
        if key not in self._rows:
            points = [self._points_of(cache, kind, run, metric, view) for run in view.shown]
            self._rows[key] = Rows(
                view.shown, tuple(p[0] for p in points), tuple(p[1] for p in points)
            )
        return self._rows[key]

    def pending(self, view: PanelView) -> list[Callable[[], None]]:
        """The downsampling `view` still needs, as independent jobs (run them in threads)."""
        jobs: list[Callable[[], None]] = []
        for kind in KINDS:
            cache = self._cache(kind, view)
            for metric in self.metrics:
                for run in view.shown:
                    if (run, metric) not in cache:
                        jobs.append(
                            functools.partial(self._points_of, cache, kind, run, metric, view)
                        )
        return jobs

    def _points_of(self, cache, kind, run, metric, view):
        if (run, metric) not in cache:
            steps, values = self._source().series(run, metric, kind, view.method, view.weight)
            if view.log:
                keep = values > 0
                steps, values = steps[keep], values[keep]
            width = self._plot_width(view.width_px)
            pick = line_xy if kind == RAW else curve_xy
            cache[(run, metric)] = pick(steps, values, view.step_range, width)
        return cache[(run, metric)]

    def _side(self, side: int, view: PanelView) -> SideFrame:
        metric = self.metrics[side]
        return SideFrame(
            metric,
            self.rows(RAW, metric, view),
            self.rows(SMOOTHED, metric, view),
            self.y_domain(side, view),
            self.bands(metric, view),
        )

    # -- y ranges and bands ------------------------------------------------------------
    def y_domain(self, side: int, view: PanelView) -> tuple[float, float] | tuple[None, None]:
        """The y range of side `side`: the raw points in view, widened when the smoothed
        lines (as drawn) or bands (at full resolution) leave it, padded by 5 %.
        """
        key = (side, view.shown, view.step_range, view.log, view.outliers)
        if key not in self._ranges:
            self._ranges = {k: v for k, v in self._ranges.items() if len(k) != 5 or k == key}
            if view.outliers:
                found: Any = y_domain(self._values(side, RAW, view), log=view.log, outliers=True)
            else:  # min and max a column: the drawn points have the window's range
                rows = self.rows(RAW, self.metrics[side], view)
                found = _extremes([y[y > 0] if view.log else y for y in rows.y], False)
                if found is not None and view.log:
                    found = (math.log10(found[0]), math.log10(found[1]))
            self._ranges[key] = found
        full = key + (view.method, view.weight)
        if full not in self._ranges:
            found = self._ranges[key]
            if view.outliers:
                domain = found
            else:
                extra = self._smoothed_values(side, view) + self._band_values(side, view)
                domain = widen(found, _extremes(extra, view.log), log=view.log)
            self._ranges = {k: v for k, v in self._ranges.items() if len(k) == 5 or k == full}
            self._ranges[full] = domain
        return self._ranges[full]

    def _values(self, side: int, kind: str, view: PanelView) -> list[np.ndarray]:
        src, metric = self._source(), self.metrics[side]
        parts = []
        for run in view.shown:
            steps, values = src.series(run, metric, kind, view.method, view.weight)
            parts.append(values[window(steps, view.step_range)])
        return parts

    def _smoothed_values(self, side: int, view: PanelView) -> list[np.ndarray]:
        """The smoothed values drawn in a window (what is not drawn cannot leave the plot);
        over all steps, each series' extremes.
        """
        if view.step_range is not None or view.log:
            rows = self.rows(SMOOTHED, self.metrics[side], view)
            return [y[y > 0] if view.log else y for y in rows.y]
        src, metric = self._source(), self.metrics[side]
        found = [src.smoothed_range(r, metric, view.method, view.weight) for r in view.shown]
        return [np.array(e, dtype=np.float64) for e in found if e is not None]

    def _band_values(self, side: int, view: PanelView) -> list[np.ndarray]:
        parts = []
        for band in self._full_bands(self.metrics[side], view):
            sel = window(band.x, view.step_range)
            parts += [band.lower[sel], band.upper[sel]]
        return parts

    def _full_bands(self, metric: str, view: PanelView) -> list[Band]:
        src = self._source()
        found = [(run, src.band(run, metric, view.method, view.weight)) for run in view.shown]
        bands = [Band(run, *b) for run, b in found if b is not None]
        return bands or self._minmax_bands(metric, view)

    def _minmax_bands(self, metric: str, view: PanelView) -> list[Band]:
        """W&B exports' ``<metric>__MIN`` / ``__MAX`` columns: a band around each run's line."""
        src = self._source()
        pair = band_pairs(src.metrics).get(metric)
        if pair is None:
            return []
        out = []
        for run in view.shown:
            (x_lo, lower), (x_hi, upper) = src.raw(run, pair[0]), src.raw(run, pair[1])
            x, i, j = np.intersect1d(x_lo, x_hi, assume_unique=True, return_indices=True)
            if x.size:
                out.append(Band(run, x, lower[i], upper[j]))
        return out

    def bands(self, metric: str, view: PanelView) -> tuple[Band, ...]:
        """The shown groups' bands of `metric`, downsampled (none without grouping)."""
        from .lines import band_xy

        out = []
        for band in self._full_bands(metric, view):
            x, y = band_xy(
                band.x, band.lower, band.upper, view.step_range, self._plot_width(view.width_px)
            )
            out.append(Band(band.run, x, y[0], y[1]))
        return tuple(out)


def y_domain(
    parts: list[np.ndarray], *, log: bool, outliers: bool
) -> tuple[float, float] | tuple[None, None]:
    """The y range for the values of `parts`: min to max (or 5th to 95th percentile), padded by 5 %.

    Returns ``(None, None)`` (let bqplot decide) when nothing can be shown. On a log
    scale only positive values count and the padding is multiplicative.

    Examples
    --------
    >>> y_domain([np.array([0.0, 10.0])], log=False, outliers=False)
    (-0.5, 10.5)
    """
    if outliers:
        values = _usable(np.concatenate(parts) if parts else np.empty(0), log)
        if values.size == 0:
            return (None, None)
        lo, hi = np.percentile(values, [5, 95])
        return _pad(float(lo), float(hi), log)
    found = _extremes(parts, log)
    return (None, None) if found is None else _pad(*found, log)


def _usable(values: np.ndarray, log: bool) -> np.ndarray:
    values = values[np.isfinite(values)]
    return np.log10(values[values > 0]) if log else values


def _extremes(parts: list[np.ndarray], log: bool) -> tuple[float, float] | None:
    """The smallest and largest finite (positive and log10, for `log`) value of `parts`.

    Per part, without concatenating: the series are long and already finite.
    """
    los, his = [], []
    for part in parts:
        if part.size and log:
            part = part[part > 0]
        if part.size:
            lo, hi = float(part.min()), float(part.max())
            if not (np.isfinite(lo) and np.isfinite(hi)):
                part = part[np.isfinite(part)]
                if not part.size:
                    continue
                lo, hi = float(part.min()), float(part.max())
            los.append(lo)
            his.append(hi)
    if not los:
        return None
    lo, hi = min(los), max(his)
    return (float(np.log10(lo)), float(np.log10(hi))) if log else (lo, hi)


def _pad(lo: float, hi: float, log: bool) -> tuple[float, float]:
    pad = (hi - lo) * 0.05 if hi > lo else max(abs(hi) * 0.05, 0.5 if not log else 0.1)
    lo, hi = lo - pad, hi + pad
    return (10.0**lo, 10.0**hi) if log else (lo, hi)


def widen(raw, extra, *, log: bool) -> tuple[float, float] | tuple[None, None]:
    """The padded range of the `raw` extremes, or of both when the `extra` ones leave it.

    Extremes are ``(lo, hi)`` (log10 for `log`) or None. A smoothed line is an average of
    the raw points, so it rarely leaves their padded range: the y range, and so every
    pre-scaled raw line, then stays as it is.

    Examples
    --------
    >>> widen((0.0, 10.0), (2.0, 10.2), log=False)
    (-0.5, 10.5)
    >>> [round(v, 6) for v in widen((0.0, 10.0), (2.0, 12.0), log=False)]
    [-0.6, 12.6]
    """
    if raw is None and extra is None:
        return (None, None)
    if raw is None or extra is None:
        lo, hi = raw if raw is not None else extra
        return _pad(lo, hi, log)
    padded = _pad(raw[0], raw[1], log)
    inner = _pad(raw[0], raw[1], False)  # compare in the padded (log10 for log) coordinates
    if inner[0] <= extra[0] and extra[1] <= inner[1]:
        return padded
    return _pad(min(raw[0], extra[0]), max(raw[1], extra[1]), log)
