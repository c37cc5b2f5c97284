"""The explorer beyond its core: new data (live follow), any x axis, groups as bands, export.

Everything here acts on an :class:`~rlexplore.views.explorer.Explorer` through its state
and one operation, :func:`swap_data`: build a new
:class:`~rlexplore.views.datasource.ViewStore` (new points, another x axis, another
grouping) and put it under the existing panels. The state keeps what the person chose:
smoothing, toggles, panels, the brushed range (reset only when the x axis changes, since a
range on another axis means nothing), and new runs and metrics appear.

:func:`install` adds the widgets (x axis switch, export buttons) and the observers of
the traits ``x_axis``, ``group_by``, ``group_pattern``, ``group_center``, ``group_band``
and ``following``.
"""

from __future__ import annotations

import base64
import functools
import html
import io
from typing import Any

import bqplot as bq
import numpy as np
from ipywidgets import HTML, Button, Dropdown, HBox, Layout

from ..errors import RLExploreError
from ..export import to_csv, to_matplotlib, view_data
from ..transforms.xaxis import axis_label, step_range, x_choices, x_values
from .controls import Controls
from .datasource import ViewStore
from .lines import band_xy, window
from .overview import Overview
from .theme import run_color

DATA_TRAITS = ("x_axis", "group_by", "group_pattern", "group_center", "group_band")
EXPORTS = ("CSV", "netCDF", "PNG", "SVG")


def install(ex) -> None:
    """Add the x axis switch and export buttons to `ex` and follow its data traits."""
    ex._extras = _Extras(ex)
    ex.state.observe(ex._guard(functools.partial(_on_data_trait, ex)), names=list(DATA_TRAITS))
    ex.state.observe(ex._guard(functools.partial(_on_following, ex)), names="following")
    _add_widgets(ex)


class _Extras:
    """The widgets this module adds to an explorer."""

    def __init__(self, ex) -> None:
        self.x_axis = Dropdown(
            options=x_choices(ex._ds),
            value=ex.state.x_axis,
            description="x axis",
            style={"description_width": "initial"},
            layout=Layout(width="200px"),
        )
        self.x_axis.add_class("rlx-x-axis")
        self.x_axis.observe(ex._guard(lambda ch: setattr(ex.state, "x_axis", ch["new"])), "value")
        self.buttons = {
            kind: Button(
                description=kind,
                tooltip=f"download the data in view as {kind}",
                layout=Layout(width="72px"),
            ).add_class(f"rlx-export-{kind.lower()}")
            for kind in EXPORTS
        }
        for kind, button in self.buttons.items():
            button.on_click(ex._guard(functools.partial(lambda k, _: offer(ex, k), kind)))
        self.link = HTML().add_class("rlx-export-link")
        self.box = HBox([*self.buttons.values(), self.link], layout=Layout(align_items="center"))
        self.box.add_class("rlx-export")
        self.watch = None
        self.follower = None


def _add_widgets(ex) -> None:
    bar = ex.controls.bar
    extra = (ex._extras.x_axis, ex._extras.box)
    bar.children = tuple(c for c in bar.children if c not in extra) + extra


# -- new data ------------------------------------------------------------------------------
def swap_data(ex, ds=None) -> None:
    """Rebuild `ex`'s series from `ds` (default: its current data) with the state's options."""
    ds = ex._ds if ds is None else ds
    st = ex.state
    store = ViewStore(
        ds,
        x=st.x_axis,
        group_by=st.group_by,
        group_pattern=st.group_pattern,
        center=st.group_center,
        band=st.group_band,
    )
    x_changed = getattr(ex._store, "x_axis", "step") != st.x_axis
    ex._ds = ds
    _swap_store(ex, store)
    if x_changed:
        st.step_range = None
    choices = x_choices(ds)
    if list(ex._extras.x_axis.options) != choices:
        ex._extras.x_axis.options = choices
    ex._extras.x_axis.value = st.x_axis


def _swap_store(ex, store: ViewStore) -> None:
    st, old_metrics = ex.state, ex.state.available_metrics
    old_runs, ex._store = st.runs, store
    if store.runs != old_runs:
        _new_run_widgets(ex, store)
    else:  # the same runs on new data or a new axis: the overview redraws them
        ov = ex.overview
        ov._store = store
        ov._held.clear()
        with ov.scale.hold_sync():
            ov.scale.min, ov.scale.max = store.extent
    for p in ex._panels.values():
        p._store = store
        p._held.clear()
        p._memo.clear()
        p.x_axis.label = _x_label(ex, store.x_axis)
    metrics = _next_metrics(st.metrics, old_metrics, store.metrics)
    for name in ("log_scale", "ignore_outliers", "pinned", "expanded"):  # panels that go away
        setattr(st, name, tuple(k for k in getattr(st, name) if k in metrics))
    with st.hold_trait_notifications():
        st.set_trait("runs", store.runs)
        st.set_trait("available_metrics", store.metrics)
        new_runs = tuple(r for r in store.runs if r not in old_runs)
        st.visible_runs = tuple(r for r in st.visible_runs if r in store.runs) + new_runs
    st.metrics = metrics  # its observer adds and removes panels before drawing
    ex._sync_panels()
    ex._summary_memo = None
    ex._render()


