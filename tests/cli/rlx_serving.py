"""Start a server (the ``rlexplore`` command, or Voila on a notebook) for a test, and stop it cleanly.

Shared by tests/cli and tests/browser. A server runs in its own session; its descendants
(kernels run in sessions of their own) are recorded before it is stopped, and any still
alive afterwards are killed by PID and reported, never by name.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

URL = re.compile(r"serving .* at (http://\S+)")


@dataclass
class Served:
    """A running server: its process, the URL it printed, and where its log goes."""

    proc: subprocess.Popen
    log: Path
    url: str = ""
    lines: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(re.search(r":(\d+)/", self.url).group(1))

    def log_tail(self, n: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(
            ["-- stdout --", *self.lines[-n:], "-- stderr --", *text.splitlines()[-n:]]
        )


def jupyter_env(tmp: Path, **extra: str) -> dict[str, str]:
    """An environment whose Jupyter config, data, runtime and IPython dirs are private to `tmp`."""
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        path = tmp / name.lower()
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env.pop("JUPYTER_PATH", None)
    env.update(extra)
    return env


def start_cli(args: list[str], log: Path, env: dict[str, str], timeout: float = 120) -> Served:
    """Run ``python -m rlexplore ARGS`` and wait until it prints the URL it serves."""
    cmd = [sys.executable, "-m", "rlexplore", *args]
    served = _start(cmd, log, env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not served.url:
        if served.proc.poll() is not None:
            raise AssertionError(
                f"`rlexplore {' '.join(args)}` exited with {served.proc.returncode}\n{served.log_tail()}"
            )
        time.sleep(0.05)
    if not served.url:
        stop(served)
        raise AssertionError(
            f"`rlexplore {' '.join(args)}` printed no URL within {timeout} s\n{served.log_tail()}"
        )
    return served


def start_voila(notebook: Path, log: Path, env: dict[str, str], timeout: float = 120) -> Served:
    """Serve `notebook` with Voila on a free loopback port, ready when the port accepts connections."""
    port = free_port()
    cmd = [sys.executable, "-m", "voila", str(notebook), "--no-browser", "--Voila.ip=127.0.0.1",
           f"--Voila.port={port}", "--Voila.port_retries=0", "--VoilaConfiguration.show_tracebacks=True"]  # fmt: skip
    served = _start(cmd, log, env)
    served.url = f"http://127.0.0.1:{port}/"
    wait_for_port(served, port, timeout)
    return served


def stop(served: Served, sig: int = signal.SIGTERM, timeout: float = 30) -> list[int]:
    """Send `sig` to the server, wait, kill survivors by PID; return the PIDs that survived."""
    try:
        family = psutil.Process(served.proc.pid).children(recursive=True)
    except psutil.Error:
        family = []
    if served.proc.poll() is None:
        served.proc.send_signal(sig)
        try:
            served.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            served.proc.kill()
            served.proc.wait()
    survivors = [p for p in family if _alive(p, wait=3)]
    for p in survivors:
        p.kill()
    return [p.pid for p in survivors]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(served: Served, port: int, timeout: float) -> None:
    """Wait for a TCP connect (a GET of a Voila page would start a kernel)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if served.proc.poll() is not None:
            raise AssertionError(
                f"server exited with {served.proc.returncode}\n{served.log_tail()}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    stop(served)
    raise AssertionError(f"server did not open port {port} within {timeout} s\n{served.log_tail()}")


def _start(cmd: list[str], log: Path, env: dict[str, str]) -> Served:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as err:  # the child keeps its own handle
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=err, text=True, env=env, start_new_session=True
        )
    served = Served(proc, log)
    threading.Thread(target=_read, args=(served,), daemon=True).start()
    return served


def _read(served: Served) -> None:
    for line in served.proc.stdout:
        served.lines.append(line.rstrip("\n"))
        match = URL.search(line)
        if match and not served.url:
            served.url = match.group(1)


def _alive(proc: psutil.Process, wait: float) -> bool:
    try:
        proc.wait(timeout=wait)
        return False
    except psutil.TimeoutExpired:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
