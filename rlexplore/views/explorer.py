"""The explorer: linked bqplot panels with smoothing, run toggles and step brushing.

:class:`Explorer` holds an :class:`~rlexplore.state.ExplorerState` (``ex.state``) and turns
it into widgets. Every panel draws on one shared x :class:`bqplot.LinearScale`
(``ex.x_scale``), so zoom is synchronized by construction. The panels' brushes live on a
second scale that only ever changes while no brush holds a selection, and the overview
strip has its own scale that never zooms: brushing never zooms the scale it brushes on.
A brush acts when ``brushing`` turns False. A click or double-click on a panel without
dragging (d3 reports a double-click as one empty gesture), the reset button, or a click
outside the overview's range shows every step again.

What the panels draw comes from the view model (``ex.model``, an
:class:`~rlexplore.viewmodel.ExplorerModel`), updated in stages keyed on the state trait
that changed (:data:`STAGES`): a smoothing change redraws only smoothed lines, a run
toggle only the rows of the lines, a zoom only re-windows. Lines are downsampled to the
panels' real width, which the page measures (``ex.meter``).

CSS classes (stable, for browser tests and styling):

==============================================  =============================================
``rlx-explorer`` (+ ``rlx-theme-auto|light|dark``)  the root widget
``rlx-title``                                    the title over the grid (``title=``)
``rlx-controls``                                 the bar of shared controls
``rlx-smoothing``                                smoothing FloatSlider (``continuous_update=False``)
``rlx-smoothing-method``                         smoothing method Dropdown
``rlx-run-filter``                               run filter Text (a regular expression)
``rlx-metric-filter``                            metric filter Text (a regular expression on
                                                 metric names: ``state.metric_filter``)
``rlx-show-raw``                                 Checkbox: draw the raw lines (``state.show_raw``)
``rlx-error``                                    why a typed run filter was not applied
``rlx-tool``                                     ToggleButtons ``zoom`` / ``inspect`` (hover readout)
``rlx-reset``                                    Button: show every step again
``rlx-runs``, ``rlx-run-checkbox``               the run checkboxes
``rlx-overview``                                 the overview strip (Figure with its own brush)
``rlx-overview-metric``                          Dropdown: the metric the overview draws
``rlx-panels``, ``rlx-grid``                     the panel area and its grids
``rlx-section``, ``rlx-section-<prefix>``        a collapsible section (``rlx-section-pinned``)
``rlx-section-header``                           its fold Button
``rlx-panel``, ``rlx-panel-<i>``                 a panel; ``i`` is its position in ``state.metrics``
``rlx-figure``                                   a panel's bqplot Figure (brush: ``g.selector``)
``rlx-panel-head``, ``rlx-panel-title``          a panel's toolbar row and title
``rlx-pin``, ``rlx-expand``, ``rlx-menu``        toolbar ToggleButtons; ``rlx-menu-box`` the menu
``rlx-log``, ``rlx-outliers``                    menu Checkboxes
``rlx-csv``, ``rlx-png``, ``rlx-svg``            menu Buttons; ``rlx-csv-link`` the CSV link
``rlx-axis-key``                                 dual-axis panels: which line is on which axis
``rlx-readout``                                  a panel's hover readout: a tooltip table beside
                                                 the cursor (``rlx-readout-far``: not the
                                                 hovered panel's), see :mod:`.hover`
``rlx-hover``                                    invisible: reports the pointer over the panels
``rlx-highlighting``, ``rlx-hl``                 on the root while a legend entry is hovered;
                                                 on the highlighted run's line paths
``rlx-legend``, ``rlx-legend-entry``             the legend and its Buttons (``rlx-off``: hidden)
``rlx-run-<i>``, ``rlx-run-name-<slug>``         per run, on legend entries and checkboxes: ``i``
                                                 is the run's dataset index, ``slug`` its name
                                                 with runs of other characters than
                                                 ``[A-Za-z0-9_-]`` replaced by ``-``
``rlx-summary``                                  the summary table (HTML): one row per run
``rlx-summary-view``, ``rlx-summary-stat``,      its box, statistic ToggleButtons, "sort by"
``rlx-summary-sort``, ``rlx-summary-order``      Dropdown and descending ToggleButton
``rlx-samples`` (and its parts, see              the samples view (``samples=``): the samples
:mod:`.samples`)                                 of the hovered step, the brushed range or a
                                                 selected finding, as escaped text
``rlx-errors``                                   Output widget showing callback errors
``rlx-meter``                                    invisible: reports the explorer's width
``rlx-status``                                   HTML ``STATE <json>``, rewritten after every
                                                 change (also written to ``$RLX_STATE_FILE``);
                                                 shown only in debug mode (``rlx-debug`` on the
                                                 root: ``debug=True`` or ``$RLX_DEBUG``)
==============================================  =============================================
"""

from __future__ import annotations

import functools
import html
import math
import traceback
from typing import Any

import bqplot as bq
import pandas as pd
import xarray as xr
from ipywidgets import HTML, Dropdown, Layout, Output, VBox

