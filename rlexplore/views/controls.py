"""The explorer's shared controls: smoothing, run filter, tool, reset, the legend and run checkboxes.

Widgets only: the explorer connects them to the state both ways. Run names reach the page
only as widget descriptions (rendered as text) or escaped HTML.
"""

from __future__ import annotations

import html

from ipywidgets import (
    HTML,
    Button,
    Checkbox,
    Dropdown,
    FloatSlider,
    HBox,
    Layout,
    Text,
    ToggleButtons,
)

from ..transforms.smoothing import MAX_WEIGHT
from .theme import css_slug

METHOD_OPTIONS = (("EMA", "ema"), ("Gaussian", "gaussian"), ("running mean", "running_mean"))
TOOLS = ("zoom", "inspect")


def _run_classes(widget, index: int, run: str):
    return widget.add_class(f"rlx-run-{index}").add_class(f"rlx-run-name-{css_slug(run)}")


class Controls:
    """Every control shared by all panels."""

    def __init__(self, runs: tuple[str, ...], colors: dict[str, str]) -> None:
        self.runs, self.colors = runs, colors
        self.smoothing = FloatSlider(
            min=0.0,
            max=MAX_WEIGHT,
            step=0.001,
            readout_format=".3f",
            description="smoothing",
            continuous_update=False,
            layout=Layout(width="320px"),
        ).add_class("rlx-smoothing")
        self.method = Dropdown(options=METHOD_OPTIONS, layout=Layout(width="140px")).add_class(
            "rlx-smoothing-method"
        )
        self.run_filter = Text(
            placeholder="filter runs (regex)", continuous_update=True, layout=Layout(width="200px")
        ).add_class("rlx-run-filter")
        self.filter_error = HTML().add_class("rlx-error")
        self.tool = ToggleButtons(
            options=TOOLS,
            tooltips=[
                "drag on a panel to zoom to those steps",
                "click a panel, then move: values under the cursor",
            ],
            style={"button_width": "64px"},
        ).add_class("rlx-tool")
        self.reset = Button(
            description="all steps",
            tooltip="show every step again (or double-click a panel)",
            layout=Layout(width="90px"),
        ).add_class("rlx-reset")
        self.legend_entries = {run: self._legend_entry(i, run) for i, run in enumerate(runs)}
        self.legend = HBox(
            list(self.legend_entries.values()), layout=Layout(width="100%")
        ).add_class("rlx-legend")
        self.checkboxes = {
            run: _run_classes(
                Checkbox(
                    description=run,
                    indent=False,
                    value=True,
                    layout=Layout(width="auto", margin="0 12px 0 0"),
                ),
                i,
                run,
            ).add_class("rlx-run-checkbox")
            for i, run in enumerate(runs)
        }
        self.run_list = HBox(
            list(self.checkboxes.values()), layout=Layout(flex_flow="row wrap")
        ).add_class("rlx-runs")
        self.bar = HBox(
            [self.smoothing, self.method, self.run_filter, self.tool, self.reset],
            layout=Layout(flex_flow="row wrap", align_items="center"),
        ).add_class("rlx-controls")
        self._memo: tuple | None = None

    def _legend_entry(self, index: int, run: str) -> Button:
        entry = Button(
            description=f"\u2501 {run}",
            tooltip=f"show or hide {run} in every panel",
            layout=Layout(width="auto"),
        )
        entry.style.text_color = self.colors[run]
        entry.style.button_color = "transparent"
        entry.style.font_weight = "bold"
        return _run_classes(entry, index, run).add_class("rlx-legend-entry")

    def render(self, state) -> None:
        """Show the state: slider, method, filter, legend and checkboxes."""
        self.smoothing.value = state.smoothing
        self.method.value = state.smoothing_method
        memo = (state.visible_runs, state.run_filter)
        if memo == self._memo:
            return
        self._memo = memo
        if self.run_filter.value != state.run_filter:
            self.run_filter.value = state.run_filter
        self.filter_error.value = ""
        visible = set(state.visible_runs)
        for run in self.runs:
            self._show_run(run, run in visible, state.matches_filter(run))

    def _show_run(self, run: str, on: bool, matches: bool) -> None:
        entry, box = self.legend_entries[run], self.checkboxes[run]
        entry.style.text_color = self.colors[run] if on else "#8C8C8C"
        entry.style.text_decoration = "none" if on else "line-through"
        (entry.remove_class if on else entry.add_class)("rlx-off")
        display = None if matches else "none"
        entry.layout.display = box.layout.display = display
        box.value = on

    def recolor(self, state) -> None:
        """Show the legend again in the runs' (new) colours."""
        self._memo = None
        self.render(state)

    def show_filter_error(self, message: str) -> None:
        """Show why the typed run filter was not applied (escaped)."""
        self.filter_error.value = html.escape(message)
