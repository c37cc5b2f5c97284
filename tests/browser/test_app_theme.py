"""The app in a real browser: theme switch, no CDN request, the test hook hidden, findings labels."""

from __future__ import annotations

import pytest
from explorer_page import open_app, status, wait_until, write_notebook

pytestmark = pytest.mark.browser

DARK, LIGHT = "rgb(17, 17, 17)", "rgb(255, 255, 255)"
FINDINGS_NOTEBOOK = """
import rlexplore as rlx
rlx.Explorer(rlx.demo("methods"), findings=True).widget
"""


def background(page) -> str:
    return page.evaluate("() => getComputedStyle(document.body).backgroundColor")


def shoot(page, artifacts, name: str) -> None:
    for width in (1280, 1920):
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_timeout(400)  # bqplot redraws at the new width
        page.screenshot(path=str(artifacts / f"{name}-{width}.png"), full_page=True)


def test_theme_switch_no_cdn_and_no_debug_line(app_page, serve_cli, artifacts):
    page = app_page
    served = serve_cli("demo", "methods", "--port", "0", "--theme", "dark")
    open_app(page, served.url)
    root = page.locator(".rlx-explorer")
    assert "rlx-theme-dark" in root.get_attribute("class")
    assert status(page)["theme"] == "dark"
    wait_until(page, lambda: background(page) == DARK, "the dark page")
    # the test hook is in the page for tests, but not shown
    assert page.locator(".rlx-status").count() == 1 and not page.locator(".rlx-status").is_visible()
    shoot(page, artifacts, "app-dark")

    page.locator(".rlx-theme-switch button", has_text="light").click()
    wait_until(page, lambda: "rlx-theme-light" in root.get_attribute("class"), "the light theme")
    wait_until(page, lambda: background(page) == LIGHT, "the light page")
    shoot(page, artifacts, "app-light")

    # offline, the page asks no CDN (Voila's Font Awesome is left out by the rlexplore template)
    assert [u for u in page.rlx_blocked if "jsdelivr" in u or "fontawesome" in u] == []
    assert page.rlx_blocked == []
    assert page.rlx_errors == []


def test_findings_are_labelled_with_their_kind(tmp_path, app_page, serve_voila, artifacts):
    page = app_page
    write_notebook(tmp_path / "findings.ipynb", FINDINGS_NOTEBOOK)
    open_app(page, serve_voila(tmp_path / "findings.ipynb", env={"RLX_DEBUG": "1"}).url)
    assert page.locator(".rlx-status").is_visible()  # debug mode shows the hook
    labels = wait_until(
        page,
        lambda: page.eval_on_selector_all(
            ".rlx-panel svg text.mark_text, .rlx-panel svg text.label",
            "ts => ts.map(t => t.textContent).filter(t => t.includes('collapse') || t.includes('hint'))",
        ),
        "the findings' labels",
    )
    assert {"entropy collapse", "length collapse"} <= set(labels)
    shoot(page, artifacts, "findings")
    assert page.rlx_errors == []
