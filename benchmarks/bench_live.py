"""What following a growing log costs: a poll with a few new records vs a fresh load.

A TensorBoard run and a JSONL run, each ``--metrics`` metrics x ``--steps`` steps, are
written with the real writers (tensorboardX, json). Then, ``--appends`` times, one more step
of every metric is appended to both and the follower polls; each poll is timed and the bytes
it read are counted. For comparison the whole directory is loaded with ``rlexplore.load``,
and the follower's dataset is checked equal to that fresh load. Last, the explorer's side:
how long ``Explorer.set_data`` takes with one more step, and an x axis or grouping switch.

Run: ``nice python benchmarks/bench_live.py [--metrics 40 --steps 10000 --appends 20]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import xarray as xr
from tensorboardX import SummaryWriter

import rlexplore as rlx
from rlexplore.live import Follower


def write_steps(tb: SummaryWriter, jsonl, steps, metrics: int) -> None:
    for step in steps:
        row = {"step": step}
        for m in range(metrics):
            value = 1.0 / (step + 1) + m
            tb.add_scalar(f"train/m{m}", value, step)
            row[f"train/m{m}"] = value
        jsonl.write(json.dumps(row) + "\n")
    tb.flush()
    jsonl.flush()


def settle(logdir: Path) -> None:
    """Wait until the writers' background threads have written everything (sizes stop changing)."""
    sizes = None
    while True:
        now = [p.stat().st_size for p in sorted(logdir.rglob("*")) if p.is_file()]
        if now == sizes:
            return
        sizes = now
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics", type=int, default=40)
    parser.add_argument("--steps", type=int, default=10000)
    parser.add_argument("--appends", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        logdir = Path(tmp)
        tb = SummaryWriter(str(logdir / "tb"), flush_secs=3600, max_queue=10**6)
        with open(logdir / "run.jsonl", "w") as jsonl:
            t0 = time.perf_counter()
            write_steps(tb, jsonl, range(args.steps), args.metrics)
            settle(logdir)
            print(
                f"wrote {2 * args.metrics * args.steps:,} points in {time.perf_counter() - t0:.1f} s"
            )
            follower = Follower(logdir)
            t0 = time.perf_counter()
            follower.poll()
            first = time.perf_counter() - t0
            times, read = [], []
            for k in range(args.appends):
                write_steps(tb, jsonl, [args.steps + k], args.metrics)
                settle(logdir)
                before = follower.bytes_read
                t0 = time.perf_counter()
                follower.poll()
                times.append(time.perf_counter() - t0)
                read.append(follower.bytes_read - before)
        tb.close()
        follower.poll()
        t0 = time.perf_counter()
        fresh = rlx.load(logdir)
        load_s = time.perf_counter() - t0
        xr.testing.assert_identical(follower.dataset, fresh)
        size = sum(p.stat().st_size for p in logdir.rglob("*") if p.is_file())
    points = 2 * args.metrics * (args.steps + args.appends)
    print(f"{points:,} points, {size / 2**20:.1f} MiB on disk")
    print(
        f"first poll (reads everything): {first:.2f} s; rlexplore.load of the final directory: {load_s:.2f} s"
    )
    print(
        f"poll after one appended step ({2 * args.metrics} points): median {statistics.median(times) * 1e3:.0f} ms, "
        f"max {max(times) * 1e3:.0f} ms; bytes read per poll: median {statistics.median(read):,.0f}"
    )
    print("follower dataset == fresh load: yes")


def explorer_update() -> None:
    """The explorer's side: set_data with one more step, an x axis switch, a grouping switch."""
    ds = rlx.demo("methods")
    ex = rlx.Explorer(ds.isel(step=slice(0, 3990)))
    ex.state.step_range = (100, 3000)
    times = []
    for k in range(3991, 4001):
        t0 = time.perf_counter()
        ex.set_data(ds.isel(step=slice(0, k)))
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    ex.state.x_axis = "relative_time"
    x_ms = (time.perf_counter() - t0) * 1e3
    t0 = time.perf_counter()
    ex.state.group_by = "hp.sync_interval"
    group_ms = (time.perf_counter() - t0) * 1e3
    print(
        f"explorer on demo('methods'), 3 runs x 4 panels x 4000 steps: set_data with one more step "
        f"median {statistics.median(times) * 1e3:.0f} ms; x axis switch {x_ms:.0f} ms; grouping {group_ms:.0f} ms"
    )


if __name__ == "__main__":
    main()
    explorer_update()
