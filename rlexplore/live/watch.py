"""Polls on a timer: on the kernel's event loop in Jupyter and Voila, else in a thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, Protocol

import xarray as xr


class Pollable(Protocol):
    """What a :class:`Watch` polls: a :class:`~rlexplore.live.Follower`, say."""

    dataset: xr.Dataset | None

    def poll(self) -> bool:
        """Read what is new; True when :attr:`dataset` changed."""
        ...


class Watch:
    """A running :meth:`Follower.start`: polls on a timer until :meth:`stop`.

    Parameters
    ----------
    follower : Pollable
        What to poll (its ``poll()`` and ``dataset``).
    interval : float
        Seconds between polls.
    on_change : callable
        Called with the new dataset after each poll that changed it.
    """

    def __init__(
        self, follower: Pollable, interval: float, on_change: Callable[[xr.Dataset], Any]
    ) -> None:
        self.follower, self.interval, self.on_change = follower, interval, on_change
        self.errors: list[str] = []
        self.running = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: Any = None
        self._stop = threading.Event()

    def begin(self) -> None:
        """Mark the watch as running."""
        self.running = True
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = _kernel_loop()
        if self._loop is not None:
            self._handle = self._loop.call_later(self.interval, self._tick)
        else:
            threading.Thread(target=self._run_thread, name="rlexplore-follow", daemon=True).start()

    def stop(self) -> None:
        """Stop polling (a poll under way finishes)."""
        self.running = False
        self._stop.set()
        if self._handle is not None:
            self._handle.cancel()

    def step(self) -> bool:
        """One poll now; True when the data changed (and `on_change` was called)."""
        try:
            if self.follower.poll() and self.follower.dataset is not None:
                self.on_change(self.follower.dataset)
                return True
        except Exception as err:  # noqa: BLE001 - a bad poll must not end following
            self.errors = (self.errors + [f"{type(err).__name__}: {err}"])[-10:]
        return False

    def _tick(self) -> None:
        if not self.running:
            return
        self.step()
        if self.running and self._loop is not None:
            self._handle = self._loop.call_later(self.interval, self._tick)

    def _run_thread(self) -> None:
        while not self._stop.wait(self.interval):
            self.step()


def _kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop of a running IPython kernel, when there is one (cells run outside it)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    loop = getattr(getattr(kernel, "io_loop", None), "asyncio_loop", None)
    return loop if isinstance(loop, asyncio.AbstractEventLoop) else None
