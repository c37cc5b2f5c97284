"""Measure what a widget would send to the browser, without a browser or a kernel.

ipywidgets opens one comm per widget through ``comm.create_comm``; outside a kernel that
returns a comm that drops every message. :class:`WireMeter` installs a comm that counts
the bytes of each message instead (its JSON plus its binary buffers, which is how bqplot
sends arrays), so a benchmark can report the payload of an update.
"""

from __future__ import annotations

import json
import resource
import time
from contextlib import contextmanager

import comm
from comm.base_comm import BaseComm


class _CountingComm(BaseComm):
    meter: WireMeter | None = None

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        if self.meter is not None:
            size = len(json.dumps(data, default=str)) + sum(
                memoryview(b).nbytes for b in buffers or ()
            )
            self.meter.bytes += size
            self.meter.messages += 1


class WireMeter:
    """Counts bytes and messages sent to the front end while installed."""

    def __init__(self) -> None:
        self.bytes = 0
        self.messages = 0
        self._saved = None

    def install(self) -> WireMeter:
        self._saved = comm.create_comm
        _CountingComm.meter = self
        comm.create_comm = lambda *a, **k: _CountingComm(*a, **k)
        return self

    def reset(self) -> None:
        self.bytes = self.messages = 0


@contextmanager
def timed(results: dict, name: str, meter: WireMeter | None = None):
    """Record wall and CPU milliseconds (and bytes sent, with a meter) of the block under `name`."""
    if meter is not None:
        meter.reset()
    start, cpu = time.perf_counter(), time.process_time()
    yield
    results[name] = {
        "ms": (time.perf_counter() - start) * 1e3,
        "cpu_ms": (time.process_time() - cpu) * 1e3,
    }
    if meter is not None:
        results[name]["bytes"] = meter.bytes


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
