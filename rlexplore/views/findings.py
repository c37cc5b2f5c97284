"""Findings of :func:`rlexplore.diagnose` in the explorer: bands on the panels, a table, a toggle.

``rlx.Explorer(ds, findings=True)`` runs :func:`rlexplore.diagnose` (or takes its
DataFrame, or a dict of rules) and shows each finding on the panels of its metric: a shaded
step band from its first to its last step or, for a single step (a best checkpoint, a lone
spike), a vertical line, in its run's colour; the edge is solid for critical findings, dashed
for warnings, dotted for information. The marks sit under the data lines (the panel's
``overlays``) on a fixed 0–1 y scale, so they never change a panel's y range. Findings of
hidden runs are neither drawn nor listed. Clicking a finding's step button brushes its step
range (padded by a tenth on each side, so the band is seen in context) in every panel. The
toggle hides marks and table. Findings are placed by step: on another x axis (wall time...)
they are listed but not drawn, and their buttons are disabled.

CSS classes: ``rlx-findings`` (the whole), ``rlx-findings-toggle``, ``rlx-findings-table``,
``rlx-finding-brush`` (a row's step button), ``rlx-finding-<severity>`` (a row's badge).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import bqplot as bq
import numpy as np
import pandas as pd
import xarray as xr
from ipywidgets import HTML, Button, GridBox, Layout, ToggleButton, VBox

from ..diagnostics import SEVERITIES, diagnose
from ..errors import RLExploreError
from .theme import MUTED

EDGE = {"critical": "solid", "warning": "dashed", "info": "dotted"}
BAND_OPACITY = 0.45
STRIP = (0.94, 1.0)  # where a finding's band lies, on the 0-1 y scale of the plot area
LABEL_Y = 0.9  # the baseline of its label, just under the strip
LABEL_PX = 10
PAD = 0.1
MAX_ROWS = 200  # the table lists the most severe; every finding stays drawn and in ``findings``
_TRAITS = (
    "metrics",
    "visible_runs",
    "run_filter",
    "runs",
    "x_axis",
)  # what changes the findings shown
DRAWN_COLUMNS = ["panel", "run", "metric", "kind", "first_step", "last_step"]
_HEAD = ("steps", "severity", "run", "metric", "kind", "finding")
_STYLE = """<style>
.rlx-findings-table .rlx-badge {padding: 0 6px; border-radius: 8px; font-size: 90%;}
.rlx-finding-critical {background: #D55E00; color: #fff;}
.rlx-finding-warning {background: #E69F00; color: #000;}
.rlx-finding-info {background: #56B4E9; color: #000;}
.rlx-findings-table .widget-html {margin: 0 4px;}
</style>"""


def findings_view(explorer: Any, ds: xr.Dataset, findings: Any) -> FindingsView | None:
    """The explorer's :class:`FindingsView`, installed under the panels (above the summary), or None.

    `findings`: False or None (none), True (:func:`rlexplore.diagnose` with its default
    rules), a dict or :class:`~rlexplore.diagnostics.Rules` (diagnose with those rules), or
    a DataFrame that :func:`rlexplore.diagnose` returned.
    """
    if findings is None or findings is False:
        return None
    if findings is True:
        findings = diagnose(ds)
    elif not isinstance(findings, pd.DataFrame):
        findings = diagnose(ds, rules=findings)
    view = FindingsView(explorer, findings)
    explorer.add_widget(view.widget)  # above the summary
    return view


class FindingsView:
    """The findings of an explorer's dataset, drawn on its panels and listed in a table.

    Parameters
    ----------
    explorer : rlexplore.Explorer
        The explorer whose panels, colours, x scale and state are used.
    findings : pandas.DataFrame
        What :func:`rlexplore.diagnose` returned.

    Attributes
    ----------
    findings : pandas.DataFrame
        The findings, most severe first (the table's order).
    toggle : ipywidgets.ToggleButton
        Shows or hides the findings (marks and table).
    buttons : list of ipywidgets.Button
        One per finding, in `findings` order: clicking brushes its step range.
    widget : ipywidgets.VBox
    """

    def __init__(self, explorer: Any, findings: pd.DataFrame) -> None:
        self._ex = explorer
        self._on_select: list[Callable[[pd.Series], Any]] = []
        self._y = bq.LinearScale(min=0.0, max=1.0)
        self._marks: dict[tuple[int, Any], bq.Lines] = {}
        self._labels: dict[tuple[int, Any], bq.Label] = {}
        self.toggle = ToggleButton(value=True, tooltip="Show or hide what rlexplore.diagnose found")
        self.toggle.add_class("rlx-findings-toggle")
        self.table = GridBox(
            layout=Layout(grid_template_columns="repeat(5, max-content) 1fr", align_items="center")
        ).add_class("rlx-findings-table")
        self.widget = VBox([HTML(_STYLE), self.toggle, self.table]).add_class("rlx-findings")
        self.toggle.observe(explorer.guard(lambda _: self.render()), "value")
        # every trait, like the explorer's own observer, so this runs after it (new panels exist)
        explorer.state.observe(
            explorer.guard(lambda ch: self.render() if ch["name"] in _TRAITS else None)
        )
        self.refresh(findings)

    def refresh(self, findings: pd.DataFrame | None = None, *, rules: Any = None) -> None:
        """Show new findings: `findings`, or :func:`rlexplore.diagnose` on the explorer's
        current data (after ``ex.set_data`` or while following a live run) with `rules`.
        """
        if findings is None:
            findings = diagnose(self._ex.data, rules=rules)
        missing = {"run", "metric", "kind", "first_step", "last_step", "severity", "message"} - set(
            findings.columns
        )
        if missing:
            raise RLExploreError(
                f"findings must come from rlexplore.diagnose; missing columns {sorted(missing)}"
            )
        rank = pd.Series(
            pd.Categorical(findings["severity"].astype(str), SEVERITIES, ordered=True).codes
        )
        self.findings = findings.iloc[
            rank.sort_values(ascending=False, kind="stable").index
        ].reset_index(drop=True)
        for mark in [*self._marks.values(), *self._labels.values()]:
            mark.close()
        self._marks, self._labels = {}, {}
        self._memo: tuple | None = None
        self._picked: dict[tuple, pd.Index] = {}
        self.toggle.description = f"Findings ({len(self.findings)})"
        self.buttons = [self._button(i) for i in range(len(self.findings))]
        self._cells = [self._cells_of(i) for i in range(len(self.findings))]
        self.render()

    # -- what is shown ---------------------------------------------------------------
    @property
    def on_steps(self) -> bool:
        """Whether the x axis is the step, where findings can be placed."""
        return getattr(self._ex.state, "x_axis", "step") == "step"

    def shown(self) -> pd.DataFrame:
        """The findings listed now: those of shown runs, none when the toggle is off."""
        if not self.toggle.value:
            return self.findings.iloc[:0]
        return self.findings[self.findings["run"].isin(self._ex.state.shown_runs)]

    def drawn(self) -> pd.DataFrame:
        """The finding marks on the panels now: ``panel, run, metric, kind, first_step, last_step``."""
        ours = {id(m): key for key, m in self._marks.items()}
        rows = []
        for p in self._ex.panels:
            for mark in p.figure.marks:
                if id(mark) in ours:
                    f = self.findings.loc[ours[id(mark)][0]]
                    rows.append(
                        (p.key, f.run, f.metric, str(f.kind), int(f.first_step), int(f.last_step))
                    )
        return pd.DataFrame(rows, columns=DRAWN_COLUMNS)

    def select(self, i: int) -> None:
        """Brush finding `i`'s step range, padded by :data:`PAD` of its width, in every panel."""
        f = self.findings.loc[i]
        lo, hi = self._ex.model.extent
        width = max(float(f.last_step - f.first_step), 0.02 * (hi - lo), 1.0)
        start = max(lo, float(f.first_step) - PAD * width)
        end = min(hi, float(f.last_step) + PAD * width)
        self._ex.state.step_range = (start, end) if end > start else None
        for callback in self._on_select:
            callback(f)

    def on_select(self, callback: Callable[[pd.Series], Any]) -> None:
        """Call ``callback(finding)`` (a row of the findings) when a finding is selected."""
        self._on_select.append(callback)

    # -- drawing -------------------------------------------------------------------
    def overlays(self, panel: Any, shown_runs) -> list[bq.Mark]:
        """The finding marks of `panel` for the shown runs: a band and a label each, under the lines."""
        if not (self.toggle.value and self.on_steps):
            return []
        key = (panel.key, tuple(shown_runs))
        if key not in self._picked:  # panels render on every slider move: filter once per view
            f = self.findings
            self._picked[key] = f.index[f["metric"].isin(panel.metrics) & f["run"].isin(shown_runs)]
        return [
            self._recolored(self._mark(i, panel), self.findings.at[i, "run"])
            for i in self._picked[key]
        ]

    def overlays_above(self, panel: Any, shown_runs) -> list[bq.Mark]:
        """The labels of `panel`'s finding bands: over the lines, so they are read."""
        bands = {id(m) for m in self.overlays(panel, shown_runs)}
        return [
            self._recolored(self._label(i, p), self.findings.at[i, "run"])
            for (i, p), mark in self._marks.items()
            if p == panel.key and id(mark) in bands
        ]

    def labels(self, panel: Any) -> list[str]:
        """The kinds written on `panel` now, one per finding band drawn there."""
        ours = {id(m) for m in self._labels.values()}
        return [str(m.text[0]) for m in panel.figure.marks if id(m) in ours]

    def _recolored(self, mark: bq.Mark, run: str) -> bq.Mark:
        """`mark` in its run's colour now (the run table can recolour runs)."""
        color = self._ex.colors.get(run, MUTED)
        if list(mark.colors) != [color]:
            with mark.hold_sync():
                mark.colors = [color]
                if getattr(mark, "fill", "none") != "none":
                    mark.fill_colors = [color]
        return mark

    def render(self) -> None:
        """Bring the panels' finding marks and the table in line with the state and toggle."""
        shown_runs = self._ex.state.shown_runs
        ours = {id(m) for m in [*self._marks.values(), *self._labels.values()]}
        for p in self._ex.panels:
            p.overlays = lambda view, p=p: self.overlays(p, view.shown)
            p.overlays_above = lambda view, p=p: self.overlays_above(p, view.shown)
            _apply(p, self.overlays(p, shown_runs), self.overlays_above(p, shown_runs), ours)
        shown = self.shown()
        memo = (tuple(shown.index), self.on_steps)
        if memo != self._memo:
            self._memo = memo
            for button in self.buttons:
                button.disabled = not self.on_steps
            rows = tuple(w for i in shown.index[:MAX_ROWS] for w in self._row(i))
            self.table.children = self._header() + rows + self._more(len(shown) - MAX_ROWS)
        self.table.layout.display = None if self.toggle.value else "none"

    def _mark(self, i: int, panel: Any) -> bq.Lines:
        key = (i, panel.key)
        if key not in self._marks:
            self._marks[key] = self._new_mark(self.findings.loc[i])
        return self._marks[key]

    def _label(self, i: int, panel_key: Any) -> bq.Label:
        key = (i, panel_key)
        if key not in self._labels:
            f = self.findings.loc[i]
            self._labels[key] = bq.Label(
                x=np.array([float(f.first_step)]),
                y=np.array([LABEL_Y]),
                text=[str(f.kind)],
                colors=[self._ex.colors.get(f.run, MUTED)],
                default_size=LABEL_PX,
                font_weight="bold",
                align="start",
                x_offset=2,
                enable_hover=False,
                scales={"x": self._ex.x_scale, "y": self._y},
            )
        return self._labels[key]

    def _new_mark(self, f: pd.Series) -> bq.Lines:
        color = self._ex.colors.get(f.run, MUTED)
        a, b = float(f.first_step), float(f.last_step)
        lo, hi = STRIP
        style = dict(
            colors=[color],
            line_style=EDGE.get(str(f.severity), "solid"),
            enable_hover=False,
            scales={"x": self._ex.x_scale, "y": self._y},
            labels=[f"{f.kind}: {f.run}"],
        )
        if a == b:
            return bq.Lines(
                x=np.array([a, a]), y=np.array([lo - 0.04, hi]), stroke_width=2.0, **style
            )
        return bq.Lines(
            x=np.array([a, a, b, b]),
            y=np.array([lo, hi, hi, lo]),
            fill="inside",
            fill_colors=[color],
            fill_opacities=[BAND_OPACITY],
            stroke_width=1.0,
            **style,
        )

    # -- the table -----------------------------------------------------------------
    def _button(self, i: int) -> Button:
        f = self.findings.loc[i]
        steps = (
            f"{f.first_step}"
            if f.first_step == f.last_step
            else f"{f.first_step}\u2013{f.last_step}"
        )
        button = Button(
            description=steps,
            tooltip="Brush these steps in every panel",
            layout=Layout(width="auto"),
        ).add_class("rlx-finding-brush")
        button.on_click(self._ex.guard(lambda _: self.select(i)))
        return button

    def _cells_of(self, i: int) -> tuple[HTML, ...]:
        f = self.findings.loc[i]
        color = self._ex.colors.get(f.run, MUTED)
        severity = str(f.severity) if str(f.severity) in SEVERITIES else "info"
        return (
            HTML(f'<span class="rlx-badge rlx-finding-{severity}">{severity}</span>'),
            HTML(
                f'<span class="rlx-swatch" style="background:{color}"></span>{html.escape(str(f.run))}'
            ),
            HTML(html.escape(str(f.metric))),
            HTML(html.escape(str(f.kind))),
            HTML(html.escape(str(f.message))),
        )

    def _row(self, i: int) -> tuple:
        return (self.buttons[i], *self._cells[i])

    def _more(self, n: int) -> tuple[HTML, ...]:
        if n <= 0:
            return ()
        return (
            HTML(f"<i>and {n} more, less severe: all are in <code>ex.findings.findings</code></i>"),
        )

    def _header(self) -> tuple[HTML, ...]:
        return tuple(HTML(f"<b>{name}</b>") for name in _HEAD)

    def close(self) -> None:
        """Close the marks and widgets."""
        for mark in [*self._marks.values(), *self._labels.values()]:
            mark.close()
        self.widget.close()


def _apply(panel: Any, under: list, above: list, ours: set[int]) -> None:
    """Put `under` first (under the lines) and `above` last in the panel's marks, leaving the
    others as they are.
    """
    marks = list(under) + [m for m in panel.figure.marks if id(m) not in ours] + list(above)
    if marks != list(panel.figure.marks):
        panel.figure.marks = marks
