"""The grid of panels: ``columns`` to a row, in collapsible sections by metric-name prefix.

Pinned panels come first (in a "pinned" section when there are sections); an expanded
panel spans the whole row. Section headers are buttons, so names stay plain text.
"""

from __future__ import annotations

from ipywidgets import Button, GridBox, Layout, VBox

from ..state import panel_metrics
from .theme import css_slug

PINNED = "pinned"


def prefix(key) -> str:
    """The section of a panel: its (first) metric's name up to the first ``/``.

    Examples
    --------
    >>> prefix("actor/kl_loss"), prefix(("response_length/mean", "eval/rate")), prefix("loss")
    ('actor', 'response_length', '')
    """
    name = panel_metrics(key)[0]
    return name.split("/", 1)[0] if "/" in name else ""


def use_sections(keys, columns: int, sections: bool | None) -> bool:
    """``sections=None`` means: sections when the panels span prefixes and fill more than one row."""
    if sections is not None:
        return bool(sections)
    return len(keys) > columns and len({prefix(k) for k in keys}) > 1


class Section:
    """A header button that folds a grid of panels."""

    def __init__(self, name: str, columns: int, *, css: str | None = None) -> None:
        self.name = name
        self.header = Button(tooltip="fold or unfold this section", layout=Layout(width="auto"))
        self.header.add_class("rlx-section-header")
        self.grid = GridBox(layout=_grid_layout(columns)).add_class("rlx-grid")
        self.widget = VBox([self.header, self.grid]).add_class("rlx-section")
        self.widget.add_class(f"rlx-section-{css or css_slug(name)}")
        self.header.on_click(lambda _: self.fold(not self.open))
        self.fold(True)

    def fold(self, open_: bool) -> None:
        """Show (True) or hide (False) the section's panels."""
        self.open = open_
        self.grid.layout.display = "grid" if open_ else "none"
        glyph = "\u25be" if open_ else "\u25b8"
        self.header.description = f"{glyph} {self.name or '(no prefix)'}"


def _grid_layout(columns: int) -> Layout:
    return Layout(
        grid_template_columns=f"repeat({columns}, minmax(0, 1fr))", grid_gap="6px", width="100%"
    )


class PanelGrid:
    """Lays the panels out; :meth:`render` only touches widgets when the arrangement changed."""

    def __init__(self, columns: int, sections: bool | None) -> None:
        self.columns, self.sections = columns, sections
        self.widget = VBox(layout=Layout(width="100%")).add_class("rlx-panels")
        self._flat = GridBox(layout=_grid_layout(columns)).add_class("rlx-grid")
        self._sections: dict[tuple[bool, str], Section] = {}
        self._memo: tuple | None = None

    def render(self, panels, pinned, expanded) -> None:
        """Arrange `panels` (in state order), honouring the pinned and expanded panel keys."""
        memo = (tuple(p.key for p in panels), tuple(pinned), tuple(expanded))
        if memo == self._memo:
            return
        self._memo = memo
        for p in panels:
            p.widget.layout.grid_column = "1 / -1" if p.key in expanded else None
        first = [p for p in panels if p.key in pinned]
        rest = [p for p in panels if p.key not in pinned]
        if not use_sections([p.key for p in panels], self.columns, self.sections):
            self._flat.children = tuple(p.widget for p in first + rest)
            self.widget.children = (self._flat,)
            return
        groups: dict[tuple[bool, str], list] = {(True, PINNED): first} if first else {}
        for p in rest:
            groups.setdefault((False, prefix(p.key)), []).append(p)
        self.widget.children = tuple(
            self._section(key, members).widget for key, members in groups.items()
        )

    def section(self, name: str, *, pinned: bool = False) -> Section | None:
        """The section of prefix `name` (or the pinned section), if it was ever shown."""
        return self._sections.get((pinned, PINNED if pinned else name))

    def _section(self, key: tuple[bool, str], members) -> Section:
        if key not in self._sections:
            pinned, name = key
            self._sections[key] = Section(name, self.columns, css="pinned" if pinned else None)
        section = self._sections[key]
        section.grid.children = tuple(p.widget for p in members)
        return section
