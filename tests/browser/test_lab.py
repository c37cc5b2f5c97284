"""``rlexplore demo --lab``: the quickstart notebook runs in JupyterLab and its explorer answers the mouse."""

from __future__ import annotations

import json

import pytest
from explorer_page import (
    RENDER_TIMEOUT,
    line_counts,
    panels_drawn,
    settled_counts,
    status,
    wait_for_status,
    wait_until,
)

pytestmark = pytest.mark.browser

KERNEL_EXEC = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code});
  let out = '';
  future.onIOPub = msg => { if (msg.header.msg_type === 'stream') out += msg.content.text; };
  await future.done;
  return out;
}"""


KERNEL_STATUS = """() => {
  const kernel = window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel;
  return kernel ? `${kernel.status}/${kernel.connectionStatus}` : null;
}"""


def quiet_lab_args(tmp_path) -> list[str]:
    """JupyterLab without news, update checks, restored tabs or PyPI queries (the network is closed)."""
    settings = tmp_path / "lab-settings"
    notification = (
        settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    )
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    return [f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
            "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly", "--LabApp.expose_app_in_browser=True"]  # fmt: skip


def test_quickstart_runs_in_jupyterlab_and_the_legend_hides_a_run(
    tmp_path, app_page, serve_cli, artifacts
):
    page = app_page
    work = tmp_path / "work"
    work.mkdir()
    served = serve_cli("demo", "--lab", "--port", "0", "--notebook-dir", str(work), "--", *quiet_lab_args(tmp_path),
                       env={"RLX_STATE_FILE": str(tmp_path / "state.json")})  # fmt: skip
    page.goto(served.url)
    wait_until(
        page,
        lambda: page.evaluate(KERNEL_STATUS) == "idle/connected",
        "the notebook's kernel",
        RENDER_TIMEOUT,
    )
    page.evaluate(
        "() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
    )  # do not await it
    wait_until(page, lambda: panels_drawn(page), "the quickstart's panels to draw", RENDER_TIMEOUT)
    state = wait_for_status(
        page, lambda s: s["step_range"] == [2000, 4000], "the second cell's state"
    )
    assert state["smoothing"] == 0.9 and settled_counts(page) == [6, 6, 6, 6]
    page.screenshot(path=str(artifacts / "lab-quickstart.png"))

    entry = page.locator(".rlx-legend-entry.rlx-run-name-GRPO")
    entry.scroll_into_view_if_needed()
    entry.click()
    wait_until(page, lambda: line_counts(page) == [4, 4, 4, 4], "GRPO's lines to leave every panel")
    assert "GRPO" not in status(page)["visible_runs"]
    live = page.evaluate(
        KERNEL_EXEC, "print(list(ex.state.visible_runs))"
    )  # the notebook's own kernel
    assert json.loads(live.replace("'", '"')) == ["REC-OneSide-NoIS (0.2)", "RED-Weight"]
    assert json.loads((tmp_path / "state.json").read_text())["visible_runs"] == [
        "REC-OneSide-NoIS (0.2)",
        "RED-Weight",
    ]
    page.screenshot(path=str(artifacts / "lab-quickstart-run-hidden.png"))
