"""``rlexplore demo`` serves Voila, prints the URL, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import signal
import time
import urllib.request

import pytest
from rlx_serving import jupyter_env, start_cli, stop

pytest.importorskip("voila")


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=60) as resp:
        return resp.status, resp.read().decode(errors="replace")


def test_demo_prints_its_url_and_stops_on_ctrl_c(tmp_path):
    # the page itself is tested in tests/browser (and `view` below fetches one over HTTP)
    served = start_cli(["demo", "dashboard", "--port", "0"], tmp_path / "cli.log", jupyter_env(tmp_path))
    assert served.url == f"http://127.0.0.1:{served.port}/"
    status, _ = get(served.url + "voila/static/voila.js")  # Voila answers, without starting a kernel
    assert status == 200
    survivors = stop(served, signal.SIGINT)
    assert served.proc.returncode == 0, served.log_tail()
    assert survivors == []
    assert "stopping the server" in "\n".join(served.lines)


def test_a_second_ctrl_c_while_stopping_still_stops_everything(tmp_path):
    served = start_cli(["demo", "length", "--port", "0"], tmp_path / "cli.log", jupyter_env(tmp_path))
    get(served.url)  # a kernel to shut down, so that stopping takes a moment
    for _ in range(5):  # an impatient user
        served.proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
    survivors = stop(served, signal.SIGINT)
    assert survivors == [] and served.proc.returncode == 0, served.log_tail()