from ..errors import RLExploreError
from ..state import ExplorerState, StateError, panel_key, panel_label, panel_metrics
from ..transforms.names import plan_metrics, short_names
from ..transforms.xaxis import axis_label
from ..viewmodel import ExplorerModel, PanelView
from . import extensions
from .controls import TOOLS, Controls
from .findings import findings_view
from .hover import HoverTracker
from .layout import PanelGrid
from .meter import WidthMeter
from .overview import Overview
from .panel import MetricPanel
from .samples import SamplesView, connect
from .status import DEBUG_CLASS, debug_enabled, status_html, write_state_file
from .summary import SummaryView
from .theme import (
    MARKER_MAX_POINTS,
    MIN_PANEL_PX,
    ROW_WIDTH_PX,
    SPARSE_EVERY,
    STYLESHEET,
    THEMES,
    css_slug,
    run_color,
)
from .toolbar import PanelToolbar

GRID_GAP_PX = 6  # the gap between panels of a row (rlexplore.views.layout)
DATA_TRAITS = ("x_axis", "group_by", "group_pattern", "group_center", "group_band")
# What each state trait changes: the stages :meth:`Explorer.render` runs for it.
STAGES: dict[str, frozenset[str]] = {
    "smoothing": frozenset({"lines", "controls", "hover"}),
    "smoothing_method": frozenset({"lines", "controls", "hover"}),
    "visible_runs": frozenset({"lines", "overview", "controls", "summary", "hover"}),
    "run_filter": frozenset({"lines", "overview", "controls", "summary", "hover"}),
    "step_range": frozenset({"x", "lines", "overview", "summary"}),
    "metrics": frozenset({"panels", "lines", "grid", "overview", "summary"}),
    "log_scale": frozenset({"lines", "toolbar"}),
    "ignore_outliers": frozenset({"lines", "toolbar"}),
    "pinned": frozenset({"grid", "toolbar"}),
    "expanded": frozenset({"grid", "toolbar", "lines"}),
    "hover_step": frozenset({"lines", "hover"}),
    "metric_filter": frozenset({"lines", "grid", "overview", "controls", "summary"}),
    "show_raw": frozenset({"lines", "controls"}),
}
ALL_STAGES = frozenset().union(*STAGES.values())


