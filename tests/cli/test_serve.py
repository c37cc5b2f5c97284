"""``rlexplore demo`` serves Voila, prints the URL, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import signal
import time
import urllib.request

import pytest
from rlx_serving import jupyter_env, start_cli, stop

pytest.importorskip("voila")


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=120) as resp:
        return resp.status, resp.read().decode(errors="replace")


def test_demo_prints_its_url_and_even_an_impatient_ctrl_c_stops_everything(tmp_path):
    # the page itself is tested in tests/browser; `view` in test_commands checks its HTML
    served = start_cli(
        ["demo", "length", "--port", "0"], tmp_path / "cli.log", jupyter_env(tmp_path)
    )
    assert served.url == f"http://127.0.0.1:{served.port}/"
    status, _ = get(served.url)  # starts a kernel, so that stopping takes a moment
    assert status == 200
    for _ in range(5):  # Ctrl-C, then Ctrl-C again while the server is stopping
        served.proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
    survivors = stop(served, signal.SIGINT)
    assert served.proc.returncode == 0, served.log_tail()
    assert survivors == [], "kernels or servers outlived Ctrl-C"
    assert "stopping the server" in "\n".join(served.lines)
