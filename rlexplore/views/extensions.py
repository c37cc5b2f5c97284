"""The explorer's extra controls and outputs: the x axis switch, export, the run table.

Everything here talks to an :class:`~rlexplore.views.explorer.Explorer` through its public
API: ``ex.state`` (the x axis and grouping are state traits the explorer itself follows),
``ex.model`` (what is in view), ``ex.data``, ``ex.colors``, :meth:`Explorer.recolor` and
:meth:`Explorer.guard`.
"""

from __future__ import annotations

import base64
import functools
import html
import io
from typing import Any

from ipywidgets import HTML, Button, Dropdown, HBox, Layout

from ..errors import RLExploreError
from ..export import to_csv, to_matplotlib, view_data
from ..transforms.xaxis import x_choices

EXPORTS = ("CSV", "netCDF", "PNG", "SVG")
_MIME = {
    "CSV": ("text/csv", "csv"),
    "netCDF": ("application/x-netcdf", "nc"),
    "PNG": ("image/png", "png"),
    "SVG": ("image/svg+xml", "svg"),
}


class ExtraControls:
    """The x axis switch and the export buttons of an explorer (``ex.extras``).

    Attributes
    ----------
    x_axis : ipywidgets.Dropdown
        ``rlx-x-axis``: the x axis (``state.x_axis``).
    buttons : dict
        ``rlx-export-<kind>`` Buttons, one per :data:`EXPORTS`.
    link : ipywidgets.HTML
        ``rlx-export-link``: the last download link.
    box : ipywidgets.HBox
        ``rlx-export``: the buttons and link.
    """

    def __init__(self, ex) -> None:
        self.x_axis = Dropdown(
            options=x_choices(ex.data),
            value=ex.state.x_axis,
            description="x axis",
            style={"description_width": "initial"},
            layout=Layout(width="200px"),
        )
        self.x_axis.add_class("rlx-x-axis")
        self.x_axis.observe(ex.guard(lambda ch: setattr(ex.state, "x_axis", ch["new"])), "value")
        self.buttons = {
            kind: Button(
                description=kind,
                tooltip=f"download the data in view as {kind}",
                layout=Layout(width="72px"),
            ).add_class(f"rlx-export-{kind.lower()}")
            for kind in EXPORTS
        }
        for kind, button in self.buttons.items():
            button.on_click(ex.guard(functools.partial(lambda k, _: offer(ex, k), kind)))
        self.link = HTML().add_class("rlx-export-link")
        self.box = HBox([*self.buttons.values(), self.link], layout=Layout(align_items="center"))
        self.box.add_class("rlx-export")


def install(ex) -> None:
    """Give `ex` its :class:`ExtraControls` (``ex.extras``) in the bar of controls."""
    ex.extras = ExtraControls(ex)
    add_widgets(ex)
    ex.state.observe(ex.guard(lambda _: show_x_axis(ex)), names="x_axis")


def add_widgets(ex) -> None:
    """Put the x axis switch and export buttons at the end of `ex`'s bar of controls."""
    bar = ex.controls.bar
    extra = (ex.extras.x_axis, ex.extras.box)
    bar.children = tuple(c for c in bar.children if c not in extra) + extra


def show_x_axis(ex) -> None:
    """Show the x axes `ex`'s data offers, and the one chosen."""
    choices = x_choices(ex.data)
    if list(ex.extras.x_axis.options) != choices:
        ex.extras.x_axis.options = choices
    ex.extras.x_axis.value = ex.state.x_axis


# -- export --------------------------------------------------------------------------------
def view_options(ex) -> dict[str, Any]:
    """The keyword options of :mod:`rlexplore.export` for what `ex` shows right now."""
    return ex.model.view_options(ex.state, list(ex.shown_metrics()))


def figure(ex, **kwargs: Any):
    """A static matplotlib figure of what `ex` shows (see :func:`rlexplore.export.to_matplotlib`)."""
    st = ex.state
    group = (
        dict(
            group_by=st.group_by or None,
            pattern=st.group_pattern or None,
            center=st.group_center,
            band=st.group_band,
        )
        if ex.model.grouped
        else {}
    )
    return to_matplotlib(
        ex.data, x=st.x_axis, colors=dict(ex.colors), **group, **view_options(ex), **kwargs
    )


def export_bytes(ex, kind: str) -> bytes:
    """The data (CSV, netCDF) or the figure (PNG, SVG) of the view, as bytes."""
    if kind == "CSV":
        return (to_csv(ex.data, **view_options(ex)) or "").encode("utf-8")
    if kind == "netCDF":
        return bytes(view_data(ex.data, **view_options(ex)).to_netcdf(engine="h5netcdf"))
    if kind in ("PNG", "SVG"):
        buf = io.BytesIO()
        figure(ex).savefig(buf, format=kind.lower(), dpi=150)
        return buf.getvalue()
    raise RLExploreError(f"unknown export {kind!r}; expected one of {EXPORTS}")


def offer(ex, kind: str) -> None:
    """Show a download link for the view as `kind` (the bytes go base64 in the link)."""
    mime, ext = _MIME[kind]
    data = base64.b64encode(export_bytes(ex, kind)).decode("ascii")
    name = html.escape(f"rlexplore-view.{ext}")
    ex.extras.link.value = (
        f'<a download="{name}" href="data:{mime};base64,{data}">download {name}</a>'
    )


# -- run table -----------------------------------------------------------------------------
def run_table(ex, **kwargs: Any):
    """A :class:`~rlexplore.views.runtable.RunTable` of `ex`'s runs, linked to it.

    Ticking rows shows and hides runs (both ways; while grouping, the explorer shows
    groups and the ticks wait), ``group_by`` groups the explorer's runs, and ``color_by``
    recolours its lines, legend and summary.
    """
    from .runtable import RunTable

    table = RunTable(ex.data, **kwargs)
    st = ex.state
    if not ex.model.grouped:
        table.visible_runs = st.visible_runs

    def to_state(change) -> None:
        if not ex.model.grouped and tuple(change["new"]) != st.visible_runs:
            st.visible_runs = change["new"]

    def to_table(change) -> None:
        if not ex.model.grouped and set(change["new"]) <= set(table.metadata.index):
            table.visible_runs = change["new"]

    table.observe(ex.guard(to_state), "visible_runs")
    st.observe(ex.guard(to_table), "visible_runs")
    table.observe(ex.guard(lambda ch: setattr(st, "group_by", ch["new"])), "group_by")
    table.observe(
        ex.guard(lambda ch: ex.recolor(ch["new"]) if not ex.model.grouped else None), "colors"
    )
    if table.color_by:
        ex.recolor(table.colors)
    return table


def recolor(ex, colors: dict[str, str]) -> None:
    """Give runs new colours everywhere they are drawn (see :meth:`Explorer.recolor`)."""
    ex.recolor(colors)
