"""Run and metric names are user data: they reach the page only as text or escaped HTML."""

from __future__ import annotations

import numpy as np
from explorer_actions import widgets_in
from ipywidgets import HTML

import rlexplore as rlx
from rlexplore.dataset import from_columns

HOSTILE_RUN = "<img src=x onerror=alert(1)>"
HOSTILE_METRIC = "<script>alert(2)</script>/loss"
TITLE = "<b onmouseover=alert(3)>title</b>"


def hostile_explorer():
    steps = np.arange(20)
    ds = from_columns(
        [HOSTILE_RUN] * 20 + ["ok & <fine>"] * 20,
        [HOSTILE_METRIC] * 40,
        np.concatenate([steps, steps]),
        np.linspace(0, 1, 40),
    )
    ex = rlx.Explorer(ds, [HOSTILE_METRIC, (HOSTILE_METRIC, HOSTILE_METRIC)], title=TITLE)
    ex.state.hover_step = 3
    ex.state.step_range = (2, 9)
    for p in ex.panels:
        p.toolbar.csv.click()
    return ex


def html_values(ex):
    return [w.value for w in widgets_in(ex.widget) if isinstance(w, HTML)]


def test_hostile_names_never_reach_html_unescaped():
    ex = hostile_explorer()
    values = html_values(ex)
    joined = "\n".join(values)
    for raw in (HOSTILE_RUN, HOSTILE_METRIC, TITLE, "<fine>", "<img", "<script", "<b on"):
        assert raw not in joined
    assert "&lt;img src=x onerror=alert(1)&gt;" in joined  # shown, as text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;/loss" in joined
    assert "&lt;b onmouseover=alert(3)&gt;title&lt;/b&gt;" in joined


def test_names_in_widget_descriptions_are_rendered_as_text():
    ex = hostile_explorer()
    described = [w for w in widgets_in(ex.widget) if getattr(w, "description", "")]
    assert any(HOSTILE_RUN in w.description for w in described)
    assert all(not getattr(w, "description_allow_html", False) for w in described)


def test_css_classes_from_names_hold_only_safe_characters():
    ex = hostile_explorer()
    classes = {c for w in widgets_in(ex.widget) for c in getattr(w, "_dom_classes", ())}
    assert all(c.replace("-", "").replace("_", "").isalnum() for c in classes), classes
    assert "rlx-run-name-img-src-x-onerror-alert-1" in classes


def test_the_summary_and_status_escape_names():
    ex = hostile_explorer()
    assert "&lt;img" in ex.summary_widget.value and "<img" not in ex.summary_widget.value
    assert "<img" not in ex.status_widget.value and "&lt;img" in ex.status_widget.value