def _next_metrics(current, old_available, available):
    """Keep the person's panels; when they showed every metric, show every metric still."""
    if tuple(current) == tuple(old_available):
        return available
    keep = set(available)
    return tuple(k for k in current if all(m in keep for m in ((k,) if isinstance(k, str) else k)))


def _new_run_widgets(ex, store: ViewStore) -> None:
    """Runs (or groups) changed: new colours, checkboxes, legend and overview lines."""
    ex.colors.clear()
    ex.colors.update({run: run_color(i) for i, run in enumerate(store.runs)})
    old = {
        id(ex.controls.bar): None,
        id(ex.controls.filter_error): None,
        id(ex.controls.run_list): None,
        id(ex.controls.legend): None,
        id(ex.overview.figure): None,
    }
    old_controls, old_overview = ex.controls, ex.overview
    ex.controls = Controls(store.runs, ex.colors)
    ex.overview = Overview(store, ex.colors, _x_label(ex, store.x_axis))
    new = [
        ex.controls.bar,
        ex.controls.filter_error,
        ex.controls.run_list,
        ex.controls.legend,
        ex.overview.figure,
    ]
    swap = dict(zip(old, new))
    ex.widget.children = tuple(swap.get(id(c), c) for c in ex.widget.children)
    ex._wire_controls()
    _add_widgets(ex)
    for widget in (
        old_controls.bar,
        old_controls.run_list,
        old_controls.legend,
        old_overview.figure,
    ):
        widget.close()


def _x_label(ex, x: str) -> str:
    return ex.labels.get("step", "step") if x == "step" else axis_label(x)


def _on_data_trait(ex, change) -> None:
    try:
        swap_data(ex)
    except RLExploreError as err:
        ex.state.set_trait(change["name"], change["old"])
        ex._extras.x_axis.value = ex.state.x_axis
        ex.controls.show_filter_error(str(err))


# -- following -----------------------------------------------------------------------------
def follow(ex, follower, interval: float) -> None:
    """Make `ex` follow `follower`, polling every `interval` seconds."""
    ex._extras.follower, ex._extras.interval = follower, interval
    ex.state.following = True


def _on_following(ex, change) -> None:
    extras = ex._extras
    if change["new"]:
        if extras.follower is None:
            ex.state.set_trait("following", False)
            raise RLExploreError(
                "this explorer was not opened with Explorer.follow(logdir): nothing to follow"
            )
        if extras.watch is None or not extras.watch.running:
            extras.watch = extras.follower.start(
                extras.interval, ex._guard(lambda ds: swap_data(ex, ds))
            )
    elif extras.watch is not None:
        extras.watch.stop()


# -- export --------------------------------------------------------------------------------
def view_options(ex) -> dict[str, Any]:
    """The keyword options of :mod:`rlexplore.export` for what `ex` shows right now."""
    st, store = ex.state, ex._store
    runs = [m for g in st.shown_runs for m in store.members.get(g, (g,))]
    metrics = list(dict.fromkeys(m for p in ex.panels for m in p.metrics))
    steps = None
    if st.step_range is not None:
        lo, hi = st.step_range
        steps = step_range(x_values(ex._ds.sel(run=runs), st.x_axis), lo, hi) if runs else None
    return dict(
        runs=runs, metrics=metrics, steps=steps, smoothing=st.smoothing, method=st.smoothing_method
    )


def figure(ex, **kwargs: Any):
    """A static matplotlib figure of what `ex` shows (see :func:`rlexplore.export.to_matplotlib`)."""
    st = ex.state
    options = view_options(ex)
    group = (
        dict(
            group_by=st.group_by or None,
            pattern=st.group_pattern or None,
            center=st.group_center,
            band=st.group_band,
        )
        if ex._store.grouped
        else {}
    )
    return to_matplotlib(ex._ds, x=st.x_axis, colors=dict(ex.colors), **group, **options, **kwargs)


def export_bytes(ex, kind: str) -> bytes:
    """The data (CSV, netCDF) or the figure (PNG, SVG) of the view, as bytes."""
    if kind == "CSV":
        return to_csv(ex._ds, **view_options(ex)).encode("utf-8")
    if kind == "netCDF":
        return view_data(ex._ds, **view_options(ex)).to_netcdf(engine="h5netcdf")
    if kind in ("PNG", "SVG"):
        buf = io.BytesIO()
        figure(ex).savefig(buf, format=kind.lower(), dpi=150)
        return buf.getvalue()
    raise RLExploreError(f"unknown export {kind!r}; expected one of {EXPORTS}")


