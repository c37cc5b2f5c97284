"""One panel: a bqplot Figure drawing one metric, or two on left and right y axes.

A panel draws the :class:`~rlexplore.viewmodel.PanelFrame` the view model publishes, and
nothing else. Its lines are few marks: one ``Lines`` per kind (raw, smoothed) and y axis,
with the shown runs as rows (per-row colours). The marks sit on fixed unit scales and
receive coordinates pre-scaled to the panel's window (float32), while the axes show the
shared ``x_scale`` and the panel's y scales: a zoom or a new y range redraws each line
once, from its new data, and never again for a scale change. A mark whose rows did not
change (the view model hands out the very same :class:`~rlexplore.viewmodel.Rows`) is not
re-sent. Marks are updated in place inside ``hold_sync()``; figures are never rebuilt.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from typing import Any

import bqplot as bq
import numpy as np
import pandas as pd
from ipywidgets import HTML, Layout, VBox

from ..state import PanelKey, panel_label, panel_metrics
from ..transforms.ticks import axis_range, inner_ticks, tick_labels
from ..viewmodel import KINDS, RAW, PanelFrame, PanelView, Rows, unit_xy
from ..viewmodel.panel import y_domain
from .theme import (
    ASPECT,
    DUAL_MARGIN_RIGHT,
    FIG_MARGIN,
    MARKER_SIZE,
    PANEL_HEIGHT,
    PANEL_HEIGHT_PX,
    RAW_OPACITY,
    RAW_WIDTH,
    SPARSE_RAW_OPACITY,
    Y_LABEL_OFFSET,
    partner_color,
)
from .toolbar import PanelToolbar

SIDES = ("left", "right")
DRAWN_COLUMNS = ["run", "metric", "kind", "step", "value"]
BAND_OPACITY = 0.2
EMPTY = np.zeros((0, 0), dtype=np.float32)  # no rows: a line mark with no paths

__all__ = ["DRAWN_COLUMNS", "KINDS", "MetricPanel", "PanelView", "nice_ticks", "y_domain"]


def unit_scale() -> bq.LinearScale:
    """A scale from 0 to 1 that never changes: marks on it receive pre-scaled coordinates."""
    return bq.LinearScale(min=0.0, max=1.0, allow_padding=False)


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
    x_axis : bqplot.Axis
        On the explorer's shared ``x_scale``.
    y_axes : list of bqplot.Axis
        Left (and right) y axis.
    y_scales : list of dict
        Per y axis, its ``"linear"`` and ``"log"`` scale (the axis shows one of them).
    lines : dict
        ``(kind, side) -> bqplot.Lines``: the runs of a kind on one y axis, as rows.
    frame : PanelFrame or None
        What the panel draws now (published by the view model).
    toolbar : PanelToolbar
    widget : ipywidgets.VBox
    """

    def __init__(
        self,
        key: PanelKey,
        index: int,
        *,
        x_scale,
        brush_scale,
        colors: dict[str, str],
        labels: dict[str, str],
        markers: list[bool],
    ) -> None:
        self.key, self.metrics, self.x_scale = key, panel_metrics(key), x_scale
        self.colors, self._labels, self._markers = colors, labels, markers
        self.y_scales = [{"linear": bq.LinearScale(), "log": bq.LogScale()} for _ in self.metrics]
        self._mode = "linear"
        self._unit = {"x": unit_scale(), "y": unit_scale()}
        # each line mark has an empty twin: new rows go to fresh paths (see _draw_rows)
        self._pairs = {
            (kind, side): (self._line(kind, side), self._line(kind, side))
            for kind in KINDS
            for side in range(len(self.metrics))
        }
        self.lines = {key: pair[0] for key, pair in self._pairs.items()}
        self.bands: dict[tuple[str, int], bq.Lines] = {}
        self._held: dict[int, tuple] = {}  # per line mark: its rows, window, y range, arrays
        self._memo: dict[str, object] = {}
        self._y_memo: dict[int, tuple] = {}  # per y axis: (range, ticks) drawn -> stretched range
        self.frame: PanelFrame | None = None
        self.rule = bq.Lines(
            x=np.zeros(2),
            y=np.array([0.0, 1.0]),
            colors=["#8C8C8C"],
            line_style="dashed",
            stroke_width=1.0,
            scales={"x": x_scale, "y": self._unit["y"]},
            visible=False,
        )
        self.brush = bq.interacts.BrushIntervalSelector(scale=brush_scale)
        self.cursor = bq.interacts.IndexSelector(scale=x_scale, color="#8C8C8C")
        self.y_axes = [self._y_axis(i) for i in range(len(self.metrics))]
        self.x_axis = bq.Axis(scale=x_scale, label=labels.get("step", "step"), grid_lines="solid")
        margin = dict(FIG_MARGIN, right=DUAL_MARGIN_RIGHT if self.dual else FIG_MARGIN["right"])
        self.figure = bq.Figure(
            marks=[],
            axes=[self.x_axis, *self.y_axes],
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
        # marks drawn under the lines (rlexplore.views.findings), and over them (its labels)
        self.overlays: Callable[[PanelView], list] = lambda view: []
        self.overlays_above: Callable[[PanelView], list] = lambda view: []
        self.set_index(index)

    @property
    def dual(self) -> bool:
        """Whether this panel has a right y axis."""
        return len(self.metrics) == 2

    @property
    def margin(self) -> int:
        """The figure's left plus right margin, in pixels."""
        m = self.figure.fig_margin
        return int(m["left"]) + int(m["right"])

    def set_index(self, index: int) -> None:
        """Give the panel widget the CSS class ``rlx-panel-<index>``."""
        if index != self.index:
            self.widget.remove_class(f"rlx-panel-{self.index}")
            self.widget.add_class(f"rlx-panel-{index}")
            self.index = index

    def kind_of(self, mark) -> tuple[str, str] | None:
        """``(metric, kind)`` of one of this panel's line marks (``kind`` raw, smoothed or
        band), or None for another mark.
        """
        for (kind, side), pair in self._pairs.items():
            if any(m is mark for m in pair):
                return self.metrics[side], kind
        for (_run, side), band in self.bands.items():
            if band is mark:
                return self.metrics[side], "band"
        return None

    def line_marks(self) -> list:
        """The line marks drawn now, bottom to top (raw under smoothed; runs are their rows).

        The figure also holds each one's empty twin (see :meth:`draw`), the hover rule and
        any overlays; this is the marks that hold the lines.
        """
        marks = list(self.figure.marks)
        current = [m for m in self.lines.values() if m in marks]
        return sorted(current, key=marks.index)

    # -- building ----------------------------------------------------------------
    def _y_axis(self, side: int) -> bq.Axis:
        metric = self.metrics[side]
        label = self._labels.get(metric, metric if self.dual else "")
        return bq.Axis(
            scale=self.y_scales[side][self._mode],
            side=SIDES[side],
            label=label,
            label_offset=Y_LABEL_OFFSET,  # beyond the (compact) tick labels, never over them
            grid_lines="solid" if side == 0 else "none",
        )

    def _line(self, kind: str, side: int) -> bq.Lines:
        # markers only on the logged (raw) points of sparse metrics; smoothed lines have none
        marker = (
            ("square" if side == 0 and self.dual else "circle") if self._markers[side] else None
        )
        style = (
            {"stroke_width": RAW_WIDTH, "marker": marker, "marker_size": MARKER_SIZE}
            if kind == RAW
            else {"stroke_width": 2.0}
        )
        return bq.Lines(
            x=EMPTY,
            y=EMPTY,
            colors=["#8C8C8C"],
            scales=self._unit,
            enable_hover=False,
            **style,
        )

    # -- drawing -----------------------------------------------------------------
    def draw(self, frame: PanelFrame) -> None:
        """Draw `frame`: marks, y axes, colours and the hover rule."""
        view = frame.view
        self.frame = frame
        self._set_mode("log" if view.log else "linear")
        shown = bool(view.shown)
        lines = [m for k in KINDS for s in range(len(self.metrics)) for m in self._pairs[(k, s)]]
        y_doms = [self._y_ticks(i, d.y_domain, view.log) for i, d in enumerate(frame.sides)]
        bands = self._draw_bands(frame, y_doms)
        marks = self.overlays(view) + bands + (lines if shown else [])
        # the rule stays among the marks and is shown or hidden: a change of the marks list
        # makes bqplot lay out and redraw every line of the figure again
        marks += [self.rule] if shown else []
        marks += self.overlays_above(view)
        for side, data in enumerate(frame.sides):
            y_dom = y_doms[side]
            self._set_y_domain(side, y_dom)
            if shown:
                for kind in KINDS:
                    rows = data.raw if kind == RAW else data.smoothed
                    self._draw_rows(kind, side, rows, frame, y_dom)
        if marks != list(self.figure.marks):
            self.figure.marks = marks
        self._recolor_axes(view.shown)
        self._show_hover(view)

    def _row_colors(self, side: int, runs: tuple[str, ...]) -> list[str]:
        if self.dual and side == 1 and len(runs) == 1:
            return [partner_color(self.colors[runs[0]])]
        return [self.colors[r] for r in runs]

    def _draw_rows(self, kind: str, side: int, rows: Rows, frame: PanelFrame, y_dom) -> None:
        """Send `rows` to their mark, or, when the mark already holds each of them on the same
        window and y range (a run was hidden or shown again), only new row opacities.
        """
        mark = self.lines[(kind, side)]
        base = (frame.x_domain, y_dom, frame.view.log)
        held: Any = self._held.get(id(mark))
        keep = (
            held is not None
            and not self.dual  # a dual panel's colours and dashes depend on the runs shown
            and held[1] == base
            and all(
                run in held[2] and held[2][run][0] is x and held[2][run][1] is y
                for run, x, y in zip(rows.runs, rows.x, rows.y)
            )
        )
        runs = held[0] if keep else rows.runs
        on = self._raw_opacity(side, rows, frame.view.width_px) if kind == RAW else 1.0
        drawn = {r for r, x in zip(rows.runs, rows.x) if len(x)}  # an empty row draws nothing
        opacities = [on if r in drawn else 0.0 for r in runs]
        colors = self._row_colors(side, runs)
        style = "dashed" if (side == 1 and len(rows.runs) != 1) else "solid"
        old = None
        if not keep and held is not None:
            # bqplot tweens a path from its old `d` to the new one even when nothing is
            # animated, parsing both strings: new rows go to the empty twin, whose paths are
            # new, and the old mark is emptied after (never a frame without the lines)
            first, second = self._pairs[(kind, side)]
            old, mark = mark, (second if mark is first else first)
            self.lines[(kind, side)] = mark
        with mark.hold_sync():
            if not keep:
                mark.x, mark.y = unit_xy(rows, frame.x_domain, y_dom, frame.view.log)
                arrays = {r: (x, y) for r, x, y in zip(rows.runs, rows.x, rows.y)}
                self._held[id(mark)] = (rows.runs, base, arrays)
            if list(mark.colors) != colors:
                mark.colors = colors
            if list(mark.opacities) != opacities:
                mark.opacities = opacities
            if list(mark.labels or []) != list(runs):
                mark.labels = list(runs)
            if self.dual and mark.line_style != style:
                mark.line_style = style
        if old is not None:
            self._held.pop(id(old), None)
            with old.hold_sync():
                old.x, old.y = EMPTY, EMPTY

    def _y_ticks(self, side: int, domain, log: bool):
        """The y range stretched to 4-7 round ticks, labelled compactly (linear axes)."""
        axis = self.y_axes[side]
        if log or domain[0] is None:
            self._y_memo.pop(side, None)
            if axis.tick_values is not None:
                axis.tick_values, axis.tick_labels = None, {}
            return domain
        key, memo = (tuple(domain), self.max_y_ticks), self._y_memo.get(side)
        if memo is not None and memo[0] == key:  # the same range as last drawn: nothing to do
            return memo[1]
        lo, hi, ticks = axis_range(float(domain[0]), float(domain[1]), max_ticks=self.max_y_ticks)
        self._y_memo[side] = (key, (lo, hi))
        if axis.tick_values is None or not np.array_equal(axis.tick_values, ticks):
            with axis.hold_sync():
                axis.tick_values = ticks
                axis.tick_labels = js_labels(ticks)
        return (lo, hi)

    @property
    def max_y_ticks(self) -> int:
        """As many y ticks as the plot's height holds, 4 to 7 (one per ~24 px)."""
        height = int(str(self.figure.layout.height or PANEL_HEIGHT).rstrip("px") or 240)
        plot = height - int(self.figure.fig_margin["top"]) - int(self.figure.fig_margin["bottom"])
        return max(4, min(7, plot // 24))

    def _raw_opacity(self, side: int, rows: Rows, width_px: int) -> float:
        """Raw lines are faint where dense (a zigzag under the smoothed curve), less where
        sparse (a few points: the line is the data), and carry markers when asked.
        """
        if self._markers[side]:
            return SPARSE_RAW_OPACITY
        points = max((len(x) for x in rows.x), default=0)
        return RAW_OPACITY if points > self.plot_width(width_px) / 3 else SPARSE_RAW_OPACITY - 0.2

    def _draw_bands(self, frame: PanelFrame, y_doms) -> list:
        marks = []
        for side, data in enumerate(frame.sides):
            for band in data.bands:
                mark = self.bands.get((band.run, side))
                color = self.colors[band.run]
                if mark is None:
                    mark = self.bands[(band.run, side)] = bq.Lines(
                        x=np.empty(0),
                        y=np.empty((2, 0)),
                        fill="between",
                        colors=[color, color],
                        fill_colors=[color, color],
                        fill_opacities=[BAND_OPACITY, 0.0],
                        stroke_width=0.0,
                        enable_hover=False,
                        scales=self._unit,
                    )
                rows = Rows((band.run, band.run), (band.x, band.x), (band.lower, band.upper))
                x, y = unit_xy(rows, frame.x_domain, y_doms[side], frame.view.log)
                with mark.hold_sync():
                    mark.x, mark.y = x[0], y
                    if list(mark.colors) != [color, color]:
                        mark.colors, mark.fill_colors = [color, color], [color, color]
                marks.append(mark)
        return marks

    def set_x_ticks(self, domain: tuple[float, float], width_px: int) -> None:
        """Round x ticks, as many as fit (one per ~65 px, 2 to 7), compactly labelled: d3
        picks about ten whatever the width, so they collide.
        """
        count = max(2, min(7, self.plot_width(width_px) // 65))
        ticks, labels = _x_ticks(float(domain[0]), float(domain[1]), count)
        current = self.x_axis.tick_values
        if current is None or len(current) != len(ticks) or not np.array_equal(current, ticks):
            with self.x_axis.hold_sync():
                self.x_axis.tick_values = ticks
                self.x_axis.tick_labels = dict(labels)

    def show_raw(self, on: bool) -> None:
        """Show or hide the raw lines (the smoothed ones stay)."""
        for (kind, _side), pair in self._pairs.items():
            for mark in pair:
                if kind == RAW and mark.visible != on:
                    mark.visible = on

    def fit_height(self, width_px: int) -> None:
        """A plot height from the panel's width: about :data:`ASPECT` to 1, within bounds."""
        lo, hi = PANEL_HEIGHT_PX
        height = f"{int(max(lo, min(hi, (width_px - self.margin) / ASPECT)))}px"
        if self.figure.layout.height != height:
            self.figure.layout.height = height

    def plot_width(self, width_px: int) -> int:
        """The plotting area's width in pixels for a panel `width_px` wide."""
        return max(1, int(width_px) - self.margin)

    def _set_mode(self, mode: str) -> None:
        if mode == self._mode:
            return
        self._mode = mode
        for side, axis in enumerate(self.y_axes):
            axis.scale = self.y_scales[side][mode]

    def _set_y_domain(self, side: int, domain) -> None:
        lo, hi = domain
        scale = self.y_scales[side][self._mode]
        if (scale.min, scale.max) != (lo, hi):
            with scale.hold_sync():
                scale.min, scale.max = lo, hi

    def _recolor_axes(self, shown) -> None:
        memo = (shown, tuple(self.colors.get(r) for r in shown))
        if not self.dual or self._memo.get("colors") == memo:
            return
        self._memo["colors"] = memo
        single = len(shown) == 1
        axis_colors = (
            [self.colors[shown[0]], partner_color(self.colors[shown[0]])]
            if single
            else [None, None]
        )
        for axis, color in zip(self.y_axes, axis_colors):
            axis.color, axis.label_color = color, color
        self.axis_key.value = self._axis_key_html(axis_colors, single)

    def _axis_key_html(self, colors, single: bool) -> str:
        """The dual-axis legend, over the plot as in reference 003: each line's glyph in its
        colour (one run: two colours) or its dash (several runs), its name and axis.
        """
        parts = []
        for side, (metric, color) in enumerate(zip(self.metrics, colors)):
            glyph = ("\u25a0" if side == 0 else "\u25cf") if self._markers[side] else ""
            line = "\u2501" if (side == 0 or single) else "\u2505"
            tint = f' style="color:{color}"' if color else ""
            name = html.escape(self._labels.get(metric, metric))
            parts.append(
                f'<div class="rlx-axis-key-entry"><span{tint}>{line}{glyph}{line}</span> '
                f'{name} <span class="rlx-axis-side">({SIDES[side]} axis)</span></div>'
            )
        return "".join(parts)

    def _show_hover(self, view: PanelView) -> None:
        memo = (view.hover_step, view.shown, view.method, view.weight)
        if self._memo.get("hover") == memo:
            return
        self._memo["hover"] = memo
        if view.hover_step is not None:
            self.rule.x = np.array([view.hover_step] * 2, dtype=np.float64)
        if self.rule.visible != (view.hover_step is not None):
            self.rule.visible = view.hover_step is not None
        if view.hover_step is None:
            self.readout.value = ""

    def show_readout(self, text: str) -> None:
        """Show the hover readout (HTML; the caller escapes names)."""
        self.readout.value = text

    # -- reading back --------------------------------------------------------------
    def drawn(self) -> pd.DataFrame:
        """What the line marks show right now: long table ``run, metric, kind, step, value``.

        In data coordinates: the rows the view model published for the marks (the marks
        hold the same points pre-scaled to the window, as float32).
        """
        frames = []
        frame = self.frame
        if frame is not None and frame.view.shown:
            for side, data in enumerate(frame.sides):
                for kind in KINDS:
                    if self.lines[(kind, side)] not in self.figure.marks:
                        continue
                    rows = data.raw if kind == RAW else data.smoothed
                    for run, x, y in zip(rows.runs, rows.x, rows.y):
                        frames.append(_points(run, data.metric, kind, x, y))
        if not frames:
            return pd.DataFrame(
                {
                    c: pd.Series(dtype=object if c in ("run", "metric", "kind") else float)
                    for c in DRAWN_COLUMNS
                }
            )
        return pd.concat(frames, ignore_index=True)[DRAWN_COLUMNS]

    def close(self) -> None:
        """Close every widget of this panel."""
        for mark in [*(m for pair in self._pairs.values() for m in pair), *self.bands.values()]:
            mark.close()
        self.widget.close()
        self.figure.close()


def _points(run: str, metric: str, kind: str, x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    x = np.asarray(x, dtype=np.float64)
    step = np.rint(x).astype(np.int64) if np.array_equal(x, np.rint(x)) else x
    return pd.DataFrame(
        {"run": run, "metric": metric, "kind": kind, "step": step, "value": np.asarray(y)}
    )


@functools.lru_cache(maxsize=16)
def _x_ticks(lo: float, hi: float, count: int) -> tuple[np.ndarray, tuple[tuple[str, str], ...]]:
    """The x ticks and labels of a domain (every panel of a row shares them: computed once)."""
    ticks = inner_ticks(lo, hi, max_ticks=count)
    ticks.setflags(write=False)
    return ticks, tuple(js_labels(ticks).items())


def nice_ticks(lo: float, hi: float, count: int) -> np.ndarray:
    """About `count` ticks between `lo` and `hi` at round steps (:func:`rlexplore.transforms.ticks.inner_ticks`).

    >>> nice_ticks(0, 4000, 5).tolist()
    [0.0, 1000.0, 2000.0, 3000.0, 4000.0]
    """
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        return np.array([lo], dtype=np.float64)
    return inner_ticks(lo, hi, max_ticks=count + 1)


def js_number(value: float) -> str:
    """`value` as JavaScript's ``String(value)`` writes it: the key bqplot looks a tick label up by.

    >>> [js_number(v) for v in (2000.0, 0.05, 1e-05, 2.5e-07, -0.0)]
    ['2000', '0.05', '0.00001', '2.5e-7', '0']
    """
    v = float(value)
    if v == 0:
        return "0"
    if v.is_integer() and abs(v) < 1e21:
        return str(int(v))
    if 1e-6 <= abs(v) < 1e21:
        return np.format_float_positional(v, unique=True, trim="-")
    mantissa, exponent = repr(v).split("e")
    return f"{mantissa}e{int(exponent):+d}"


def js_labels(ticks: np.ndarray) -> dict[str, str]:
    """Bqplot ``tick_labels`` for `ticks`: compact labels (:func:`~rlexplore.transforms.ticks.tick_labels`)."""
    return dict(zip((js_number(t) for t in ticks), tick_labels(ticks)))
