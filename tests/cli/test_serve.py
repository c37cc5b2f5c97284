"""``rlexplore demo`` serves Voila / JupyterLab, prints the URL, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import json
import signal
import urllib.request

import pytest
from rlx_serving import jupyter_env, start_cli, stop

pytest.importorskip("voila")


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=60) as resp:
        return resp.status, resp.read().decode(errors="replace")


def test_demo_serves_the_explorer_notebook_and_stops_on_ctrl_c(tmp_path):
    served = start_cli(["demo", "dashboard", "--port", "0"], tmp_path / "cli.log", jupyter_env(tmp_path))
    try:
        assert served.url.startswith("http://127.0.0.1:")
        status, page = get(served.url)  # runs the app notebook in a kernel
        assert status == 200
        assert "application/vnd.jupyter.widget-view+json" in page or "Traceback" in page
    finally:
        survivors = stop(served, signal.SIGINT)
    assert served.proc.returncode == 0, served.log_tail()
    assert survivors == [], "kernels or servers outlived Ctrl-C"
    assert "stopping the server" in "\n".join(served.lines)


def test_demo_lab_copies_the_quickstart_and_serves_jupyterlab(tmp_path):
    served = start_cli(["demo", "--lab", "--port", "0", "--notebook-dir", str(tmp_path)],
                       tmp_path / "cli.log", jupyter_env(tmp_path / "jupyter"))  # fmt: skip
    try:
        assert "/lab/tree/rlexplore-quickstart.ipynb?token=" in served.url
        token = served.url.split("token=")[1]
        status, body = get(f"http://127.0.0.1:{served.port}/api/status?token={token}")
        assert status == 200 and "started" in json.loads(body)
        copied = json.loads((tmp_path / "rlexplore-quickstart.ipynb").read_text())
        assert "rlx.Explorer" in "".join(copied["cells"][1]["source"])
    finally:
        survivors = stop(served, signal.SIGINT)
    assert served.proc.returncode == 0, served.log_tail()
    assert survivors == []
