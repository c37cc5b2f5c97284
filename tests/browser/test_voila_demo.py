"""``rlexplore demo`` in a real browser: panels drawn, brush, slider, legend, screenshots.

The tests share one page of one server, in order; each leaves the explorer as it found it.
"""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest
from explorer_page import (
    drag_brush,
    drag_slider,
    drawn_lines,
    line_counts,
    open_app,
    status,
    wait_for_status,
    wait_until,
    x_tick_labels,
)

import rlexplore as rlx

run_color = pytest.importorskip(
    "rlexplore.views.theme", reason="the explorer has not landed"
).run_color

pytestmark = pytest.mark.browser

from rlexplore.app import DEMO_VIEWS  # noqa: E402

RUNS = rlx.demo("methods").rlx.runs
X_LABEL = DEMO_VIEWS["methods"]["labels"]["step"]  # the demo is labelled like the reference chart
COLORS = {run: run_color(i) for i, run in enumerate(RUNS)}


@pytest.fixture(scope="module")
def demo_page(module_page, demo_app, artifacts):
    open_app(module_page, demo_app.url)
    yield module_page
    module_page.screenshot(path=str(artifacts / "voila-demo-final.png"), full_page=True)


def readme_screenshot(page, path) -> None:
    """The explorer from its title to its panels: the README's picture (docs/explorer-demo.png)."""
    top = page.locator(".rlx-explorer").bounding_box()
    panels = page.locator(".rlx-panels").bounding_box()  # the legend is over them (issue 13)
    height = panels["y"] + panels["height"] + 12 - top["y"]
    page.screenshot(
        path=str(path), clip={"x": top["x"], "y": top["y"], "width": top["width"], "height": height}
    )


def expected_lines(runs) -> Counter:
    return Counter((COLORS[r], kind) for r in runs for kind in ("raw", "smoothed"))


def kinds(lines) -> Counter:
    return Counter((color, kind) for color, kind, _ in lines)


def test_every_panel_draws_one_smoothed_and_one_raw_line_per_run(demo_page, demo_app, artifacts):
    page = demo_page
    state = status(page)
    assert state["visible_runs"] == list(RUNS)
    assert len(state["metrics"]) == 4 and line_counts(page) == [6, 6, 6, 6]
    for panel in range(4):
        assert kinds(drawn_lines(page, panel)) == expected_lines(RUNS), f"panel {panel}"
    page.screenshot(path=str(artifacts / "voila-demo.png"), full_page=True)
    readme_screenshot(page, artifacts / "readme-explorer.png")
    # the kernel writes the same state to $RLX_STATE_FILE (passed through rlexplore demo and Voila)
    assert json.loads(demo_app.state_file.read_text())["visible_runs"] == state["visible_runs"]


def test_smoothing_slider_changes_the_smoothed_paths_only(demo_page, artifacts):
    page = demo_page
    before = status(page)["smoothing"]
    lines = [drawn_lines(page, panel) for panel in range(4)]
    drag_slider(page, ".rlx-smoothing", 0.95)
    after = wait_for_status(
        page, lambda s: s["smoothing"] > before + 0.2, "the slider to raise smoothing"
    )
    assert after["smoothing"] <= 0.999
    wait_until(
        page, lambda: [drawn_lines(page, p) for p in range(4)] != lines, "the lines to be redrawn"
    )
    page.screenshot(path=str(artifacts / "voila-demo-smoothing.png"), full_page=True)
    for panel, old in enumerate(lines):
        new = {(color, kind): d for color, kind, d in drawn_lines(page, panel)}
        for color, kind, d in old:
            changed = new[color, kind] != d
            assert changed == (kind == "smoothed"), f"panel {panel}: the {kind} line of {color}"
    drag_slider(page, ".rlx-smoothing", before / 0.999)
    wait_for_status(
        page, lambda s: abs(s["smoothing"] - before) < 0.05, "smoothing back near its start"
    )


def test_brush_on_one_panel_zooms_every_panel_and_the_summary(demo_page, artifacts):
    page = demo_page
    summary = page.inner_text(".rlx-summary")
    drag_brush(page, 1, 0.25, 0.5)
    state = wait_for_status(
        page, lambda s: s["step_range"] is not None, "the brush to set step_range"
    )
    lo, hi = state["step_range"]
    assert 500 < lo < hi < 2600 and hi - lo > 500
    assert state["x_domain"] == [lo, hi]
    width = hi - lo
    for panel in range(4):
        ticks = wait_until(page, lambda p=panel: (lambda t: t if t and min(t) > lo - 0.05 * width else None)(
            x_tick_labels(page, p, X_LABEL)), f"panel {panel} to zoom")  # fmt: skip
        assert lo - 0.05 * width <= min(ticks) and max(ticks) <= hi + 0.05 * width, (
            f"panel {panel}: {ticks}"
        )
    new_summary = wait_until(page, lambda: (lambda t: t if t != summary else None)(page.inner_text(".rlx-summary")),
                             "the summary to change")  # fmt: skip
    assert f"steps {math.ceil(lo)} to" in new_summary  # it names the brushed range (whole steps)
    page.screenshot(path=str(artifacts / "voila-demo-brushed.png"), full_page=True)
    page.click(".rlx-reset")
    wait_for_status(page, lambda s: s["step_range"] is None, "reset to all steps")


def test_legend_click_removes_the_runs_lines_from_every_panel(demo_page, artifacts):
    page = demo_page
    hidden = "REC-OneSide-NoIS (0.2)"
    page.click(".rlx-legend-entry.rlx-run-name-REC-OneSide-NoIS-0-2")
    state = wait_for_status(page, lambda s: hidden not in s["visible_runs"], "the run to be hidden")
    assert state["visible_runs"] == [r for r in RUNS if r != hidden]
    wait_until(page, lambda: line_counts(page) == [4, 4, 4, 4], "4 lines per panel")
    for panel in range(4):
        assert kinds(drawn_lines(page, panel)) == expected_lines([r for r in RUNS if r != hidden])
    assert hidden not in page.inner_text(".rlx-summary")
    page.screenshot(path=str(artifacts / "voila-demo-run-hidden.png"), full_page=True)
    page.click(".rlx-legend-entry.rlx-run-name-REC-OneSide-NoIS-0-2")
    wait_until(page, lambda: line_counts(page) == [6, 6, 6, 6], "the run back in every panel")
