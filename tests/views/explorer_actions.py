"""Front-end simulations for the explorer's in-process widget tests.

ipywidgets works outside a kernel (``comm`` hands out a dummy comm), so the tests set
traits, or set a widget's state the way the browser does, and assert on the marks.
"""

from __future__ import annotations

import numpy as np


def array_state(values):
    """An array as bqplot's front end sends it (binary buffer, dtype, shape)."""
    arr = np.asarray(values, dtype=np.float64)
    return {"value": memoryview(arr.tobytes()), "dtype": "float64", "shape": list(arr.shape)}


def drag(brush, lo, hi, *, browser=False):
    """A brush gesture: ``brushing`` True, ``selected`` streamed, then released.

    ``browser=True`` sends the messages the way bqplot's front end does (set_state with
    binary arrays; the release carries ``brushing`` False and the final ``selected``).
    """
    if browser:
        brush.set_state({"brushing": True})
        brush.set_state({"selected": array_state([lo, (lo + hi) / 2])})
        brush.set_state({"brushing": False, "selected": array_state([lo, hi])})
    else:
        brush.brushing = True
        brush.selected = np.array([lo, (lo + hi) / 2])
        brush.selected = np.array([lo, hi])
        brush.brushing = False


def drag_in_page(ex, panel: int, lo: float, hi: float, *, confirm=True):
    """A brush gesture as a browser sends it with the explorer's pointer tracker: the tracker
    reports the span at the mouse-up (fractions of the plot), then the brush its release.
    """
    brush = ex.panels[panel].brush
    start, end = brush.scale.min, brush.scale.max
    brush.set_state({"brushing": True})
    brush.set_state({"selected": array_state([lo, (lo + hi) / 2])})
    fractions = [(v - start) / (end - start) for v in (lo, hi)]
    release = {"panel": panel, "f0": fractions[0], "f1": fractions[1], "n": 1}
    ex.hover_tracker.set_state({"release": release})
    if confirm:
        brush.set_state({"brushing": False, "selected": array_state([lo, hi])})


def click(brush):
    """A click without a drag on a brush: d3 ends the gesture with no selection."""
    brush.set_state({"brushing": True})
    brush.set_state({"brushing": False, "selected": None})


def press(button):
    """A button click as the browser sends it."""
    button._handle_button_msg(None, {"event": "click"}, [])  # noqa: SLF001 - no public path


def css_classes(widget) -> tuple[str, ...]:
    """The CSS classes of `widget` (``add_class`` writes them; ipywidgets has no public reader)."""
    return tuple(getattr(widget, "_dom_classes", ()))


def widgets_in(root):
    """Every widget reachable from `root` through children (depth first)."""
    seen, stack = [], [root]
    while stack:
        w = stack.pop()
        if any(w is s for s in seen):
            continue
        seen.append(w)
        stack.extend(getattr(w, "children", ()) or ())
    return seen
