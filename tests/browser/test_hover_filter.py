"""Hover and brush on the same panel, the metric filter typed in the bar, real logs at a glance."""

from __future__ import annotations

import pytest
from explorer_page import drag_brush, open_app, status, wait_for_status, wait_until

pytestmark = pytest.mark.browser


def plot_box(page, panel: int) -> dict:
    area = page.locator(f".rlx-panel-{panel} rect.plotarea_background").first
    area.scroll_into_view_if_needed()
    return area.bounding_box()


def readouts(page) -> list[dict]:
    """Every panel's hover readout: its text and box, when shown."""
    return page.eval_on_selector_all(
        ".rlx-panel .rlx-readout",
        """os => os.map(o => { const c = o.querySelector('.widget-html-content');
                               const r = c.getBoundingClientRect();
                               return {text: c.textContent, x: r.x, y: r.y, w: r.width, h: r.height}; })""",
    )


def shoot(page, artifacts, name: str) -> None:
    for width in (1280, 1920):
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_timeout(600)  # the width meter reports, the panels redraw
        page.screenshot(path=str(artifacts / f"{name}-{width}.png"), full_page=True)


def test_hover_tooltip_and_brush_on_the_same_panel(app_page, serve_cli, artifacts):
    page = app_page
    served = serve_cli("demo", "methods", "--port", "0", env={"RLX_DEBUG": "1"})
    open_app(page, served.url)
    assert status(page)["tool"] == "zoom"  # no tool switch: the brush is the interaction
    box = plot_box(page, 1)
    page.mouse.move(box["x"] + 0.3 * box["width"], box["y"] + 0.5 * box["height"])
    state = wait_for_status(page, lambda s: s["hover_step"] is not None, "a hover step")
    step = state["hover_step"]
    assert step == int(step) and 900 < step < 1500  # snapped to a logged step, under the cursor
    shown = wait_until(
        page, lambda: [r for r in readouts(page) if "smoothed" in r["text"]], "tooltips"
    )
    assert len(shown) == 4  # in every panel at once
    assert all(f"Training Steps {int(step)}" in r["text"] and "GRPO" in r["text"] for r in shown)
    panel = page.locator(".rlx-panel-1").bounding_box()
    mine = page.locator(".rlx-panel-1 .rlx-readout .widget-html-content").bounding_box()
    cursor_y = box["y"] + 0.5 * box["height"]
    assert panel["x"] <= mine["x"] and mine["x"] + mine["width"] <= panel["x"] + panel["width"] + 1
    assert mine["y"] >= cursor_y - 1  # at the cursor (under it), inside its panel
    page.screenshot(path=str(artifacts / "hover-tooltip.png"))

    drag_brush(page, 1, 0.2, 0.6)  # the same panel: brushing still zooms
    state = wait_for_status(page, lambda s: s["step_range"] is not None, "the brushed range")
    lo, hi = state["step_range"]
    assert 500 < lo < 1200 and 2000 < hi < 2800
    box = plot_box(page, 1)
    page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.4 * box["height"])
    state = wait_for_status(
        page, lambda s: s["hover_step"] is not None and lo <= s["hover_step"] <= hi, "hover again"
    )
    page.mouse.move(5, 5)  # off the panels: the tooltips go
    wait_for_status(page, lambda s: s["hover_step"] is None, "the hover to end")
    wait_until(page, lambda: not any(r["text"] for r in readouts(page)), "the tooltips to go")
    assert page.rlx_errors == [] and page.rlx_blocked == []


def test_metric_filter_typed_in_the_bar(app_page, serve_cli, artifacts):
    page = app_page
    served = serve_cli("demo", "dashboard", "--port", "0")
    state = open_app(page, served.url)
    every = state["metrics"]
    assert page.locator(".rlx-panel").count() == len(every) == 3
    page.locator(".rlx-metric-filter input").fill("^actor/")
    wait_for_status(page, lambda s: s["metric_filter"] == "^actor/", "the metric filter")
    wait_until(page, lambda: page.locator(".rlx-panel").count() == 2, "two actor panels")
    titles = page.eval_on_selector_all(".rlx-panel-title", "ts => ts.map(t => t.textContent)")
    assert sorted(titles) == ["actor/entropy_loss", "actor/kl_loss"]
    page.screenshot(path=str(artifacts / "metric-filter.png"))
    page.locator(".rlx-metric-filter input").fill("(")
    wait_until(page, lambda: "regular expression" in page.inner_text(".rlx-error"), "the error")
    page.locator(".rlx-metric-filter input").fill("")
    wait_for_status(page, lambda s: s["metric_filter"] == "", "no filter")
    wait_until(page, lambda: page.locator(".rlx-panel").count() == 3, "every panel again")
    assert page.rlx_errors == []


def test_fifteen_real_runs_at_a_glance(app_page, serve_cli, artifacts, real_data):
    page = app_page
    served = serve_cli("view", str(real_data / "nips-grpo-dynamics"), "--port", "0")
    state = open_app(page, served.url)
    assert len(state["visible_runs"]) == 15
    strokes = page.eval_on_selector_all(
        ".rlx-legend-entry", "es => es.map(e => getComputedStyle(e).color)"
    )
    assert len(set(strokes)) == 15  # every run its own colour
    assert "train/train_runtime" not in state["metrics"]  # a summary value, not a dot panel
    rows = page.locator(".rlx-summary tbody tr").count()
    assert rows == 15  # the summary: one row per run
    shoot(page, artifacts, "nips-light")
    page.locator(".rlx-theme-switch button", has_text="dark").click()
    wait_until(
        page,
        lambda: "rlx-theme-dark" in page.locator(".rlx-explorer").get_attribute("class"),
        "dark",
    )
    shoot(page, artifacts, "nips-dark")
    assert page.rlx_errors == []
