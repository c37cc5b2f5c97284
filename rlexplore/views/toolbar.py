"""A panel's toolbar: title, pin, expand and a menu (log scale, ignore outliers, CSV, PNG, SVG).

The toolbar holds widgets only; the explorer connects them to the state. Glyphs are
plain Unicode (no icon font: it would come from a CDN).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable

from ipywidgets import HTML, Button, Checkbox, HBox, Label, Layout, ToggleButton, VBox

from .theme import css_slug


class _MenuControls:
    """The widgets of a panel's menu."""

    def __init__(self) -> None:
        self.log_scale = Checkbox(description="log scale", indent=False).add_class("rlx-log")
        self.ignore_outliers = Checkbox(description="ignore outliers", indent=False).add_class(
            "rlx-outliers"
        )
        self.csv = Button(description="CSV", tooltip="download this panel's data").add_class(
            "rlx-csv"
        )
        self.png = Button(description="PNG", tooltip="save as PNG").add_class("rlx-png")
        self.svg = Button(description="SVG", tooltip="save as SVG").add_class("rlx-svg")
        for b in (self.csv, self.png, self.svg):
            b.layout = Layout(width="56px", height="24px")
        self.link = HTML().add_class("rlx-csv-link")
        self.rows = (
            HBox([self.log_scale, self.ignore_outliers]),
            HBox([self.csv, self.png, self.svg, self.link]),
        )


def _tool_button(cls, glyph: str, tooltip: str, css: str):
    button = cls(description=glyph, tooltip=tooltip, layout=Layout(width="26px", height="22px"))
    return button.add_class("rlx-tool-button").add_class(css)


class PanelToolbar:
    """Title (plain text), pin and expand toggles, and a menu toggle revealing :attr:`menu`.

    The menu's controls (:attr:`log_scale`, :attr:`ignore_outliers`, :attr:`csv`,
    :attr:`png`, :attr:`svg` and the download :attr:`link`) are built the first time the menu
    opens or one of them is asked for: a page of many panels loads without them (about a
    quarter of its widgets). :meth:`when_built` connects code to them whenever that is.
    """

    def __init__(self, title: str) -> None:
        self.title = Label(
            value=title, tooltip=title, layout=Layout(flex="1 1 auto", min_width="0")
        )
        self.title.add_class("rlx-panel-title")
        self.pin = _tool_button(ToggleButton, "\u21f1", "pin: keep this panel first", "rlx-pin")
        self.expand = _tool_button(
            ToggleButton, "\u2194", "expand: full width and back", "rlx-expand"
        )
        self.menu_toggle = _tool_button(ToggleButton, "\u22ee", "menu", "rlx-menu")
        self.menu = VBox([], layout=Layout(display="none")).add_class("rlx-menu-box")
        self._controls: _MenuControls | None = None
        self._on_built: list[Callable[[PanelToolbar], None]] = []
        self._options = {"log_scale": False, "ignore_outliers": False}
        self.menu_toggle.observe(self._on_menu, names="value")
        self.head = HBox([self.title, self.pin, self.expand, self.menu_toggle]).add_class(
            "rlx-panel-head"
        )

    @property
    def built(self) -> bool:
        """Whether the menu's controls exist yet."""
        return self._controls is not None

    def when_built(self, callback: Callable[[PanelToolbar], None]) -> None:
        """Call ``callback(toolbar)`` once the menu's controls exist (now, if they do)."""
        self._on_built.append(callback)
        if self._controls is not None:
            callback(self)

    @property
    def log_scale(self) -> Checkbox:
        """The menu's "log scale" checkbox."""
        return self._built().log_scale

    @property
    def ignore_outliers(self) -> Checkbox:
        """The menu's "ignore outliers" checkbox."""
        return self._built().ignore_outliers

    @property
    def csv(self) -> Button:
        """The menu's CSV button (its data arrives in :attr:`link`)."""
        return self._built().csv

    @property
    def png(self) -> Button:
        """The menu's PNG button."""
        return self._built().png

    @property
    def svg(self) -> Button:
        """The menu's SVG button."""
        return self._built().svg

    @property
    def link(self) -> HTML:
        """Where the CSV download link appears."""
        return self._built().link

    def _built(self) -> _MenuControls:
        if self._controls is None:
            controls = self._controls = _MenuControls()
            controls.log_scale.value = self._options["log_scale"]
            controls.ignore_outliers.value = self._options["ignore_outliers"]
            self.menu.children = controls.rows
            for callback in self._on_built:
                callback(self)
        return self._controls

    def _on_menu(self, change) -> None:
        if change["new"]:
            self._built()
        self.menu.layout.display = "flex" if change["new"] else "none"

    def show(self, *, pinned: bool, expanded: bool, log_scale: bool, ignore_outliers: bool) -> None:
        """Make the controls show these options (no events fire when nothing changes)."""
        self.pin.value, self.expand.value = pinned, expanded
        self._options = {"log_scale": log_scale, "ignore_outliers": ignore_outliers}
        if self._controls is not None:
            self._controls.log_scale.value = log_scale
            self._controls.ignore_outliers.value = ignore_outliers

    def offer_csv(self, name: str, text: str) -> None:
        """Show a download link for `text` as ``<name>.csv`` (escaped; the data goes base64)."""
        filename = html.escape(f"{css_slug(name)}.csv")
        data = base64.b64encode(text.encode("utf-8")).decode("ascii")
        self.link.value = (
            f'<a download="{filename}" href="data:text/csv;charset=utf-8;base64,{data}">'
            f"download {filename}</a>"
        )
