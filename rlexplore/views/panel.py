"""One panel: a bqplot Figure drawing one metric, or two on left and right y axes.

A panel turns a :class:`PanelView` (what the state says to show) into marks, in stages
keyed on what changed: each line remembers the key it was drawn with (the smoothing, the
step window, the scale, the width), so a smoothing change re-sends only smoothed lines, a
run toggle only changes the list of marks (and fills lines never drawn before), and a
zoom re-windows. Marks are updated in place inside ``hold_sync()``; figures are never
rebuilt.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import bqplot as bq
import numpy as np
import pandas as pd
from ipywidgets import HTML, Layout, VBox

from ..state import PanelKey, panel_label, panel_metrics
from .extensions import band_marks, band_values
from .lines import line_xy, window
from .series import SeriesStore
from .theme import (
    DUAL_MARGIN_RIGHT,
    FIG_MARGIN,
    MARKER_MAX_POINTS,
    MARKER_SIZE,
    PANEL_HEIGHT,
    RAW_OPACITY,
    partner_color,
)
from .toolbar import PanelToolbar

RAW, SMOOTHED = "raw", "smoothed"
KINDS = (RAW, SMOOTHED)
SIDES = ("left", "right")
DRAWN_COLUMNS = ["run", "metric", "kind", "step", "value"]


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


class MetricPanel:
    """A panel of the explorer.

    Attributes
    ----------
    key : str or (str, str)
        The panel key, as in ``state.metrics``.
    metrics : tuple of str
        The metric drawn (two for a dual-axis panel: left, right).
    figure : bqplot.Figure
    brush : bqplot.interacts.BrushIntervalSelector
        The step brush (on its own scale: brushing never zooms the scale it brushes on).
    cursor : bqplot.interacts.IndexSelector
        The hover cursor of the ``inspect`` tool.
    toolbar : PanelToolbar
    widget : ipywidgets.VBox
    """

    def __init__(
        self,
        key: PanelKey,
        index: int,
        store: SeriesStore,
        *,
        x_scale,
        brush_scale,
        colors: dict[str, str],
        labels: dict[str, str],
        markers: bool | None,
    ) -> None:
        self.key, self.metrics, self._store, self.x_scale = key, panel_metrics(key), store, x_scale
        self._colors, self._labels = colors, labels
        self._markers = [self._wants_markers(m, markers) for m in self.metrics]
        self._y = [{"linear": bq.LinearScale(), "log": bq.LogScale()} for _ in self.metrics]
        self._mode = "linear"
        self._marks: dict[tuple[str, int, str], bq.Lines] = {}
        self._meta: dict[int, tuple[str, str, str]] = {}
        self._held: dict[tuple[str, int, str], tuple] = {}
        self._memo: dict[str, object] = {}
        self.rule = bq.Lines(
            x=np.zeros(2),
            y=np.array([0.0, 1.0]),
            colors=["#8C8C8C"],
            line_style="dashed",
            stroke_width=1.0,
            scales={"x": x_scale, "y": bq.LinearScale(min=0.0, max=1.0)},
        )
        self.brush = bq.interacts.BrushIntervalSelector(scale=brush_scale)
        self.cursor = bq.interacts.IndexSelector(scale=x_scale, color="#8C8C8C")
        self._y_axes = [self._y_axis(i) for i in range(len(self.metrics))]
        self.x_axis = bq.Axis(scale=x_scale, label=labels.get("step", "step"), grid_lines="solid")
        margin = dict(FIG_MARGIN, right=DUAL_MARGIN_RIGHT if self.dual else FIG_MARGIN["right"])
        self.figure = bq.Figure(
            marks=[],
            axes=[self.x_axis, *self._y_axes],
            interaction=self.brush,
            fig_margin=margin,
            padding_y=0.0,
            display_toolbar=False,
            layout=Layout(width="auto", height=PANEL_HEIGHT, min_width="0"),
        )
        self.figure.add_class("rlx-figure")
        self.toolbar = PanelToolbar(panel_label(key))
        self.axis_key = HTML(layout=Layout(display="flex" if self.dual else "none")).add_class(
            "rlx-axis-key"
        )
        self.readout = HTML().add_class("rlx-readout")
        self.widget = VBox(
            [self.toolbar.head, self.toolbar.menu, self.axis_key, self.figure, self.readout],
            layout=Layout(min_width="0"),
        )
        self.widget.add_class("rlx-panel")
        self.index = -1
        self.overlays = lambda view: []  # marks drawn under the lines (rlexplore.views.findings)
        self.set_index(index)

    @property
    def dual(self) -> bool:
        """Whether this panel has a right y axis."""
        return len(self.metrics) == 2

    def set_index(self, index: int) -> None:
        """Give the panel widget the CSS class ``rlx-panel-<index>``."""
        if index != self.index:
            self.widget.remove_class(f"rlx-panel-{self.index}")
            self.widget.add_class(f"rlx-panel-{index}")
            self.index = index

    # -- building ----------------------------------------------------------------
    def _wants_markers(self, metric: str, markers: bool | None) -> bool:
        return (
            markers if markers is not None else self._store.point_count(metric) <= MARKER_MAX_POINTS
        )

    def _y_axis(self, side: int) -> bq.Axis:
        metric = self.metrics[side]
        label = self._labels.get(metric, metric if self.dual else "")
        return bq.Axis(
            scale=self._y[side][self._mode],
            side=SIDES[side],
            label=label,
            grid_lines="solid" if side == 0 else "none",
        )

    def _mark(self, key: tuple[str, int, str]) -> bq.Lines:
        if key not in self._marks:
            run, side, kind = key
            style = (
                {"stroke_width": 1.0, "opacities": [RAW_OPACITY]}
                if kind == RAW
                else {
                    "stroke_width": 2.0,
                    "marker_size": MARKER_SIZE,
                    "marker": ("square" if side == 0 and self.dual else "circle")
                    if self._markers[side]
                    else None,
                }
            )
            mark = bq.Lines(
                x=np.empty(0),
                y=np.empty(0),
                colors=[self._colors[run]],
                labels=[run],
                scales={"x": self.x_scale, "y": self._y[side][self._mode]},
                enable_hover=False,
                **style,
            )
            self._marks[key], self._meta[id(mark)] = mark, (run, self.metrics[side], kind)
        return self._marks[key]

    def _keys(self, shown) -> list[tuple[str, int, str]]:
        return [
            (run, side, kind)
            for kind in KINDS
            for side in range(len(self.metrics))
            for run in shown
        ]

    # -- rendering ---------------------------------------------------------------
    def render(self, view: PanelView, *, scales_first: bool = True) -> None:
        """Bring the marks, scales, colours and hover rule in line with `view`.

        Each line is redrawn in the browser when its data or a scale changes: when zooming
        in, ``scales_first=False`` sends the (smaller) windowed data before the y range, so
        the browser never redraws the old, longer lines on a new scale.
        """
        marks = (
            self.overlays(view)
            + band_marks(self, view)
            + [self._mark(k) for k in self._keys(view.shown)]
        )
        marks += [self.rule] if view.hover_step is not None else []
        if marks != list(self.figure.marks):
            self.figure.marks = marks
        self._set_mode("log" if view.log else "linear")
        if scales_first:
            self._set_y_domains(view)
        for key in self._keys(view.shown):
            self._draw_line(key, view)
        if not scales_first:
            self._set_y_domains(view)
        self._recolor(view.shown)
        self._show_hover(view)

    def _set_y_domains(self, view: PanelView) -> None:
        for side in range(len(self.metrics)):
            self._set_y_domain(side, view)

    def _draw_line(self, key, view: PanelView) -> None:
        run, side, kind = key
        stage = (view.step_range, view.log, view.width_px) + (
            (view.method, view.weight) if kind == SMOOTHED else ()
        )
        if self._held.get(key) == stage:
            return
        steps, values = self._store.series(run, self.metrics[side], kind, view.method, view.weight)
        if view.log:
            steps, values = steps[values > 0], values[values > 0]
        x, y = line_xy(steps, values, view.step_range, self.plot_width(view.width_px))
        mark = self._marks[key]
        with mark.hold_sync():
            if mark.x.shape != x.shape or not np.array_equal(mark.x, x):
                mark.x = x
            mark.y = y
        self._held[key] = stage

    def set_x_ticks(self, domain: tuple[float, float], width_px: int) -> None:
        """Round x ticks, as many as fit: d3 picks about ten whatever the width, so they collide."""
        count = max(3, min(10, self.plot_width(width_px) // 70))
        ticks = nice_ticks(float(domain[0]), float(domain[1]), count)
        current = self.x_axis.tick_values
        if current is None or len(current) != len(ticks) or not np.array_equal(current, ticks):
            self.x_axis.tick_values = ticks

    def plot_width(self, width_px: int) -> int:
        """The plotting area's width in pixels for a panel `width_px` wide."""
        margin = self.figure.fig_margin
        return max(1, int(width_px) - int(margin["left"]) - int(margin["right"]))

    def _set_mode(self, mode: str) -> None:
        if mode == self._mode:
            return
        self._mode = mode
        for (_run, side, _kind), mark in self._marks.items():
            mark.scales = {"x": self.x_scale, "y": self._y[side][mode]}
        for side, axis in enumerate(self._y_axes):
            axis.scale = self._y[side][mode]

    def _recolor(self, shown) -> None:
        if not self.dual or self._memo.get("colors") == shown:
            return
        self._memo["colors"] = shown
        single = len(shown) == 1
        for (run, side, _kind), mark in self._marks.items():
            color = (
                partner_color(self._colors[run]) if (single and side == 1) else self._colors[run]
            )
            mark.colors, mark.line_style = (
                [color],
                ("dashed" if side == 1 and not single else "solid"),
            )
        axis_colors = (
            [self._colors[shown[0]], partner_color(self._colors[shown[0]])]
            if single
            else [None, None]
        )
        for axis, color in zip(self._y_axes, axis_colors):
            axis.color, axis.label_color = color, color
        self.axis_key.value = self._axis_key_html(axis_colors, single)

    def _axis_key_html(self, colors, single: bool) -> str:
        parts = []
        for side, (metric, color) in enumerate(zip(self.metrics, colors)):
            glyph = ("\u25a0" if side == 0 else "\u25cf") if self._markers[side] else ""
            style = "solid" if (side == 0 or single) else "dashed"
            tint = f' style="color:{color}"' if color else ""
            parts.append(
                f"<span{tint}>{SIDES[side]} axis {glyph} ({style}): {html.escape(metric)}</span>"
            )
        return " &nbsp;&middot;&nbsp; ".join(parts)

    def _set_y_domain(self, side: int, view: PanelView) -> None:
        memo = (view.shown, view.method, view.weight, view.step_range, view.log, view.outliers)
        if self._memo.get(f"y{side}") == memo:
            return
        self._memo[f"y{side}"] = memo
        lo, hi = y_domain(self._visible_values(side, view), log=view.log, outliers=view.outliers)
        scale = self._y[side][self._mode]
        with scale.hold_sync():
            scale.min, scale.max = lo, hi

    def _visible_values(self, side: int, view: PanelView) -> np.ndarray:
        parts = []
        for run in view.shown:
            for kind in KINDS:
                steps, values = self._store.series(
                    run, self.metrics[side], kind, view.method, view.weight
                )
                parts.append(values[window(steps, view.step_range)])
        parts += band_values(self, side, view)
        return np.concatenate(parts) if parts else np.empty(0)

    def _show_hover(self, view: PanelView) -> None:
        memo = (view.hover_step, view.shown, view.method, view.weight)
        if self._memo.get("hover") == memo:
            return
        self._memo["hover"] = memo
        step = view.hover_step
        if step is not None:
            self.rule.x = np.array([step, step], dtype=np.float64)
        self.readout.value = "" if step is None else self._readout_html(step, view)

    def _readout_html(self, step: float, view: PanelView) -> str:
        parts = [
            f"<b>{html.escape(self.x_axis.label or 'step')} {step:.6g}</b>"
        ]  # the x axis may be time or tokens
        for side, metric in enumerate(self.metrics):
            if self.dual:
                parts.append(f"<i>{SIDES[side]}: {html.escape(metric)}</i>")
            for run in view.shown:
                found = self._store.at_step(run, metric, step, view.method, view.weight)
                if found is not None:
                    at, raw, smoothed = found
                    parts.append(
                        f'<span style="color:{self._colors[run]}">\u25a0</span> {html.escape(run)} '
                        f"@{at:.6g}: {raw:.4g} (smoothed {smoothed:.4g})"
                    )
        return " &nbsp; ".join(parts)

    # -- reading back --------------------------------------------------------------
    def drawn(self) -> pd.DataFrame:
        """What the marks hold right now: long table ``run, metric, kind, step, value``."""
        frames = []
        for mark in self.figure.marks:
            meta = self._meta.get(id(mark))
            if meta is not None:
                x = np.asarray(mark.x, dtype=np.float64)
                step = np.rint(x).astype(np.int64) if np.array_equal(x, np.rint(x)) else x
                run, metric, kind = meta
                frames.append(
                    pd.DataFrame(
                        {
                            "run": run,
                            "metric": metric,
                            "kind": kind,
                            "step": step,
                            "value": np.asarray(mark.y, dtype=np.float64),
                        }
                    )
                )
        if not frames:
            return pd.DataFrame(
                {
                    c: pd.Series(dtype=object if c in ("run", "metric", "kind") else float)
                    for c in DRAWN_COLUMNS
                }
            )
        return pd.concat(frames, ignore_index=True)[DRAWN_COLUMNS]

    def to_frame(self, view: PanelView) -> pd.DataFrame:
        """Every point in `view`'s step range, full resolution: ``run, metric, step, raw, smoothed``."""
        frames = []
        for metric in self.metrics:
            for run in view.shown:
                steps, raw = self._store.raw(run, metric)
                smoothed = self._store.smoothed(run, metric, view.method, view.weight)[1]
                sel = window(steps, view.step_range)
                frames.append(
                    pd.DataFrame(
                        {
                            "run": run,
                            "metric": metric,
                            "step": steps[sel].astype(np.int64),
                            "raw": raw[sel],
                            "smoothed": smoothed[sel],
                        }
                    )
                )
        columns = ["run", "metric", "step", "raw", "smoothed"]
        return (
            pd.concat(frames, ignore_index=True)[columns]
            if frames
            else pd.DataFrame(columns=columns)
        )

    def close(self) -> None:
        """Close every widget of this panel."""
        for mark in self._marks.values():
            mark.close()
        self.widget.close()
        self.figure.close()


