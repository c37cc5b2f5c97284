"""Benchmark: load a large TensorBoard logdir with rlexplore and with tbparse.

The workload (8 runs x 64 tags x 20,000 steps, about 10 million scalars) is written once
with tensorboardX into benchmarks/.cache/ (git-ignored) and reused afterwards. Then, in
one process, the same logdir is loaded

1. with ``rlexplore.load(logdir)``, and
2. with ``tbparse.SummaryReader(logdir, pivot=False, extra_columns={"dir_name"}).scalars``
   followed by a pivot into the same Dataset (``rlexplore.from_dataframe``),

the two Datasets are checked to be equal, and the times, scalars per second, peak
memory (RSS above the level before each load) and the speed ratio are printed.

    python benchmarks/bench_load.py                 # the full workload
    python benchmarks/bench_load.py --steps 2000    # a quick smaller one
    python benchmarks/bench_load.py --skip-tbparse  # rlexplore only
    python benchmarks/bench_load.py --jsonl         # JSONL: rlexplore vs pandas.read_json

With ``--jsonl`` the same workload is written as one JSONL file per run (verl's file
logger shape ``{"step": N, "data": {...}}``) and loaded with ``rlexplore.load`` and with
``pandas.read_json(lines=True)`` + melt + ``rlexplore.from_dataframe``; rlexplore reads
the lines as a stream, so its peak memory follows the data kept, not the file size.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def tag_names(n_tags: int) -> list[str]:
    groups = ["actor", "critic", "response_length", "timing", "val-core", "perf", "rollout", "eval"]
    return [f"{groups[k % len(groups)]}/metric_{k:03d}" for k in range(n_tags)]


def _write_run(args: tuple[str, int, int, int]) -> None:
    from tensorboardX import SummaryWriter

    logdir, run, n_tags, n_steps = args
    rng = np.random.default_rng(run)
    names = tag_names(n_tags)
    values = rng.standard_normal((n_steps, n_tags)).cumsum(axis=0) / 100.0
    writer = SummaryWriter(
        os.path.join(logdir, f"run_{run:02d}"), max_queue=100_000, flush_secs=600
    )
    t0 = 1.7e9 + run * 1e5
    for step in range(n_steps):
        wall = t0 + step * 2.0
        row = values[step]
        for k in range(n_tags):
            writer.add_scalar(names[k], float(row[k]), step, walltime=wall)
    writer.close()


def ensure_workload(root: Path, n_runs: int, n_tags: int, n_steps: int) -> Path:
    logdir = root / f"tb_{n_runs}x{n_tags}x{n_steps}"
    marker = logdir / "COMPLETE"
    if marker.exists():
        return logdir
    logdir.mkdir(parents=True, exist_ok=True)
    for old in logdir.rglob("events.out.tfevents.*"):
        old.unlink()
    print(f"writing the workload once with tensorboardX into {logdir} ...", flush=True)
    t = time.perf_counter()
    with mp.get_context("spawn").Pool(os.cpu_count() or 1) as pool:
        pool.map(_write_run, [(str(logdir), r, n_tags, n_steps) for r in range(n_runs)])
    marker.write_text("ok\n")
    print(f"  written in {time.perf_counter() - t:.0f} s", flush=True)
    return logdir


class PeakRSS:
    """Samples this process's resident memory while a block runs."""

    def __init__(self, interval: float = 0.01) -> None:
        import psutil

        self._proc = psutil.Process()
        self.interval = interval

    def __enter__(self) -> PeakRSS:
        self.start = self._proc.memory_info().rss
        self.peak = self.start
        self._maxrss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        if maxrss > self._maxrss0:  # the kernel's exact high-water mark, when it moved
            self.peak = max(self.peak, maxrss)

    @property
    def delta(self) -> int:
        return self.peak - self.start


def ensure_jsonl_workload(root: Path, n_runs: int, n_tags: int, n_steps: int) -> Path:
    import json

    logdir = root / f"jsonl_{n_runs}x{n_tags}x{n_steps}"
    marker = logdir / "COMPLETE"
    if marker.exists():
        return logdir
    logdir.mkdir(parents=True, exist_ok=True)
    names = tag_names(n_tags)
    for run in range(n_runs):
        rng = np.random.default_rng(run)
        values = rng.standard_normal((n_steps, n_tags)).cumsum(axis=0) / 100.0
        with open(logdir / f"run_{run:02d}.jsonl", "w") as f:
            for step in range(n_steps):
                data = dict(zip(names, values[step].tolist()))
                f.write(json.dumps({"step": step, "data": data}) + "\n")
    marker.write_text("ok\n")
    return logdir


def load_pandas_jsonl(logdir: Path):
    import pandas as pd

    import rlexplore as rlx

    frames = []
    for f in sorted(logdir.glob("*.jsonl")):
        df = pd.read_json(f, lines=True, precise_float=True)
        wide = pd.json_normalize(df["data"].tolist(), sep="/")
        wide.insert(0, "step", df["step"])
        long = wide.melt(id_vars="step", var_name="metric", value_name="value")
        long.insert(0, "run", f.stem)
        frames.append(long)
    return rlx.from_dataframe(pd.concat(frames, ignore_index=True))


