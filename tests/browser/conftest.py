"""Real-browser fixtures: Debian's Chromium driven by Playwright, servers on free loopback ports.

Browser tests skip, saying why, when Playwright or Chromium is missing; with
``RLX_REQUIRE_BROWSER=1`` (set by ``.ci/run``) they fail instead, so CI cannot pass without them.
Screenshots and server logs go to ``$RLX_ARTIFACTS`` (default ``test-artifacts/``).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))  # the shared server helpers

from rlx_serving import jupyter_env, start_cli, start_voila, stop  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
VIEWPORT = {"width": 1600, "height": 1000}


def _unavailable(reason: str):
    if os.environ.get("RLX_REQUIRE_BROWSER") == "1":
        pytest.fail(
            f"browser tests are required here (RLX_REQUIRE_BROWSER=1) but {reason}", pytrace=False
        )
    pytest.skip(reason)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots and logs go (kept after the run, for people to look at)."""
    path = Path(os.environ.get("RLX_ARTIFACTS") or ROOT / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("RLX_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        _unavailable(f"no Chromium at {path} (apt-get install chromium, or set RLX_CHROMIUM)")
    return path


@pytest.fixture(scope="module")
def chromium_browser(chromium_path):
    """A headless Chromium for one test module.

    Playwright's sync API keeps an event loop running while it is started, which breaks
    later tests that run asyncio themselves: it is stopped at the end of each module.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def app_page(chromium_browser, artifacts, request):
    """A fresh page that can reach only this machine; a screenshot is saved if the test fails."""
    context, page = _new_page(chromium_browser)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        page.screenshot(path=str(artifacts / f"{request.node.name}-failure.png"), full_page=True)
    context.close()


def _new_page(browser):
    """A page in its own context, its errors collected on ``page.rlx_errors``.

    Uncaught JS exceptions and dialogs are errors: an alert means injected script ran.
    Requests that leave the machine are aborted and listed on ``page.rlx_blocked``.
    """
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.rlx_errors, page.rlx_blocked = [], []
    page.on("pageerror", lambda err: page.rlx_errors.append(f"pageerror: {err}"))
    page.on(
        "dialog",
        lambda dialog: (
            page.rlx_errors.append(f"dialog: {dialog.type} {dialog.message}"),
            dialog.dismiss(),
        ),
    )
    context.route("**/*", lambda route: _local_only(route, page.rlx_blocked))
    return context, page


def _local_only(route, blocked: list[str]) -> None:
    """Abort every request that leaves the machine (CDN fonts and icons: the network is closed)."""
    url = route.request.url
    host = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    if url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost", "[::1]"):
        route.continue_()
    else:
        blocked.append(url)
        route.abort()


@pytest.fixture
def serve_cli(tmp_path, artifacts, request):
    """Start ``rlexplore ARGS`` (stopped, with all its kernels, after the test); returns the server."""
    started = []

    def start(*args: str, env: dict[str, str] | None = None):
        log = artifacts / f"{request.node.name}-server.log"
        served = start_cli(list(args), log, {**jupyter_env(tmp_path / "jupyter"), **(env or {})})
        started.append(served)
        return served

    yield start
    for served in started:
        assert stop(served) == [], "processes outlived the server"


@pytest.fixture
def serve_voila(tmp_path, artifacts, request):
    """Serve a notebook with Voila on a free port (stopped after the test); returns the server."""
    started = []

    def start(notebook: Path, env: dict[str, str] | None = None):
        log = artifacts / f"{request.node.name}-voila.log"
        served = start_voila(notebook, log, {**jupyter_env(tmp_path / "jupyter"), **(env or {})})
        started.append(served)
        return served

    yield start
    for served in started:
        assert stop(served) == [], "processes outlived the server"


@pytest.fixture(scope="module")
def module_page(chromium_browser, artifacts):
    """One page shared by the tests of a module (each Voila page load costs a kernel start)."""
    context, page = _new_page(chromium_browser)
    yield page
    context.close()


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory, artifacts):
    """``rlexplore demo`` serving the methods demo for a whole module; the kernel's state file too."""
    tmp = tmp_path_factory.mktemp("demo")
    state_file = tmp / "state.json"
    env = jupyter_env(tmp / "jupyter", RLX_STATE_FILE=str(state_file))
    served = start_cli(["demo", "methods", "--port", "0"], artifacts / "demo-server.log", env)
    served.state_file = state_file
    yield served
    assert stop(served) == [], "processes outlived the server"