def y_domain(values: np.ndarray, *, log: bool, outliers: bool) -> tuple[float | None, float | None]:
    """The y range for `values`: min to max (or 5th to 95th percentile), padded by 5 %.

    Returns ``(None, None)`` (let bqplot decide) when nothing can be shown. On a log
    scale only positive values count and the padding is multiplicative.

    Examples
    --------
    >>> y_domain(np.array([0.0, 10.0]), log=False, outliers=False)
    (-0.5, 10.5)
    """
    values = values[np.isfinite(values)]
    if log:
        values = np.log10(values[values > 0])
    if values.size == 0:
        return (None, None)
    lo, hi = np.percentile(values, [5, 95]) if outliers else (values.min(), values.max())
    pad = (hi - lo) * 0.05 if hi > lo else max(abs(hi) * 0.05, 0.5 if not log else 0.1)
    lo, hi = float(lo - pad), float(hi + pad)
    return (10.0**lo, 10.0**hi) if log else (lo, hi)


def nice_ticks(lo: float, hi: float, count: int) -> np.ndarray:
    """About `count` ticks between `lo` and `hi` at round steps (1, 2 or 5 times a power of ten).

    >>> nice_ticks(0, 4000, 5).tolist()
    [0.0, 1000.0, 2000.0, 3000.0, 4000.0]
    """
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        return np.array([lo], dtype=np.float64)
    power = 10.0 ** np.floor(np.log10((hi - lo) / max(1, count)))
    for step in (m * power for m in (1, 2, 5, 10, 20, 50)):  # the finest round step that fits
        first, last = np.ceil(lo / step - 1e-9), np.floor(hi / step + 1e-9)
        if last - first + 1 <= count + 1:
            break
    digits = max(0, int(-np.floor(np.log10(step))) + 2)
    return np.round(np.arange(first, last + 1) * step, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