class Explorer:
    """Linked panels of an rlexplore Dataset, with smoothing, run toggles and step brushing.

    Parameters
    ----------
    ds : xarray.Dataset
        An rlexplore dataset (see :func:`rlexplore.validate`).
    metrics : sequence, optional
        The panels: metric names, or ``(left, right)`` pairs for dual-axis panels.
        Default: every metric, in dataset order, except W&B's ``<m>__MIN`` / ``<m>__MAX``
        columns, x-axis-like columns (``_step``, ``Relative Time (Process)``) and metrics
        logged once per run (end-of-training values: in the summary); see
        :func:`rlexplore.transforms.names.plan_metrics` and ``ex.plan``.
    runs : sequence of str, optional
        The runs switched on at first (default: all).
    smoothing : float, default 0.6
        TensorBoard's smoothing weight, 0 to 0.999.
    columns : int, default 4
        Panels to a row.
    smoothing_method : {"ema", "gaussian", "running_mean"}, default "ema"
    run_filter : str, default ""
        A regular expression on run names.
    step_range : (lo, hi), optional
        The initial step window.
    title : str, optional
        A title over the grid.
    labels : dict, optional
        Axis labels by metric name (``"step"`` labels the x axis).
    sections : bool, optional
        Group panels in collapsible sections by name prefix. Default: when the panels
        span several prefixes and fill more than one row.
    markers : bool, optional
        Markers on the smoothed lines. Default: for metrics with few points (evaluations).
    theme : {"auto", "light", "dark"}, default "auto"
        ``"auto"`` follows JupyterLab's theme.
    x : str, default "step"
        The x axis: ``"step"``, ``"wall_time"``, ``"relative_time"`` or a metric that
        never decreases (consumed tokens, epoch); switchable in the controls.
    group_by, group_pattern : str, optional
        Draw groups of runs (by a run coordinate, or a regular expression removed from
        run names, such as ``"[-_]seed[0-9]+"``) as a center line with a band.
    group_center, group_band : str
        ``"mean"`` or ``"median"``; ``"std"``, ``"sem"``, ``"minmax"``, ``"quantile"`` or ``"none"``.
    findings : bool, dict or pandas.DataFrame, default False
        Show what :func:`rlexplore.diagnose` finds (``True``; a dict of rules; or its
        DataFrame) on the panels and in a table; ``ex.findings`` (see
        :mod:`rlexplore.views.findings`).
    samples : pandas.DataFrame, optional
        The samples behind the curves (:func:`rlexplore.load_samples`, or
        ``rlx.load(path, samples=True)``): a samples view under the panels shows those of
        the step under the cursor, of a brushed range, or of a selected finding
        (``ex.samples_view``, ``ex.shown_samples()``, ``state.sample_step``).
    debug : bool, optional
        Show the machine-readable status line (``STATE {...}``, the browser tests' hook).
        Default: when ``$RLX_DEBUG`` is set.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> ex = rlx.Explorer(rlx.demo("methods"), title="sync_interval = 20")
    >>> ex.state.smoothing = 0.9
    >>> ex.state.step_range = (1000, 2000)
    >>> (ex.x_scale.min, ex.x_scale.max)
    (1000.0, 2000.0)
    >>> ex.summary().loc[("GRPO", "actor/entropy")].index.tolist()
    ['last', 'min', 'max', 'mean']
    """

    def __init__(
        self,
        ds: xr.Dataset,
        metrics=None,
        runs=None,
        *,
        smoothing: float = 0.6,
        columns: int = 4,
        smoothing_method: str = "ema",
        run_filter: str = "",
        step_range=None,
        title: str | None = None,
        labels: dict[str, str] | None = None,
        sections: bool | None = None,
        markers: bool | None = None,
        theme: str = "auto",
        x: str = "step",
        group_by: str = "",
        group_pattern: str = "",
        group_center: str = "mean",
        group_band: str = "std",
        findings=False,
        samples=None,
        debug: bool | None = None,
    ) -> None:
        self.model = ExplorerModel(
            ds,
            x=x,
            group_by=group_by,
            group_pattern=group_pattern,
            center=group_center,
            band=group_band,
        )
        self.columns = _check_columns(columns)
        traits: dict[str, Any] = dict(
            smoothing=smoothing,
            smoothing_method=smoothing_method,
            run_filter=run_filter,
            step_range=step_range,
        )
        counts = {m: self.model.source.point_count(m) for m in self.model.metrics}
        self.plan = plan_metrics(self.model.metrics, counts)
        self.short_names = short_names(self.model.runs)
        if metrics is None and self.plan.panels:
            metrics = self.plan.panels
        traits.update(
            {k: v for k, v in (("metrics", metrics), ("visible_runs", runs)) if v is not None}
        )
        traits.update(
            x_axis=x,
            group_by=group_by,
            group_pattern=group_pattern,
            group_center=group_center,
            group_band=group_band,
        )
        self.state = ExplorerState(self.model.runs, self.model.metrics, **traits)
        self.labels, self._markers, self._theme = dict(labels or {}), markers, _check_theme(theme)
        self.colors = {run: run_color(i) for i, run in enumerate(self.model.runs)}
        # the overview's smoothing stays as opened: a slider move never re-sends it
        self.overview_smoothing = (self.state.smoothing_method, self.state.smoothing)
        lo, hi = self.model.extent
        self.x_scale = bq.LinearScale(min=lo, max=hi)
        self.brush_scale = bq.LinearScale(min=lo, max=hi)
        self.controls = Controls(self.model.runs, self.colors, self.short_names)
        self.overview = Overview(self.model.extent, self.colors, self._x_label())
        self.meter = WidthMeter().add_class("rlx-meter")
        self.hover_tracker = HoverTracker().add_class("rlx-hover")
        self.overview_metric = Dropdown(
            description="overview of",
            style={"description_width": "initial"},
            layout=Layout(width="auto", max_width="420px"),
        ).add_class("rlx-overview-metric")
        self.grid = PanelGrid(self.columns, sections)
        self._panels: dict[Any, MetricPanel] = {}
        self._brushing: set[int] = set()
        self._zoomed_early: dict[int, tuple[float, float]] = {}  # per brush: from the tracker
        self._updates = 0
        self._summary_memo: tuple | None = None
        self.summary_widget = SummaryView()
        self.status_widget = HTML().add_class("rlx-status")
        self.errors = Output().add_class("rlx-errors")
        self.follower: Any = None  # what Explorer.follow reads; its watch polls it
        self.follow_interval, self.watch = 5.0, None
        self.widget = self._root(title)
        if debug_enabled(debug):
            self.widget.add_class(DEBUG_CLASS)
        self._wire_controls()
        self.state.observe(self._on_state)
        self.state.observe(self.guard(self._on_data_trait), names=list(DATA_TRAITS))
        self.state.observe(self.guard(self._on_following), names="following")
        self.meter.observe(self.guard(lambda _: self.render({"lines", "x"})), "width")
        self.hover_tracker.observe(self.guard(self._on_pointer), "pointer")
        self.hover_tracker.observe(self.guard(self._on_release), "release")
        self._sync_panels()
        self.render()
        extensions.install(self)
        self.findings = findings_view(self, ds, findings)
        self.samples_view = self._samples_view(samples)

    # -- public ------------------------------------------------------------------------
    @property
    def data(self) -> xr.Dataset:
        """The Dataset shown (replaced by :meth:`set_data` and while following)."""
        return self.model.data

    @property
    def panels(self) -> list[MetricPanel]:
        """The panels, in ``state.metrics`` order."""
        return [self._panels[key] for key in self.state.metrics]

    @property
    def shown_panels(self) -> list[MetricPanel]:
        """The panels in the grid: those of ``state.shown_metrics`` (the metric filter)."""
        return [self._panels[key] for key in self.state.shown_metrics]

    def panel(self, key) -> MetricPanel:
        """The panel of a metric name or ``(left, right)`` pair."""
        try:
            return self._panels[panel_key(key)]
        except (KeyError, StateError):
            pass
        raise RLExploreError(f"no panel {key!r}; panels: {[p.key for p in self.panels]}")

    @property
    def tool(self) -> str:
        """What dragging on a panel does: ``"zoom"`` (brush steps) or ``"inspect"`` (hover readout)."""
        return self.controls.tool.value

    @tool.setter
    def tool(self, value: str) -> None:
        if value not in TOOLS:
            raise RLExploreError(f"unknown tool {value!r}; expected one of {TOOLS}")
        self.controls.tool.value = value

    @property
    def theme(self) -> str:
        """``"auto"`` (follow JupyterLab), ``"light"`` or ``"dark"``."""
        return self._theme

    @theme.setter
    def theme(self, value: str) -> None:
        self.widget.remove_class(f"rlx-theme-{self._theme}")
        self._theme = _check_theme(value)
        self.widget.add_class(f"rlx-theme-{self._theme}")
        self._write_status()

    @property
    def row_width(self) -> int:
        """The width of a row of panels in pixels: measured by the page, else assumed."""
        return self.meter.width or ROW_WIDTH_PX

    @property
    def shown_columns(self) -> int:
        """Panels to a row now: ``columns``, or fewer when the row cannot give each
        :data:`~rlexplore.views.theme.MIN_PANEL_PX` (a narrow JupyterLab pane).
        """
        fits = (self.row_width + GRID_GAP_PX) // (MIN_PANEL_PX + GRID_GAP_PX)
        return max(1, min(self.columns, fits))

    def panel_width(self, key) -> int:
        """The width in pixels of the panel `key` (a row's share, or the row when expanded)."""
        if panel_key(key) in self.state.expanded:
            return self.row_width
        n = self.shown_columns
        return max(1, (self.row_width - GRID_GAP_PX * (n - 1)) // n)

    def panel_view(self, key) -> PanelView:
        """What the state asks panel `key` to show (the view model computes the rest)."""
        st, key = self.state, panel_key(key)
        return PanelView(
            shown=st.shown_runs,
            method=st.smoothing_method,
            weight=st.smoothing,
            step_range=st.step_range,
            log=key in st.log_scale,
            outliers=key in st.ignore_outliers,
            width_px=self.panel_width(key),
            hover_step=st.hover_step,
        )

    def summary(self) -> pd.DataFrame:
        """last, min, max and mean of each shown run and panel metric, over ``state.step_range``.

        The end-of-training values (``ex.plan.scalars``: metrics logged once per run) come
        last, over every step.

        Returns
        -------
        pandas.DataFrame
            Index levels ``run`` and ``metric``; columns ``last``, ``min``, ``max``, ``mean``
            (raw values; NaN where a run logged nothing in the range).
        """
        runs = self.state.shown_runs
        frame = self.model.summary(runs, self.shown_metrics(), self.state.step_range)
        panels = set(self.state.metrics)
        scalars = [m for m in self.plan.scalars if m in self.model.metrics and m not in panels]
        if not scalars:
            return frame
        ends = self.model.summary(runs, scalars, None)
        return pd.concat([frame, ends]).sort_index(level=0, sort_remaining=False)

    def shown_samples(self) -> pd.DataFrame:
        """The samples the samples view shows (``Explorer(ds, samples=df)``), as a DataFrame.

        Empty without samples. The view follows ``state.hover_step`` (a hover or click on
        any panel: the nearest logged sample step, ``state.sample_step``), a brushed
        ``state.step_range`` and a selected finding (worst and best first).
        """
        if self.samples_view is None:
            return pd.DataFrame()
        return self.samples_view.shown()

    def _samples_view(self, samples) -> SamplesView | None:
        if samples is None:
            return None
        view = SamplesView(samples, runs=self.state.shown_runs)
        connect(self.state, view)
        self.add_widget(view, before=self.findings.widget if self.findings else None)
        if self.findings is not None:
            self.findings.on_select(view.show_finding)
        return view

    def shown_metrics(self) -> tuple[str, ...]:
        """The metrics of the shown panels, in panel order, each once."""
        return tuple(dict.fromkeys(m for p in self.shown_panels for m in p.metrics))

    def status(self) -> dict[str, Any]:
        """The state and view as the JSON-ready dict the status widget and state file hold."""
        out = self.state.to_dict()
        out.update(
            x_domain=[self.x_scale.min, self.x_scale.max],
            tool=self.tool,
            theme=self._theme,
            panels=[panel_label(p.key) for p in self.panels],
            updates=self._updates,
            width=self.meter.width,
        )
        return out

    def guard(self, fn):
        """`fn`, catching its errors into the errors Output (a front-end callback's errors
        must be seen); the Output gets messages only when something fails.
        """

        @functools.wraps(fn)
        def run(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception:  # noqa: BLE001 - shown to the person, not swallowed
                self.errors.append_stderr(traceback.format_exc())
                return None

        return run

    def add_widget(self, widget, *, before=None) -> None:
        """Put `widget` in the explorer's column, above `before` (default: the summary)."""
        children = list(self.widget.children)
        anchor = self.summary_widget if before is None else before
        at = children.index(anchor) if anchor in children else len(children)
        self.widget.children = tuple(children[:at] + [widget] + children[at:])

    def close(self) -> None:
        """Close every widget of the explorer (and stop following its logs)."""
        self.state.following = False
        for p in self._panels.values():
            p.close()
        self.widget.close()

    @classmethod
    def follow(cls, source, interval: float = 5.0, **kwargs) -> Explorer:
        """Open the explorer on a training job's logs and append new points as they are written.

        Only the new bytes of event and JSONL files are read every `interval` seconds; new
        runs and metrics appear; brush, toggles and smoothing stay. ``ex.state.following =
        False`` pauses. `kwargs` go to :class:`Explorer`.
        """
        from ..live import Follower

        follower = Follower(source)
        if not follower.poll():
            raise RLExploreError(
                f"{source}: no scalar logged yet; try again once the job has written some"
            )
        ex = cls(follower.dataset, **kwargs)  # type: ignore[arg-type]  # polled: not None
        ex.follower, ex.follow_interval = follower, interval
        ex.state.following = True
        return ex

    def set_data(self, ds: xr.Dataset | None = None) -> None:
        """Show `ds` (for instance more points of the same runs), keeping what the person chose.

        Smoothing, toggles, panels and the brushed range stay (the range is reset when the
        x axis changed: a range on another axis means nothing); new runs and metrics appear.
        Without `ds`, rebuilds the view of the current data with the state's x axis and
        grouping.
        """
        st = self.state
        old_x, old_runs, old_metrics = self.model.x_axis, st.runs, st.available_metrics
        self.model.set_data(
            ds,
            x=st.x_axis,
            group_by=st.group_by,
            group_pattern=st.group_pattern,
            center=st.group_center,
            band=st.group_band,
        )
        model = self.model
        if model.runs != old_runs:
            self._new_run_widgets()
        else:
            self.overview.set_extent(model.extent)
            self.overview.label = self._x_label()
        for p in self._panels.values():
            p.x_axis.label = self._x_label()
        metrics = _next_metrics(st.metrics, old_metrics, model.metrics)
        for name in ("log_scale", "ignore_outliers", "pinned", "expanded"):  # panels that go away
            setattr(st, name, tuple(k for k in getattr(st, name) if k in metrics))
        with st.hold_trait_notifications():
            st.set_trait("runs", model.runs)
            st.set_trait("available_metrics", model.metrics)
            new_runs = tuple(r for r in model.runs if r not in old_runs)
            st.visible_runs = tuple(r for r in st.visible_runs if r in model.runs) + new_runs
        st.metrics = metrics  # its observer adds and removes panels before drawing
        if old_x != model.x_axis:
            st.step_range = None
        self._summary_memo = None
        self.render()

    def recolor(self, colors: dict[str, str]) -> None:
        """Give runs new colours everywhere they are drawn (lines, bands, legend, overview, summary)."""
        self.colors.update({run: c for run, c in colors.items() if run in self.colors})
        self.controls.recolor(self.state)
        self._summary_memo = None
        self.render()

    def to_matplotlib(self, **kwargs):
        """A static matplotlib figure of the current view, for papers (needs ``rlexplore[plot]``)."""
        return extensions.figure(self, **kwargs)

    def run_table(self, **kwargs):
        """A table of the runs and their metadata that filters, sorts, colours and groups them here."""
        return extensions.run_table(self, **kwargs)

    def export(self, kind: str = "CSV") -> bytes:
        """The data in view (every point) as ``"CSV"`` or ``"netCDF"``, or the view as ``"PNG"`` or ``"SVG"``."""
        return extensions.export_bytes(self, kind)

    def panel_data(self, key) -> pd.DataFrame:
        """Every point a panel shows, at full resolution: ``run, metric, step, raw, smoothed``."""
        p = self.panel(key)
        return self.model.panel_data(p.key, self.panel_view(p.key))

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # -- building ------------------------------------------------------------------------
    def _root(self, title: str | None) -> VBox:
        head = HTML(
            f"<h3>{html.escape(title)}</h3>" if title else "",
            layout=Layout(display=None if title else "none"),
        ).add_class("rlx-title")
        c = self.controls
        root = VBox(
            [
                HTML(STYLESHEET),
                self.meter,
                self.hover_tracker,
                head,
                c.bar,
                c.filter_error,
                c.legend,
                c.run_list,
                self.overview_metric,
                self.overview.figure,
                self.grid.widget,
                self.summary_widget,
                self.errors,
                self.status_widget,
            ],
            layout=Layout(width="100%"),
        )
        return root.add_class("rlx-explorer").add_class(f"rlx-theme-{self._theme}")

    def _x_label(self) -> str:
        x = self.model.x_axis
        return self.labels.get("step", "step") if x == "step" else axis_label(x)

    def _wire_controls(self) -> None:
        c, st, guard = self.controls, self.state, self.guard
        c.smoothing.observe(guard(lambda ch: setattr(st, "smoothing", ch["new"])), "value")
        c.method.observe(guard(lambda ch: setattr(st, "smoothing_method", ch["new"])), "value")
        c.run_filter.observe(guard(self._on_filter_text), "value")
        c.metric_filter.observe(guard(self._on_metric_filter_text), "value")
        c.show_raw.observe(guard(lambda ch: setattr(st, "show_raw", bool(ch["new"]))), "value")
        c.reset.on_click(guard(lambda _: st.reset_range()))
        c.tool.observe(guard(self._on_tool), "value")
        for run, entry in c.legend_entries.items():
            entry.on_click(guard(functools.partial(lambda r, _: st.toggle_run(r), run)))
        for run, box in c.checkboxes.items():
            box.observe(guard(functools.partial(self._on_checkbox, run)), "value")
        self.overview.brush.observe(guard(self._on_overview_brush), ["brushing", "selected"])
        if not getattr(self, "_overview_wired", False):  # the dropdown outlives new controls
            self._overview_wired = True
            self.overview_metric.observe(guard(self._on_overview_metric), "value")

    def _new_run_widgets(self) -> None:
        """Runs (or groups) changed: new colours, checkboxes, legend and overview."""
        self.colors.clear()
        self.colors.update({run: run_color(i) for i, run in enumerate(self.model.runs)})
        old_controls, old_overview = self.controls, self.overview
        self.short_names = short_names(self.model.runs)
        self.controls = Controls(self.model.runs, self.colors, self.short_names)
        self.overview = Overview(self.model.extent, self.colors, self._x_label())
        swap = {
            id(old_controls.bar): self.controls.bar,
            id(old_controls.filter_error): self.controls.filter_error,
            id(old_controls.run_list): self.controls.run_list,
            id(old_controls.legend): self.controls.legend,
            id(old_overview.figure): self.overview.figure,
        }
        self.widget.children = tuple(swap.get(id(c), c) for c in self.widget.children)
        self._wire_controls()
        extensions.add_widgets(self)
        for widget in (old_controls.bar, old_controls.run_list, old_controls.legend):
            widget.close()
        old_overview.figure.close()

    def _sync_panels(self) -> None:
        keys = self.state.metrics
        gone = [k for k in self._panels if k not in keys]
        for key in gone:
            self._panels.pop(key).close()
        self.model.drop(gone)
        for i, key in enumerate(keys):
            if key in self._panels:
                self._panels[key].set_index(i)
            else:
                self._panels[key] = self._make_panel(key, i)

    def _wants_markers(self, metric: str) -> bool:
        """Markers for a sparse metric: few points, logged every few steps (an evaluation)."""
        if self._markers is not None:
            return bool(self._markers)
        count = self.model.source.point_count(metric)
        lo, hi = self.model.extent
        return 0 < count <= MARKER_MAX_POINTS and hi - lo >= SPARSE_EVERY * (count - 1)

    def _make_panel(self, key, index: int) -> MetricPanel:
        p = MetricPanel(
            key,
            index,
            x_scale=self.x_scale,
            brush_scale=self.brush_scale,
            colors=self.colors,
            labels={**self.labels, "step": self._x_label()},
            markers=[self._wants_markers(m) for m in panel_metrics(key)],
        )
        self.model.panel(key, margin=p.margin)
        p.figure.interaction = p.brush if self.tool == "zoom" else p.cursor
        p.brush.observe(self.guard(self._on_brush), ["brushing", "selected"])
        p.cursor.observe(self.guard(self._on_cursor), "selected")
        tb, st = p.toolbar, self.state

        def option(widget, name: str) -> None:
            widget.observe(
                self.guard(lambda ch: st.set_panel_option(name, key, bool(ch["new"]))), "value"
            )

        option(tb.pin, "pinned")
        option(tb.expand, "expanded")

        def menu(tb: PanelToolbar) -> None:  # when the menu is first opened
            option(tb.log_scale, "log_scale")
            option(tb.ignore_outliers, "ignore_outliers")
            name = css_slug(panel_label(key))
            tb.csv.on_click(
                self.guard(
                    lambda _: tb.offer_csv(
                        panel_label(key), self.panel_data(key).to_csv(index=False)
                    )
                )
            )
            tb.png.on_click(self.guard(lambda _: p.figure.save_png(f"{name}.png")))
            tb.svg.on_click(self.guard(lambda _: p.figure.save_svg(f"{name}.svg")))

        tb.when_built(menu)
        return p

    # -- state -> widgets ------------------------------------------------------------------
    def _on_state(self, change) -> None:
        if change["name"] == "hover_step" and change["new"] is not None:
            snapped = self.snap_step(change["new"])
            if snapped != change["new"]:
                self.state.hover_step = snapped  # its own change draws it
                return
        # every change is published in the status; the stages draw what it changed
        self.guard(self.render)(STAGES.get(change["name"], ()))

    def render(self, stages=ALL_STAGES) -> None:
        """Bring the widgets in line with the state: only the `stages` named (see :data:`STAGES`)."""
        stages = set(stages)
        st = self.state
        if "panels" in stages:
            self._sync_panels()
        domain = self.model.x_domain(st.step_range)
        if stages & {"x", "lines"}:
            self._set_x_domain(domain)
        if "lines" in stages:
            self._draw_lines(domain)
        if stages & {"grid", "panels"}:
            self.grid.render(
                self.shown_panels, st.pinned, st.expanded, unfold=bool(st.metric_filter)
            )
        if stages & {"toolbar", "panels"}:
            self._show_toolbars()
        if stages & {"overview", "panels"}:
            self._draw_overview()
        if "controls" in stages:
            self.controls.render(st)
        if "summary" in stages:
            self._render_summary()
        if "hover" in stages:
            self._show_readouts()
        self._write_status()

    def _draw_lines(self, domain) -> None:
        panels = self.shown_panels
        self.grid.set_columns(self.shown_columns)
        for p in panels:
            p.fit_height(self.panel_width(p.key))
            p.show_raw(self.state.show_raw)
        frames = self.model.frames({p.key: self.panel_view(p.key) for p in panels})
        for p in panels:
            p.draw(frames[p.key])
            p.set_x_ticks(domain, frames[p.key].view.width_px)

    def _draw_overview(self) -> None:
        st, ov = self.state, self.overview
        first = self._overview_metric()
        method, weight = self.overview_smoothing
        width = max(1, self.row_width - ov.margin)
        ov.draw(self.model.overview(first, st.shown_runs, method, weight, width))
        ov.show_range(st.step_range)

    def _on_overview_metric(self, change) -> None:
        if not getattr(self, "_choosing", False):
            self.render({"overview"})

    def _overview_metric(self) -> str | None:
        """The metric the overview strip draws: the one chosen, else the first panel's; the
        dropdown (``rlx-overview-metric``) says which and offers the shown panels' metrics.
        """
        options = list(self.shown_metrics())
        menu = self.overview_metric
        if list(menu.options) != options:
            keep = menu.value if menu.value in options else (options[0] if options else None)
            self._choosing = True  # the menu's own observer must not draw meanwhile
            try:
                menu.options = options
                menu.value = keep
            finally:
                self._choosing = False
        return menu.value

    def _show_toolbars(self) -> None:
        st = self.state
        for p in self.panels:
            p.toolbar.show(
                pinned=p.key in st.pinned,
                expanded=p.key in st.expanded,
                log_scale=p.key in st.log_scale,
                ignore_outliers=p.key in st.ignore_outliers,
            )

    def snap_step(self, step: float, key=None) -> float:
        """The logged step (on the x axis) nearest to `step` among the shown runs' points of
        the shown panels' metrics (of panel `key` only, when given); `step` if none is.
        """
        st = self.state
        metrics = panel_metrics(panel_key(key)) if key is not None else self.shown_metrics()
        best = None
        for metric in metrics:
            for run in st.shown_runs:
                found = self.model.at_step(run, metric, step, st.smoothing_method, st.smoothing)
                if found is not None and (best is None or abs(found[0] - step) < abs(best - step)):
                    best = float(found[0])
        return step if best is None else best

    def _on_pointer(self, change) -> None:
        pointer = change["new"]
        if not pointer or not 0 <= int(pointer.get("panel", -1)) < len(self.state.metrics):
            self.state.hover_step = None
            return
        key = self.state.metrics[int(pointer["panel"])]
        lo, hi = self.x_scale.min, self.x_scale.max
        step = self.snap_step(lo + float(pointer["fx"]) * (hi - lo), key)
        if step != self.state.hover_step:
            self.state.hover_step = step

    def _show_readouts(self) -> None:
        st = self.state
        for p in self.shown_panels:
            step = st.hover_step
            p.show_readout("" if step is None else self._readout_html(p, step))

    def _readout_html(self, p: MetricPanel, step: float) -> str:
        """The tooltip table of panel `p` at `step`: each shown run's value at its logged step
        nearest to `step` (most first), raw and smoothed.
        """
        st = self.state
        head = f"<b>{html.escape(p.x_axis.label or 'step')} {step:.6g}</b>"
        body = []
        for metric in p.metrics:
            rows = []
            for run in st.shown_runs:
                found = self.model.at_step(run, metric, step, st.smoothing_method, st.smoothing)
                if found is not None:
                    rows.append((run, *found))
            if p.dual or len(p.metrics) > 1:
                body.append(f'<tr><th colspan="4">{html.escape(metric)}</th></tr>')
            rows.sort(key=lambda r: -r[3] if math.isfinite(r[3]) else math.inf)
            body += [self._readout_row(run, at, raw, sm, step) for run, at, raw, sm in rows]
        return (
            f'{head}<table class="rlx-tooltip"><tr><th></th><th>smoothed</th><th>raw</th>'
            f"<th></th></tr>{''.join(body)}</table>"
        )

    def _readout_row(self, run: str, at: float, raw: float, smoothed: float, step: float) -> str:
        name = html.escape(self.short_names.get(run, run))
        where = "" if at == step else f"@{at:.6g}"
        return (
            f'<tr><td title="{html.escape(run)}"><span class="rlx-swatch" '
            f'style="background:{self.colors[run]}"></span>{name}</td>'
            f"<td><b>{smoothed:.4g}</b></td><td>{raw:.4g}</td><td>{where}</td></tr>"
        )

    def _set_x_domain(self, domain) -> None:
        lo, hi = float(domain[0]), float(domain[1])
        if (self.x_scale.min, self.x_scale.max) == (lo, hi):
            return
        for scale in (self.x_scale, self.brush_scale):
            with scale.hold_sync():
                scale.min, scale.max = lo, hi

    def _render_summary(self) -> None:
        st = self.state
        memo = (st.shown_runs, st.shown_metrics, st.step_range)
        if memo != self._summary_memo:
            self._summary_memo = memo
            axis = "steps" if st.x_axis == "step" else axis_label(st.x_axis)
            self.summary_widget.show(
                self.summary(), self.colors, st.step_range, axis, self.short_names
            )

    def _write_status(self) -> None:
        self._updates += 1
        state = self.status()
        self.status_widget.value = status_html(state)
        write_state_file(state)

    # -- data traits and following -----------------------------------------------------------
    def _on_data_trait(self, change) -> None:
        try:
            self.set_data()
        except RLExploreError as err:
            self.state.set_trait(change["name"], change["old"])
            extensions.show_x_axis(self)
            self.controls.show_filter_error(str(err))

    def _on_following(self, change) -> None:
        if change["new"]:
            if self.follower is None:
                self.state.set_trait("following", False)
                raise RLExploreError(
                    "this explorer was not opened with Explorer.follow(logdir): nothing to follow"
                )
            if self.watch is None or not self.watch.running:
                self.watch = self.follower.start(self.follow_interval, self.guard(self.set_data))
        elif self.watch is not None:
            self.watch.stop()

    # -- widgets -> state ------------------------------------------------------------------
    def _on_filter_text(self, change) -> None:
        try:
            self.state.run_filter = change["new"]
        except StateError as exc:
            self.controls.show_filter_error(str(exc))

    def _on_metric_filter_text(self, change) -> None:
        try:
            self.state.metric_filter = change["new"]
        except StateError as exc:
            self.controls.show_filter_error(str(exc))

    def _on_checkbox(self, run: str, change) -> None:
        if change["new"] != (run in self.state.visible_runs):
            self.state.toggle_run(run)

    def _on_tool(self, change) -> None:
        for p in self._panels.values():
            p.figure.interaction = p.brush if change["new"] == "zoom" else p.cursor
        if change["new"] == "zoom":
            self.state.hover_step = None
        self._write_status()

    def _released(self, brush) -> bool:
        """Whether this change ends a gesture on `brush` (``brushing`` turned False)."""
        if brush.brushing:
            self._brushing.add(id(brush))
            self._zoomed_early.pop(id(brush), None)  # a new gesture: an unconfirmed one is over
            return False
        if id(brush) not in self._brushing:
            return False
        self._brushing.discard(id(brush))
        return True

    def _on_brush(self, change) -> None:
        brush = change["owner"]
        if not self._released(brush):
            return
        picked = _interval(brush.selected)
        brush.selected = None  # clear before the brush scale moves: it never holds a selection then
        early = self._zoomed_early.pop(id(brush), None)
        if early is not None and (picked is None or _same_span(picked, early)):
            return  # the page's tracker reported this gesture first, and it is drawn
        # A click without a drag (d3 sends one gesture for a double-click) shows every step.
        self.state.step_range = picked

    def _on_release(self, change) -> None:
        """A drag across a panel ended (reported by the page at the mouse-up, a round trip
        before the brush's report): zoom to its span now.
        """
        release = change["new"]
        metrics = self.state.metrics
        if not release or self.tool != "zoom" or not 0 <= int(release["panel"]) < len(metrics):
            return
        lo, hi = self.brush_scale.min, self.brush_scale.max
        f0, f1 = sorted(min(1.0, max(0.0, float(release[k]))) for k in ("f0", "f1"))
        picked = _interval([lo + f0 * (hi - lo), lo + f1 * (hi - lo)])
        if picked is None:
            return
        brush = self.panel(metrics[int(release["panel"])]).brush
        brush.selected = None
        self._zoomed_early[id(brush)] = picked
        self.state.step_range = picked

    def _on_overview_brush(self, change) -> None:
        if self._released(change["owner"]):
            self.state.step_range = _interval(change["owner"].selected)

    def _on_cursor(self, change) -> None:
        selected = change["new"]
        self.state.hover_step = (
            None if selected is None or len(selected) == 0 else float(selected[0])
        )


def _next_metrics(current, old_available, available):
    """Keep the person's panels; when they showed every metric, show every metric still."""
    if tuple(current) == tuple(old_available):
        return available
    keep = set(available)
    return tuple(k for k in current if all(m in keep for m in ((k,) if isinstance(k, str) else k)))


def _interval(selected) -> tuple[float, float] | None:
    """A brush's ``selected`` as a ``(lo, hi)`` range, or None when empty or of zero width."""
    if selected is None or len(selected) != 2:
        return None
    lo, hi = sorted(float(v) for v in selected)
    return (lo, hi) if hi > lo and math.isfinite(lo) and math.isfinite(hi) else None


def _same_span(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether two ranges are one gesture's, measured twice (within 1 % of their width)."""
    tolerance = 0.01 * max(a[1] - a[0], b[1] - b[0])
    return abs(a[0] - b[0]) <= tolerance and abs(a[1] - b[1]) <= tolerance


def _check_columns(columns: Any) -> int:
    if isinstance(columns, bool) or not isinstance(columns, int) or columns < 1:
        raise RLExploreError(f"columns must be a whole number >= 1, got {columns!r}")
    return columns


def _check_theme(theme: str) -> str:
    if theme not in THEMES:
        raise RLExploreError(f"unknown theme {theme!r}; expected one of {THEMES}")
    return theme
