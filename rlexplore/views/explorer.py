"""The explorer: linked bqplot panels with smoothing, run toggles and step brushing.

:class:`Explorer` holds an :class:`~rlexplore.state.ExplorerState` (``ex.state``) and turns
it into widgets. Every panel draws on one shared x :class:`bqplot.LinearScale`
(``ex.x_scale``), so zoom is synchronized by construction. The panels' brushes live on a
second scale that only ever changes while no brush holds a selection, and the overview
strip has its own scale that never zooms: brushing never zooms the scale it brushes on.
A brush acts when ``brushing`` turns False. A click or double-click on a panel without
dragging (d3 reports a double-click as one empty gesture), the reset button, or a click
outside the overview's range shows every step again.

CSS classes (stable, for browser tests and styling):

==============================================  =============================================
``rlx-explorer`` (+ ``rlx-theme-auto|light|dark``)  the root widget
``rlx-title``                                    the title over the grid (``title=``)
``rlx-controls``                                 the bar of shared controls
``rlx-smoothing``                                smoothing FloatSlider (``continuous_update=False``)
``rlx-smoothing-method``                         smoothing method Dropdown
``rlx-run-filter``                               run filter Text (a regular expression)
``rlx-error``                                    why a typed run filter was not applied
``rlx-tool``                                     ToggleButtons ``zoom`` / ``inspect`` (hover readout)
``rlx-reset``                                    Button: show every step again
``rlx-runs``, ``rlx-run-checkbox``               the run checkboxes
``rlx-overview``                                 the overview strip (Figure with its own brush)
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
``rlx-readout``                                  a panel's hover readout
``rlx-legend``, ``rlx-legend-entry``             the legend and its Buttons (``rlx-off``: hidden)
``rlx-run-<i>``, ``rlx-run-name-<slug>``         per run, on legend entries and checkboxes: ``i``
                                                 is the run's dataset index, ``slug`` its name
                                                 with runs of other characters than
                                                 ``[A-Za-z0-9_-]`` replaced by ``-``
``rlx-summary``                                  the summary table (HTML)
``rlx-errors``                                   Output widget showing callback errors
``rlx-status``                                   HTML ``STATE <json>``, rewritten after every
                                                 change (also written to ``$RLX_STATE_FILE``)
==============================================  =============================================
"""

from __future__ import annotations

import functools
import html
import math
from typing import Any

import bqplot as bq
import pandas as pd
import xarray as xr
from ipywidgets import HTML, Layout, Output, VBox

from ..errors import RLExploreError
from ..state import ExplorerState, StateError, panel_key, panel_label
from . import extensions
from .controls import TOOLS, Controls
from .datasource import ViewStore
from .findings import findings_view
from .layout import PanelGrid
from .overview import Overview
from .panel import MetricPanel, PanelView
from .status import status_html, write_state_file
from .summary import summary_html
from .theme import ROW_WIDTH_PX, STYLESHEET, THEMES, css_slug, run_color