def main_jsonl(args: argparse.Namespace) -> int:
    import rlexplore as rlx

    logdir = ensure_jsonl_workload(args.cache, args.runs, args.tags, args.steps)
    n = args.runs * args.tags * args.steps
    size = sum(p.stat().st_size for p in logdir.glob("*.jsonl"))
    print(
        f"workload: {args.runs} runs x {args.tags} tags x {args.steps} steps = {n:,} scalars, "
        f"{size / 2**20:.0f} MiB of JSONL"
    )
    with PeakRSS() as mem_rlx:
        t = time.perf_counter()
        ds = rlx.load(logdir, progress=False)
        t_rlx = time.perf_counter() - t
    print(
        f"rlexplore.load : {t_rlx:8.2f} s  {n / t_rlx:14,.0f} scalars/s  "
        f"peak +{mem_rlx.delta / 2**20:7.0f} MiB  (files {size / 2**20:.0f} MiB)"
    )
    with PeakRSS() as mem_pd:
        t = time.perf_counter()
        ref = load_pandas_jsonl(logdir)
        t_pd = time.perf_counter() - t
    print(
        f"pandas + pivot : {t_pd:8.2f} s  {n / t_pd:14,.0f} scalars/s  "
        f"peak +{mem_pd.delta / 2**20:7.0f} MiB"
    )
    same = (
        list(ds.run.values) == list(ref.run.values)
        and np.array_equal(ds.step.values, ref.step.values)
        and np.array_equal(
            ds["value"].values, ref["value"].sel(metric=ds.metric.values).values, equal_nan=True
        )
    )
    print(f"equal results  : {same}")
    print(f"speed ratio    : {t_pd / t_rlx:.1f}x, memory ratio {mem_pd.delta / mem_rlx.delta:.1f}x")
    return 0 if same else 1


def load_tbparse(logdir: Path):
    import tbparse

    import rlexplore as rlx

    df = tbparse.SummaryReader(str(logdir), pivot=False, extra_columns={"dir_name"}).scalars
    df = df.rename(columns={"dir_name": "run", "tag": "metric"})
    return rlx.from_dataframe(df[["run", "metric", "step", "value"]])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--tags", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--cache", type=Path, default=HERE / ".cache")
    parser.add_argument("--skip-tbparse", action="store_true")
    parser.add_argument(
        "--pure-python",
        action="store_true",
        help="use rlexplore's pure-Python parser instead of the C extension",
    )
    parser.add_argument("--jsonl", action="store_true", help="the JSONL workload instead")
    args = parser.parse_args(argv)
    if args.jsonl:
        return main_jsonl(args)

    import rlexplore as rlx
    from rlexplore.io import tfrecord

    logdir = ensure_workload(args.cache, args.runs, args.tags, args.steps)
    n = args.runs * args.tags * args.steps
    size = sum(p.stat().st_size for p in logdir.rglob("events.out.tfevents.*"))
    print(
        f"workload: {args.runs} runs x {args.tags} tags x {args.steps} steps = {n:,} scalars, "
        f"{size / 2**20:.0f} MiB of event files"
    )
    print(
        f"C extension: {'yes' if tfrecord.have_extension() and not args.pure_python else 'no'}; "
        f"cores: {os.cpu_count()}"
    )

    with PeakRSS() as mem_rlx:
        t = time.perf_counter()
        ds = rlx.load(logdir, progress=False, _pure_python=args.pure_python)
        t_rlx = time.perf_counter() - t
    ds_bytes = ds.nbytes
    print(
        f"rlexplore.load : {t_rlx:8.2f} s  {n / t_rlx:14,.0f} scalars/s  "
        f"peak +{mem_rlx.delta / 2**20:7.0f} MiB  (Dataset {ds_bytes / 2**20:.0f} MiB, "
        f"peak = {mem_rlx.delta / ds_bytes:.2f} x Dataset)"
    )
    if args.skip_tbparse:
        return 0

    with PeakRSS() as mem_tb:
        t = time.perf_counter()
        ref = load_tbparse(logdir)
        t_tb = time.perf_counter() - t
    print(
        f"tbparse + pivot: {t_tb:8.2f} s  {n / t_tb:14,.0f} scalars/s  "
        f"peak +{mem_tb.delta / 2**20:7.0f} MiB"
    )

    same = (
        list(ds.run.values) == list(ref.run.values)
        and sorted(ds.metric.values) == sorted(ref.metric.values)
        and np.array_equal(ds.step.values, ref.step.values)
        and np.array_equal(
            ds["value"].values, ref["value"].sel(metric=ds.metric.values).values, equal_nan=True
        )
    )
    print(f"equal results  : {same}")
    print(f"speed ratio    : {t_tb / t_rlx:.1f}x faster than tbparse + pivot")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
