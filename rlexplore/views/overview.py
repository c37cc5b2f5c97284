"""The overview strip: every step of one metric on its own, never-zoomed x scale, with a brush.

It keeps the brushed range visible once the panels have zoomed: its brush shows
``state.step_range``; dragging it (or moving the shaded range) sets the range, and a click
outside the range shows every step again. Because its scale never zooms, brushing here
cannot feed back into itself. Its lines are one ``Lines`` mark (the shown runs as rows) of
the first panel's first metric, smoothed as the explorer was opened: a smoothing change
never re-sends them.
"""

from __future__ import annotations

import bqplot as bq
import numpy as np
from ipywidgets import Layout

from ..viewmodel import Rows, unit_xy
from .theme import OVERVIEW_HEIGHT

MARGIN = {"top": 4, "bottom": 22, "left": 56, "right": 16}


class Overview:
    """A thin figure of the first panel's first metric (smoothed), with :attr:`brush`.

    Parameters
    ----------
    extent : (float, float)
        The x range of the data (the strip never zooms).
    colors : dict
        Run colours (shared with the explorer, which may change them).
    label : str
        The x axis' name.
    """

    def __init__(
        self, extent: tuple[float, float], colors: dict[str, str], label: str = ""
    ) -> None:
        self.colors = colors
        self.scale = bq.LinearScale(min=extent[0], max=extent[1])
        unit = {"x": bq.LinearScale(min=0.0, max=1.0), "y": bq.LinearScale(min=0.0, max=1.0)}
        self.lines = bq.Lines(
            x=np.zeros((1, 2), dtype=np.float32),
            y=np.zeros((1, 2), dtype=np.float32),
            colors=["#8C8C8C"],
            stroke_width=1.0,
            scales=unit,
            enable_hover=False,
        )
        self.brush = bq.interacts.BrushIntervalSelector(scale=self.scale)
        self.label = label  # the x axis' name; not drawn (no room in the strip: the panels show it)
        axis = bq.Axis(scale=self.scale, grid_lines="none")
        self.figure = bq.Figure(
            marks=[],
            axes=[axis],
            interaction=self.brush,
            fig_margin=MARGIN,
            padding_y=0.0,
            display_toolbar=False,
            min_aspect_ratio=0.001,
            layout=Layout(width="auto", height=OVERVIEW_HEIGHT, min_width="0"),
        )
        self.figure.add_class("rlx-overview")
        self._sent: tuple | None = None
        self.rows = Rows((), (), ())

    @property
    def margin(self) -> int:
        """Left plus right margin, in pixels."""
        return MARGIN["left"] + MARGIN["right"]

    def set_extent(self, extent: tuple[float, float]) -> None:
        """Show the x range `extent` (new data or another x axis)."""
        with self.scale.hold_sync():
            self.scale.min, self.scale.max = extent
        self._sent = None

    def show_range(self, step_range) -> None:
        """Show `step_range` on the brush (unless a gesture is under way)."""
        if self.brush.brushing is False:
            self.brush.selected = (
                None if step_range is None else np.array(step_range, dtype=np.float64)
            )

    def draw(self, rows: Rows) -> None:
        """Draw `rows` (from :meth:`rlexplore.viewmodel.ExplorerModel.overview`)."""
        self.rows = rows
        marks = [self.lines] if rows.runs else []
        colors = [self.colors[r] for r in rows.runs]
        sent = (id(rows), self.scale.min, self.scale.max)
        if rows.runs and sent != self._sent:
            ys = [y for y in rows.y if len(y)]
            lo = min((float(y.min()) for y in ys), default=0.0)
            hi = max((float(y.max()) for y in ys), default=1.0)
            pad = (hi - lo) * 0.05 or 0.5
            x, y = unit_xy(rows, (self.scale.min, self.scale.max), (lo - pad, hi + pad))
            with self.lines.hold_sync():
                self.lines.x, self.lines.y = x, y
                self.lines.colors = colors
            self._sent = sent
        elif list(self.lines.colors) != colors and rows.runs:
            self.lines.colors = colors
        if marks != list(self.figure.marks):
            self.figure.marks = marks