_MIME = {
    "CSV": ("text/csv", "csv"),
    "netCDF": ("application/x-netcdf", "nc"),
    "PNG": ("image/png", "png"),
    "SVG": ("image/svg+xml", "svg"),
}


def offer(ex, kind: str) -> None:
    """Show a download link for the view as `kind` (the bytes go base64 in the link)."""
    mime, ext = _MIME[kind]
    data = base64.b64encode(export_bytes(ex, kind)).decode("ascii")
    name = html.escape(f"rlexplore-view.{ext}")
    ex._extras.link.value = (
        f'<a download="{name}" href="data:{mime};base64,{data}">download {name}</a>'
    )


# -- bands ---------------------------------------------------------------------------------
BAND_OPACITY = 0.2


def band_marks(panel, view) -> list:
    """The band marks of a panel's shown groups, brought up to date (none without grouping)."""
    band = getattr(panel._store, "band", None)
    if band is None or panel._store.lower is None or panel._store.band_kind == "none":
        return []
    marks = []
    for side, metric in enumerate(panel.metrics):
        for run in view.shown:
            key = (run, side, "band")
            mark = panel._marks.get(key)
            if mark is None:
                color = panel._colors[run]
                mark = panel._marks[key] = bq.Lines(
                    x=np.empty(0),
                    y=np.empty((2, 0)),
                    fill="between",
                    colors=[color, color],
                    fill_colors=[color, color],
                    fill_opacities=[BAND_OPACITY, 0.0],
                    stroke_width=0.0,
                    enable_hover=False,
                    scales={"x": panel.x_scale, "y": panel._y[side][panel._mode]},
                )
            _draw_band(panel, mark, key, metric, view)
            marks.append(mark)
    return marks


def band_values(panel, side: int, view) -> list[np.ndarray]:
    """The band edges in view, so that a panel's y range holds its bands too."""
    if getattr(panel._store, "lower", None) is None or panel._store.band_kind == "none":
        return []
    parts = []
    for run in view.shown:
        x, lower, upper = panel._store.band(run, panel.metrics[side], view.method, view.weight)
        sel = window(x, view.step_range)
        parts += [lower[sel], upper[sel]]
    return parts


def _draw_band(panel, mark, key, metric: str, view) -> None:
    stage = (view.step_range, view.method, view.weight, view.log, view.width_px, id(panel._store))
    if panel._held.get(key) == stage:
        return
    x, lower, upper = panel._store.band(key[0], metric, view.method, view.weight)
    bx, by = band_xy(x, lower, upper, view.step_range, panel.plot_width(view.width_px))
    with mark.hold_sync():
        mark.scales = {"x": panel.x_scale, "y": panel._y[key[1]]["log" if view.log else "linear"]}
        mark.x = bx
        mark.y = by
    panel._held[key] = stage


# -- run table -----------------------------------------------------------------------------
def run_table(ex, **kwargs: Any):
    """A :class:`~rlexplore.views.runtable.RunTable` of `ex`'s runs, linked to it.

    Ticking rows shows and hides runs (both ways; while grouping, the explorer shows
    groups and the ticks wait), ``group_by`` groups the explorer's runs, and ``color_by``
    recolours its lines, legend and summary.
    """
    from .runtable import RunTable

    table = RunTable(ex._ds, **kwargs)
    st = ex.state
    if not ex._store.grouped:
        table.visible_runs = st.visible_runs

    def to_state(change) -> None:
        if not ex._store.grouped and tuple(change["new"]) != st.visible_runs:
            st.visible_runs = change["new"]

    def to_table(change) -> None:
        if not ex._store.grouped and set(change["new"]) <= set(table.metadata.index):
            table.visible_runs = change["new"]

    table.observe(ex._guard(to_state), "visible_runs")
    st.observe(ex._guard(to_table), "visible_runs")
    table.observe(ex._guard(lambda ch: setattr(st, "group_by", ch["new"])), "group_by")
    table.observe(
        ex._guard(lambda ch: recolor(ex, ch["new"]) if not ex._store.grouped else None), "colors"
    )
    if table.color_by:
        recolor(ex, table.colors)
    return table


def recolor(ex, colors: dict[str, str]) -> None:
    """Give runs new colours everywhere they are drawn (lines, bands, legend, overview, summary)."""
    ex.colors.update({run: color for run, color in colors.items() if run in ex.colors})
    for p in ex._panels.values():
        for (run, _side, kind), mark in p._marks.items():
            color = ex.colors.get(run)
            if color is None:
                continue
            mark.colors = [color] * len(mark.colors)
            if kind == "band":
                mark.fill_colors = [color, color]
        p._memo.pop("colors", None)
    for run, line in ex.overview._lines.items():
        line.colors = [ex.colors[run]]
    for run, entry in ex.controls.legend_entries.items():
        entry.style.text_color = ex.colors[run] if run in set(ex.state.visible_runs) else "#8C8C8C"
    ex._summary_memo = None
    ex._render()
