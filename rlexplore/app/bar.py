"""The app's bar over the explorer: a light / dark / auto theme switch.

In the Voila app the explorer is the whole page, so the page takes its theme too: the
bar's stylesheet gives the page the explorer's background when it is dark or light
(``:has()``; ``auto`` leaves the page as Voila drew it).

CSS classes: ``rlx-app`` (the page's box), ``rlx-app-bar``, ``rlx-theme-switch``.
"""

from __future__ import annotations

from typing import Any

from ipywidgets import HTML, HBox, Layout, ToggleButtons, VBox

from ..views.theme import THEMES

_PAGE_STYLE = """<style>
body:has(.rlx-app .rlx-explorer.rlx-theme-dark), body:has(.rlx-app .rlx-explorer.rlx-theme-dark) #rendered_cells
  { background: #111111; color-scheme: dark; }
body:has(.rlx-app .rlx-explorer.rlx-theme-light), body:has(.rlx-app .rlx-explorer.rlx-theme-light) #rendered_cells
  { background: #ffffff; color-scheme: light; }
.rlx-app .rlx-app-bar { justify-content: flex-end; align-items: center; gap: 6px; font-size: 12px; }
.rlx-app .rlx-theme-switch .widget-toggle-button { width: auto; min-width: 48px; padding: 0 8px; }
.rlx-app:has(.rlx-theme-dark) .rlx-app-bar, .rlx-app:has(.rlx-theme-dark) .rlx-app-bar .widget-html-content
  { background: #111111; color: #e6e6e6; }
.rlx-app:has(.rlx-theme-dark) .rlx-theme-switch .widget-toggle-button
  { background: #2a2a2a; color: #e6e6e6; }
.rlx-app:has(.rlx-theme-dark) .rlx-theme-switch .widget-toggle-button.mod-active
  { background: #4a4a4a; }
</style>"""


class AppBar:
    """A bar with the theme switch, over `explorer`; :attr:`widget` is the page.

    Attributes
    ----------
    theme : ipywidgets.ToggleButtons
        ``auto``, ``light`` or ``dark``: sets ``explorer.theme``.
    widget : ipywidgets.VBox
    """

    def __init__(self, explorer: Any) -> None:
        self.explorer = explorer
        self.theme = ToggleButtons(
            options=THEMES,
            value=explorer.theme,
            tooltips=["follow JupyterLab", "light page", "dark page"],
            style={"button_width": "auto"},
        ).add_class("rlx-theme-switch")
        self.theme.observe(self._on_theme, "value")
        bar = HBox([HTML("theme"), self.theme], layout=Layout(width="100%"))
        self.widget = VBox(
            [HTML(_PAGE_STYLE), bar.add_class("rlx-app-bar"), explorer.widget],
            layout=Layout(width="100%"),
        ).add_class("rlx-app")

    def _on_theme(self, change) -> None:
        self.explorer.theme = change["new"]
