"""Run Voila or JupyterLab as a child process: check the port, print the URL, stop cleanly.

The server runs in its own session, so a Ctrl-C in the terminal reaches only this process,
which then stops the server (and, through it, its kernels) instead of leaving orphans.
"""

from __future__ import annotations

import contextlib
import importlib.util
import ipaddress
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ..errors import RLExploreError, missing_extra

STARTUP_TIMEOUT = 120.0  # seconds for the server to open its port (a cold start can be slow)
STOP_TIMEOUT = 15.0  # seconds for the server to shut its kernels down after SIGTERM
CULL_IDLE_S = 600  # a closed tab's kernel is stopped after this many idle seconds (open tabs never)


def is_loopback(host: str) -> bool:
    """True when `host` is only reachable from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def pick_port(host: str, port: int) -> int:
    """Return `port` if it is free on `host` (``0`` picks a free one); raise if it is taken.

    Raises
    ------
    RLExploreError
        If the port is already in use or the host cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except PermissionError:
            raise RLExploreError(
                f"no permission to use port {port} on {host}; choose another with --port"
            ) from None
        except OSError as err:
            if port and err.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
                raise RLExploreError(
                    f"port {port} on {host} is already in use; choose another with --port "
                    "(or --port 0 for any free port)"
                ) from None
            raise RLExploreError(f"cannot listen on {host}:{port}: {err.strerror}") from None
        return sock.getsockname()[1]


def require(module: str, extra: str = "app") -> None:
    """Raise a clear error when the server package `module` is not installed."""
    if importlib.util.find_spec(module) is None:
        raise missing_extra(module, extra)


def voila_command(notebook: Path, host: str, port: int, extra: Sequence[str] = ()) -> list[str]:
    """The command line serving `notebook` as a Voila app on `host:port`."""
    require("voila")
    return [
        sys.executable, "-m", "voila", str(notebook), "--no-browser",
        f"--Voila.ip={host}", f"--Voila.port={port}", "--Voila.port_retries=0",
        # tracebacks help a local user; never show them to other machines
        f"--VoilaConfiguration.show_tracebacks={is_loopback(host)}",
        # every page load starts a kernel that outlives its tab: stop those idle and unconnected
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_S}", "--MappingKernelManager.cull_interval=60",
        *extra,
    ]  # fmt: skip


def lab_command(
    root: Path, host: str, port: int, token: str, extra: Sequence[str] = ()
) -> list[str]:
    """The command line serving JupyterLab on `root` at `host:port`, protected by `token`."""
    require("jupyterlab")
    return [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        f"--ServerApp.ip={host}", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
        f"--ServerApp.allow_root={os.name == 'posix' and os.geteuid() == 0}",
        *extra,
    ]  # fmt: skip


def new_token() -> str:
    """A random token for JupyterLab's URL."""
    return secrets.token_hex(16)


def url_for(host: str, port: int, path: str = "/") -> str:
    """The URL a browser on this machine opens (an IPv6 host goes in brackets)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}{path}"


def serve(
    cmd: Sequence[str],
    host: str,
    port: int,
    url: str,
    *,
    env: dict[str, str] | None = None,
    what: str = "rlexplore",
) -> int:
    """Start `cmd`, print `url` once `port` accepts connections, run until Ctrl-C or SIGTERM.

    Returns the exit code: 0 after a requested stop, the server's own code if it stopped
    by itself.
    """
    proc = subprocess.Popen(list(cmd), env=env, start_new_session=True)
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        _wait_for_port(proc, "127.0.0.1" if host in ("0.0.0.0", "") else host, port)
        print(f"rlexplore: serving {what} at {url}", flush=True)
        print("rlexplore: press Ctrl-C to stop", flush=True)
        return proc.wait()
    except KeyboardInterrupt:
        print("\nrlexplore: stopping the server…", flush=True)
        return 0
    finally:
        # a second Ctrl-C must not leave the server (in its own session) running
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            stop(proc)
        finally:
            signal.signal(signal.SIGINT, interrupt)
            signal.signal(signal.SIGTERM, previous)


def stop(proc: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> None:
    """Stop `proc` with SIGTERM (it shuts its kernels down), then kill what is left, by PID."""
    children = _children(proc.pid)
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for child in children:
        try:
            child.wait(timeout=2)
        except Exception:  # noqa: BLE001  (psutil.TimeoutExpired or NoSuchProcess)
            _kill(child)


def _children(pid: int) -> list:
    """The live descendants of `pid` (kernels run in their own sessions, so record them now)."""
    try:
        import psutil
    except ImportError:
        return []
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _kill(child) -> None:
    with contextlib.suppress(Exception):  # psutil's NoSuchProcess: it exited meanwhile
        child.kill()


def _wait_for_port(
    proc: subprocess.Popen, host: str, port: int, timeout: float = STARTUP_TIMEOUT
) -> None:
    """Block until `host:port` accepts a TCP connection (polling ``GET /`` would start a kernel)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RLExploreError(
                f"the server exited with code {proc.returncode} before it was ready (see its log above)"
            )
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RLExploreError(f"the server did not open port {port} within {timeout:.0f} s")


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
