"""The overview strip: every step of one metric on its own, never-zoomed x scale, with a brush.

It keeps the brushed range visible once the panels have zoomed: its brush shows
``state.step_range``; dragging it (or moving the shaded range) sets the range, and a click
outside the range shows every step again. Because its scale never zooms, brushing here
cannot feed back into itself.
"""

from __future__ import annotations

import bqplot as bq
import numpy as np
from ipywidgets import Layout

from .lines import line_xy
from .series import SeriesStore
from .theme import OVERVIEW_HEIGHT, ROW_WIDTH_PX

MARGIN = {"top": 4, "bottom": 22, "left": 56, "right": 16}


class Overview:
    """A thin figure of the first panel's first metric (smoothed), with :attr:`brush`."""

    def __init__(self, store: SeriesStore, colors: dict[str, str], label: str = "") -> None:
        self._store, self._colors = store, colors
        lo, hi = store.extent
        self.scale = bq.LinearScale(min=lo, max=hi)
        self._y = bq.LinearScale()
        self._lines = {
            run: bq.Lines(
                x=np.empty(0),
                y=np.empty(0),
                colors=[colors[run]],
                stroke_width=1.0,
                scales={"x": self.scale, "y": self._y},
                enable_hover=False,
            )
            for run in store.runs
        }
        self.brush = bq.interacts.BrushIntervalSelector(scale=self.scale)
        self.label = label  # the x axis' name; not drawn (no room in the strip: the panels show it)
        axis = bq.Axis(scale=self.scale, grid_lines="none")
        self.figure = bq.Figure(
            marks=[],
            axes=[axis],
            interaction=self.brush,
            fig_margin=MARGIN,
            padding_y=0.05,
            display_toolbar=False,
            min_aspect_ratio=0.001,
            layout=Layout(width="auto", height=OVERVIEW_HEIGHT, min_width="0"),
        )
        self.figure.add_class("rlx-overview")
        self._memo: tuple | None = None
        self._held: dict[str, tuple] = {}

    def render(self, metric: str | None, shown, method: str, weight: float, step_range) -> None:
        """Draw `metric` for the `shown` runs and show `step_range` on the brush."""
        if self.brush.brushing is False:
            self.brush.selected = (
                None if step_range is None else np.array(step_range, dtype=np.float64)
            )
        shown = shown if metric is not None else ()
        marks = [self._lines[r] for r in shown]
        if marks != list(self.figure.marks):
            self.figure.marks = marks
        for run in shown:
            self._draw(run, metric, method, weight)

    def _draw(self, run: str, metric: str, method: str, weight: float) -> None:
        stage = (metric, method, weight)
        if self._held.get(run) == stage:
            return
        steps, values = self._store.smoothed(run, metric, method, weight)
        x, y = line_xy(steps, values, None, ROW_WIDTH_PX - MARGIN["left"] - MARGIN["right"])
        mark = self._lines[run]
        with mark.hold_sync():
            if mark.x.shape != x.shape or not np.array_equal(mark.x, x):
                mark.x = x
            mark.y = y
        self._held[run] = stage
