"""A panel's toolbar: title, pin, expand and a menu (log scale, ignore outliers, CSV, PNG, SVG).

The toolbar holds widgets only; the explorer connects them to the state. Glyphs are
plain Unicode (no icon font: it would come from a CDN).
"""

from __future__ import annotations

import base64
import html

from ipywidgets import HTML, Button, Checkbox, HBox, Label, Layout, ToggleButton, VBox

from .theme import css_slug


def _tool_button(cls, glyph: str, tooltip: str, css: str):
    button = cls(description=glyph, tooltip=tooltip, layout=Layout(width="26px", height="22px"))
    return button.add_class("rlx-tool-button").add_class(css)


class PanelToolbar:
    """Title (plain text), pin and expand toggles, and a menu toggle revealing :attr:`menu`."""

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
        self.menu = VBox(
            [
                HBox([self.log_scale, self.ignore_outliers]),
                HBox([self.csv, self.png, self.svg, self.link]),
            ],
            layout=Layout(display="none"),
        ).add_class("rlx-menu-box")
        self.menu_toggle.observe(self._on_menu, names="value")
        self.head = HBox([self.title, self.pin, self.expand, self.menu_toggle]).add_class(
            "rlx-panel-head"
        )

    def _on_menu(self, change) -> None:
        self.menu.layout.display = "flex" if change["new"] else "none"

    def show(self, *, pinned: bool, expanded: bool, log_scale: bool, ignore_outliers: bool) -> None:
        """Make the controls show these options (no events fire when nothing changes)."""
        self.pin.value, self.expand.value = pinned, expanded
        self.log_scale.value, self.ignore_outliers.value = log_scale, ignore_outliers

    def offer_csv(self, name: str, text: str) -> None:
        """Show a download link for `text` as ``<name>.csv`` (escaped; the data goes base64)."""
        filename = html.escape(f"{css_slug(name)}.csv")
        data = base64.b64encode(text.encode("utf-8")).decode("ascii")
        self.link.value = (
            f'<a download="{filename}" href="data:text/csv;charset=utf-8;base64,{data}">'
            f"download {filename}</a>"
        )
