"""How fast the explorer answers: kernel-side time and bytes sent per interaction.

On ``rlexplore.demo("methods")`` (3 runs x 4 metrics x 4000 steps, every panel shown),
each interaction is driven the way the browser drives it (``set_state`` on the widget, or
the button's click message), and measured from the message's arrival to the last
update sent back:

* smoothing change: the slider's new value (a new weight each time: no cache hit);
* run toggle: a legend click hiding, then showing, a run;
* brush: a drag on a panel released (``brushing`` turns False with ``selected``);
* reset: a double-click on a panel (d3 reports it as one empty brush gesture);
* hover: the inspect cursor moving to a new step.

Bytes are counted on the widgets' comms (JSON content plus binary buffers), by replacing
``comm.create_comm`` with a comm that records what it would publish.

Run: ``python benchmarks/bench_interaction.py [--repeats 40]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import comm
import numpy as np
from comm.base_comm import BaseComm


class CountingComm(BaseComm):
    """A comm that publishes nothing and counts what it would have sent."""

    log: list[tuple[str, int]] = []

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        size = len(json.dumps(data or {}, default=str)) + sum(
            memoryview(b).nbytes for b in buffers or []
        )
        CountingComm.log.append((msg_type, size))


def install() -> None:
    """Make every widget created from now on talk through a :class:`CountingComm`."""
    comm.create_comm = lambda *args, **kwargs: CountingComm(*args, **kwargs)


def array_state(values) -> dict:
    """An array the way the front end sends it (bqplot's binary array format)."""
    arr = np.asarray(values, dtype=np.float64)
    return {"value": memoryview(arr.tobytes()), "dtype": "float64", "shape": list(arr.shape)}


def measure(action, repeats: int, warmup: int = 3, setup=None):
    """Run ``action(i)`` repeatedly (after an untimed ``setup(i)``).

    Returns (median wall ms, p90 wall ms, median CPU ms, median bytes sent, median messages
    sent). CPU time is this process's own, so it does not grow when other processes load
    the machine; wall time does.
    """
    times, cpu, sizes, counts = [], [], [], []
    for i in range(warmup + repeats):
        if setup is not None:
            setup(i)
        CountingComm.log.clear()
        start, start_cpu = time.perf_counter(), time.process_time()
        action(i)
        elapsed, elapsed_cpu = (
            (time.perf_counter() - start) * 1000,
            (time.process_time() - start_cpu) * 1000,
        )
        if i >= warmup:
            times.append(elapsed)
            cpu.append(elapsed_cpu)
            sizes.append(sum(size for kind, size in CountingComm.log if kind == "comm_msg"))
            counts.append(sum(kind == "comm_msg" for kind, _ in CountingComm.log))
    return (
        statistics.median(times),
        float(np.percentile(times, 90)),
        statistics.median(cpu),
        statistics.median(sizes),
        statistics.median(counts),
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args(argv)
    install()
    import rlexplore as rlx

    ds = rlx.demo("methods")
    rlx.Explorer(ds)  # warm the imports and caches of ipywidgets and bqplot
    CountingComm.log.clear()
    start = time.perf_counter()
    ex = rlx.Explorer(ds)
    build_ms = (time.perf_counter() - start) * 1000
    build_bytes = sum(size for _, size in CountingComm.log)
    rng = np.random.default_rng(0)
    weights = rng.uniform(0.05, 0.99, 10_000).round(3)
    legend = ex.controls.legend_entries["REC-OneSide-NoIS (0.2)"]
    brush = ex.panels[0].brush

    def smoothing(i):
        ex.controls.smoothing.set_state({"value": float(weights[i])})

    def toggle(i):
        legend._handle_button_msg(None, {"event": "click"}, [])  # noqa: SLF001 - as the browser clicks

    def press(i):  # mouse down on a panel: the gesture starts
        brush.set_state({"brushing": True})

    def brush_release(i):
        lo = float(rng.uniform(1, 2500))
        brush.set_state(
            {"brushing": False, "selected": array_state([lo, lo + rng.uniform(200, 1500)])}
        )

    def zoomed_press(i):
        ex.state.step_range = (1000.0 + i, 2000.0 + i)
        press(i)

    def reset(i):
        brush.set_state({"brushing": False, "selected": None})

    ex.tool = "inspect"

    def hover(i):
        ex.panels[0].cursor.set_state({"selected": array_state([float(rng.uniform(1, 4000))])})

    rows = [("smoothing change", measure(smoothing, args.repeats))]
    rows.append(("run toggle (legend click)", measure(toggle, args.repeats)))
    ex.tool = "zoom"
    rows.append(("brush (release on a panel)", measure(brush_release, args.repeats, setup=press)))
    rows.append(("reset (double-click)", measure(reset, args.repeats, setup=zoomed_press)))
    ex.tool = "inspect"
    rows.append(("hover (inspect cursor)", measure(hover, args.repeats)))
    print(
        f"rlexplore.demo('methods'): 3 runs x 4 metrics x 4000 steps, {len(ex.panels)} panels, "
        f"{args.repeats} repeats each"
    )
    print(f"build: {build_ms:.0f} ms, {build_bytes / 1024:.0f} KiB of widget state\n")
    print("| interaction | median ms | p90 ms | median CPU ms | KiB sent per update | messages |")
    print("|---|---|---|---|---|---|")
    for name, (median, p90, cpu, size, count) in rows:
        print(
            f"| {name} | {median:.1f} | {p90:.1f} | {cpu:.1f} | {size / 1024:.1f} | {count:.0f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