class Explorer:
    """Linked panels of an rlexplore Dataset, with smoothing, run toggles and step brushing.

    Parameters
    ----------
    ds : xarray.Dataset
        An rlexplore dataset (see :func:`rlexplore.validate`).
    metrics : sequence, optional
        The panels: metric names, or ``(left, right)`` pairs for dual-axis panels.
        Default: every metric, in dataset order.
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
    ) -> None:
        self._ds = ds
        self._store = ViewStore(
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
        self.state = ExplorerState(self._store.runs, self._store.metrics, **traits)
        self.labels, self._markers, self._theme = dict(labels or {}), markers, _check_theme(theme)
        self.colors = {run: run_color(i) for i, run in enumerate(self._store.runs)}
        lo, hi = self._store.extent
        self.x_scale = bq.LinearScale(min=lo, max=hi)
        self._brush_scale = bq.LinearScale(min=lo, max=hi)
        self.controls = Controls(self._store.runs, self.colors)
        self.overview = Overview(self._store, self.colors, self.labels.get("step", "step"))
        self._grid = PanelGrid(self.columns, sections)
        self._panels: dict[Any, MetricPanel] = {}
        self._brushing: set[int] = set()
        self._updates, self._summary_memo = 0, None
        self._summary = HTML().add_class("rlx-summary")
        self._status = HTML().add_class("rlx-status")
        self._errors = Output().add_class("rlx-errors")
        self.widget = self._root(title)
        self._wire_controls()
        self.state.observe(self._on_state)
        self._sync_panels()
        self._render()
        extensions.install(self)
        self.findings = findings_view(self, ds, findings)

    # -- public ------------------------------------------------------------------------
    @property
    def panels(self) -> list[MetricPanel]:
        """The panels, in ``state.metrics`` order."""
        return [self._panels[key] for key in self.state.metrics]

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

    def summary(self) -> pd.DataFrame:
        """last, min, max and mean of each shown run and panel metric, over ``state.step_range``.

        Returns
        -------
        pandas.DataFrame
            Index levels ``run`` and ``metric``; columns ``last``, ``min``, ``max``, ``mean``
            (raw values; NaN where a run logged nothing in the range).
        """
        metrics = tuple(dict.fromkeys(m for p in self.panels for m in p.metrics))
        return self._store.summary(self.state.shown_runs, metrics, self.state.step_range)

    def status(self) -> dict[str, Any]:
        """The state and view as the JSON-ready dict the status widget and state file hold."""
        out = self.state.to_dict()
        out.update(
            x_domain=[self.x_scale.min, self.x_scale.max],
            tool=self.tool,
            theme=self._theme,
            panels=[panel_label(p.key) for p in self.panels],
            updates=self._updates,
        )
        return out

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
        ex = cls(follower.dataset, **kwargs)
        extensions.follow(ex, follower, interval)
        return ex

    def set_data(self, ds: xr.Dataset) -> None:
        """Show `ds` (for instance more points of the same runs), keeping what the person chose."""
        extensions.swap_data(self, ds)

    def to_matplotlib(self, **kwargs):
        """A static matplotlib figure of the current view, for papers (needs ``rlexplore[plot]``)."""
        return extensions.figure(self, **kwargs)

    def run_table(self, **kwargs):
        """A table of the runs and their metadata that filters, sorts, colours and groups them here."""
        return extensions.run_table(self, **kwargs)

    def export(self, kind: str = "CSV") -> bytes:
        """The data in view (every point) as ``"CSV"`` or ``"netCDF"``, or the view as ``"PNG"`` or ``"SVG"``."""
        return extensions.export_bytes(self, kind)

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
                head,
                c.bar,
                c.filter_error,
                c.run_list,
                self.overview.figure,
                self._grid.widget,
                c.legend,
                self._summary,
                self._errors,
                self._status,
            ],
            layout=Layout(width="100%"),
        )
        return root.add_class("rlx-explorer").add_class(f"rlx-theme-{self._theme}")

    def _guard(self, fn):
        """Run a front-end callback inside the errors Output, so its errors are seen."""

        @functools.wraps(fn)
        def run(*args, **kwargs):
            with self._errors:
                return fn(*args, **kwargs)

        return run

    def _wire_controls(self) -> None:
        c, st = self.controls, self.state
        c.smoothing.observe(self._guard(lambda ch: setattr(st, "smoothing", ch["new"])), "value")
        c.method.observe(
            self._guard(lambda ch: setattr(st, "smoothing_method", ch["new"])), "value"
        )
        c.run_filter.observe(self._guard(self._on_filter_text), "value")
        c.reset.on_click(self._guard(lambda _: st.reset_range()))
        c.tool.observe(self._guard(self._on_tool), "value")
        for run, entry in c.legend_entries.items():
            entry.on_click(self._guard(functools.partial(lambda r, _: st.toggle_run(r), run)))
        for run, box in c.checkboxes.items():
            box.observe(self._guard(functools.partial(self._on_checkbox, run)), "value")
        self.overview.brush.observe(self._guard(self._on_overview_brush), ["brushing", "selected"])

    def _sync_panels(self) -> None:
        keys = self.state.metrics
        for key in [k for k in self._panels if k not in keys]:
            self._panels.pop(key).close()
        for i, key in enumerate(keys):
            if key in self._panels:
                self._panels[key].set_index(i)
            else:
                self._panels[key] = self._make_panel(key, i)

    def _make_panel(self, key, index: int) -> MetricPanel:
        p = MetricPanel(
            key,
            index,
            self._store,
            x_scale=self.x_scale,
            brush_scale=self._brush_scale,
            colors=self.colors,
            labels=self.labels,
            markers=self._markers,
        )
        p.figure.interaction = p.brush if self.tool == "zoom" else p.cursor
        p.brush.observe(self._guard(self._on_brush), ["brushing", "selected"])
        p.cursor.observe(self._guard(self._on_cursor), "selected")
        tb, st = p.toolbar, self.state
        for widget, option in (
            (tb.pin, "pinned"),
            (tb.expand, "expanded"),
            (tb.log_scale, "log_scale"),
            (tb.ignore_outliers, "ignore_outliers"),
        ):
            widget.observe(
                self._guard(
                    functools.partial(
                        lambda o, ch: st.set_panel_option(o, key, bool(ch["new"])), option
                    )
                ),
                "value",
            )
        tb.csv.on_click(
            self._guard(
                lambda _: tb.offer_csv(panel_label(key), self.panel_data(key).to_csv(index=False))
            )
        )
        tb.png.on_click(
            self._guard(lambda _: p.figure.save_png(f"{css_slug(panel_label(key))}.png"))
        )
        tb.svg.on_click(
            self._guard(lambda _: p.figure.save_svg(f"{css_slug(panel_label(key))}.svg"))
        )
        return p

    def panel_data(self, key) -> pd.DataFrame:
        """Every point a panel shows, at full resolution: ``run, metric, step, raw, smoothed``."""
        p = self.panel(key)
        return p.to_frame(self._panel_view(p))

    # -- state -> widgets ------------------------------------------------------------------
    def _on_state(self, change) -> None:
        if change["name"] == "metrics":
            self._sync_panels()
        self._render()

    def _render(self) -> None:
        st = self.state
        domain = st.step_range or self._store.extent
        zoom_in = domain[1] - domain[0] < self.x_scale.max - self.x_scale.min
        if not zoom_in:  # the lines are about to grow: rescale while they are short
            self._set_x_domain(domain)
        self._store.prefetch(
            st.shown_runs, [m for p in self.panels for m in p.metrics]
        )  # lazy data: one read
        for p in self.panels:
            p.toolbar.show(
                pinned=p.key in st.pinned,
                expanded=p.key in st.expanded,
                log_scale=p.key in st.log_scale,
                ignore_outliers=p.key in st.ignore_outliers,
            )
            p.render(self._panel_view(p), scales_first=not zoom_in)
        if zoom_in:
            self._set_x_domain(domain)
        for p in self.panels:
            p.set_x_ticks(domain, self._panel_view(p).width_px)
        self._grid.render(self.panels, st.pinned, st.expanded)
        first = self.panels[0].metrics[0] if self.panels else None
        self.overview.render(first, st.shown_runs, st.smoothing_method, st.smoothing, st.step_range)
        self.controls.render(st)
        self._render_summary()
        self._write_status()

    def _panel_view(self, p: MetricPanel) -> PanelView:
        st = self.state
        width = ROW_WIDTH_PX if p.key in st.expanded else ROW_WIDTH_PX // self.columns
        return PanelView(
            shown=st.shown_runs,
            method=st.smoothing_method,
            weight=st.smoothing,
            step_range=st.step_range,
            log=p.key in st.log_scale,
            outliers=p.key in st.ignore_outliers,
            width_px=width,
            hover_step=st.hover_step,
        )

    def _set_x_domain(self, domain) -> None:
        lo, hi = float(domain[0]), float(domain[1])
        if (self.x_scale.min, self.x_scale.max) == (lo, hi):
            return
        for scale in (self.x_scale, self._brush_scale):
            with scale.hold_sync():
                scale.min, scale.max = lo, hi

    def _render_summary(self) -> None:
        st = self.state
        memo = (st.shown_runs, st.metrics, st.step_range)
        if memo != self._summary_memo:
            self._summary_memo = memo
            axis = "steps" if st.x_axis == "step" else extensions.axis_label(st.x_axis)
            self._summary.value = summary_html(self.summary(), self.colors, st.step_range, axis)

    def _write_status(self) -> None:
        self._updates += 1
        state = self.status()
        self._status.value = status_html(state)
        write_state_file(state)

    # -- widgets -> state ------------------------------------------------------------------
    def _on_filter_text(self, change) -> None:
        try:
            self.state.run_filter = change["new"]
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
        # A click without a drag (d3 sends one gesture for a double-click) shows every step.
        self.state.step_range = picked

    def _on_overview_brush(self, change) -> None:
        if self._released(change["owner"]):
            self.state.step_range = _interval(change["owner"].selected)

    def _on_cursor(self, change) -> None:
        selected = change["new"]
        self.state.hover_step = (
            None if selected is None or len(selected) == 0 else float(selected[0])
        )


def _interval(selected) -> tuple[float, float] | None:
    """A brush's ``selected`` as a ``(lo, hi)`` range, or None when empty or of zero width."""
    if selected is None or len(selected) != 2:
        return None
    lo, hi = sorted(float(v) for v in selected)
    return (lo, hi) if hi > lo and math.isfinite(lo) and math.isfinite(hi) else None


def _check_columns(columns: Any) -> int:
    if isinstance(columns, bool) or not isinstance(columns, int) or columns < 1:
        raise RLExploreError(f"columns must be a whole number >= 1, got {columns!r}")
    return columns


def _check_theme(theme: str) -> str:
    if theme not in THEMES:
        raise RLExploreError(f"unknown theme {theme!r}; expected one of {THEMES}")
    return theme
