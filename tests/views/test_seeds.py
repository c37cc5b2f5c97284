"""The three reference charts (../shared/docs/seeds) in at most three lines each, from the demo data."""

from __future__ import annotations

import ast

import pytest
from explorer_actions import css_classes

import rlexplore as rlx

METHODS = """
import rlexplore as rlx
rlx.Explorer(rlx.demo("methods"), title="sync_interval = 20", labels={"step": "Training Steps"})
"""

DASHBOARD = """
import rlexplore as rlx
rlx.demo("dashboard").rlx.explore(columns=3)
"""

DUAL_AXIS = """
import rlexplore as rlx
labels = {"response_length/mean": "Token Length", "eval/reproduced_rate": "Reproduced Rate (%)"}
rlx.Explorer(rlx.demo("length"), [("response_length/mean", "eval/reproduced_rate")], columns=1, labels=labels)
"""


def run(snippet: str):
    """Execute `snippet` like a notebook cell and return the value of its last expression."""
    lines = [line for line in snippet.strip().splitlines() if line.strip()]
    assert len(lines) <= 3 and all(len(line) <= 120 for line in lines), lines
    tree = ast.parse(snippet)
    last = ast.Expression(tree.body.pop().value)
    scope: dict = {}
    exec(compile(tree, "<cell>", "exec"), scope)
    return eval(compile(last, "<cell>", "eval"), scope)


def test_methods_row_of_four_panels_with_one_legend_and_a_title():
    ex = run(METHODS)
    assert isinstance(ex, rlx.Explorer)
    assert [p.metrics[0] for p in ex.panels] == [
        "critic/score/mean",
        "actor/kl_loss",
        "actor/entropy",
        "response_length/mean",
    ]
    grid = ex.grid.widget.children
    assert len(grid) == 1 and len(grid[0].children) == 4  # one row, no sections
    title = next(w for w in ex.widget.children if "rlx-title" in css_classes(w))
    assert "sync_interval = 20" in title.value
    assert list(ex.controls.legend_entries) == ["GRPO", "REC-OneSide-NoIS (0.2)", "RED-Weight"]
    assert all(p.x_axis.label == "Training Steps" for p in ex.panels)
    entropy = ex.summary().loc[("REC-OneSide-NoIS (0.2)", "actor/entropy"), "last"]
    assert entropy < 2.5  # the collapse the chart shows


def test_dashboard_of_actor_and_eval_panels():
    ex = run(DASHBOARD)
    assert [p.metrics[0] for p in ex.panels] == [
        "eval/math-eval/accuracy/mean",
        "actor/entropy_loss",
        "actor/kl_loss",
    ]
    assert ex.grid.widget.children[0].layout.grid_template_columns == "repeat(3, minmax(0, 1fr))"
    assert all(p.toolbar.pin and p.toolbar.expand and p.toolbar.menu_toggle for p in ex.panels)
    assert len(ex.state.shown_runs) == 2
    assert (ex.panels[0].drawn().query("kind == 'raw'").groupby("run").size() == 16).all()


def test_dual_axis_with_markers():
    ex = run(DUAL_AXIS)
    (p,) = ex.panels
    left, right = p.y_axes
    assert (left.label, right.label) == ("Token Length", "Reproduced Rate (%)")
    assert left.color != right.color and (left.side, right.side) == ("left", "right")
    assert {m.marker for m in p.line_marks() if p.kind_of(m)[1] == "raw"} == {
        "square",
        "circle",
    }


@pytest.mark.parametrize("snippet", [METHODS, DASHBOARD, DUAL_AXIS])
def test_each_chart_renders_its_lines(snippet):
    ex = run(snippet)
    assert all(len(p.drawn()) > 0 for p in ex.panels)
