"""The three demos beside the reference charts: axes that read, light and dark, 1280 and 1920 px."""

from __future__ import annotations

import pytest
from explorer_page import open_app, wait_until

pytestmark = pytest.mark.browser

AXES_JS = """() => [...document.querySelectorAll('.rlx-panel')].map(panel => {
  const svg = panel.querySelector('.rlx-figure svg').getBoundingClientRect();
  return [...panel.querySelectorAll('g.axis')].map(axis => {
    const ticks = [...axis.querySelectorAll('.tick text')].filter(t => t.textContent)
                   .map(t => t.getBoundingClientRect());
    const label = axis.querySelector('.axislabel');
    const box = label && label.textContent ? label.getBoundingClientRect() : null;
    const xs = ticks.map(t => Math.round(t.x + t.width));
    return {vertical: new Set(xs).size === 1 && ticks.length > 1, n: ticks.length,
            inside: ticks.every(t => t.left >= svg.left - 1 && t.right <= svg.right + 1
                                    && t.top >= svg.top - 1 && t.bottom <= svg.bottom + 1),
            clear: !box || ticks.every(t => t.right < box.left || t.left > box.right
                                            || t.bottom < box.top || t.top > box.bottom)};
  });
})"""


def readme_picture(page, path) -> None:
    """The explorer from its top to its panels: the README's picture."""
    top = page.locator(".rlx-explorer").bounding_box()
    panels = page.locator(".rlx-panels").bounding_box()
    height = panels["y"] + panels["height"] + 3 - top["y"]
    page.screenshot(
        path=str(path),
        clip={"x": 0, "y": top["y"], "width": top["width"] + top["x"] * 2, "height": height},
    )


def check_axes(page) -> None:
    for i, axes in enumerate(page.evaluate(AXES_JS)):
        for axis in axes:
            assert axis["inside"], f"panel {i}: a tick label is cut at the figure's edge"
            assert axis["clear"], f"panel {i}: the axis label is over the tick numbers"
            if axis["vertical"]:
                assert 4 <= axis["n"] <= 7, f"panel {i}: {axis['n']} y ticks"
            else:
                assert 2 <= axis["n"] <= 7, f"panel {i}: {axis['n']} x ticks"


@pytest.mark.parametrize("name", ["methods", "dashboard", "length"])
def test_demo_axes_read_in_both_themes_and_widths(name, app_page, serve_cli, artifacts):
    page = app_page
    open_app(page, serve_cli("demo", name, "--port", "0").url)
    root = page.locator(".rlx-explorer")
    legend, grid = (
        page.locator(".rlx-legend").bounding_box(),
        page.locator(".rlx-panels").bounding_box(),
    )
    assert legend["y"] < grid["y"]  # the legend is where the eye is: over the panels
    for theme in ("light", "dark"):
        page.locator(".rlx-theme-switch button", has_text=theme).click()
        wait_until(page, lambda t=theme: f"rlx-theme-{t}" in root.get_attribute("class"), theme)
        for width in (1280, 1920):
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(800)  # the width meter reports; panels redraw at their size
            wait_until(page, lambda: page.evaluate(AXES_JS), "the axes")
            check_axes(page)
            page.screenshot(path=str(artifacts / f"demo-{name}-{theme}-{width}.png"))
            if (name, theme, width) == ("methods", "light", 1280):
                readme_picture(page, artifacts / "readme-explorer-1280.png")
    assert page.rlx_errors == [] and page.rlx_blocked == []
