"""A sweep too big for memory, explored lazily: 1,000 runs x 100 metrics x 10,000 steps.

The sweep (1e9 float64 values, 8 GB uncompressed) is generated once into
``benchmarks/.cache/`` with :func:`rlexplore.to_zarr`, one run at a time. Then, in a
fresh process, the store is opened lazily and an explorer of 8 panels x 10 runs is built;
the script prints the time to open, the time of the first render (kernel side), the bytes
that render sends to the browser, and the process's peak memory (target: under 2 GB).
``render_10_of_10`` renders the same view of a Dataset holding only the 10 shown runs (still
lazy), which separates the cost of the data from that of 1,000 legend entries.

Run with::

    nice .venv/bin/python benchmarks/bench_sweep.py            # full size
    .venv/bin/python benchmarks/bench_sweep.py --runs 50       # a quick smaller sweep
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import xarray as xr

sys.path.insert(0, str(Path(__file__).parent))
from _wire import WireMeter, peak_rss_mb, timed  # noqa: E402

CACHE = Path(__file__).parent / ".cache"
PANELS, SHOWN_RUNS, WIDTH = 8, 10, 800


def run_dataset(i: int, n_metrics: int, n_steps: int) -> xr.Dataset:
    """One synthetic run: random walks around a per-metric level, with wall times."""
    from rlexplore.dataset import set_report

    rng = np.random.default_rng(i)
    steps = np.arange(n_steps, dtype=np.int64)
    walk = np.cumsum(rng.normal(0, 0.01, (1, n_metrics, n_steps)), axis=-1)
    values = walk + rng.normal(0, 1, (1, n_metrics, 1))
    ds = xr.Dataset(
        {
            "value": (("run", "metric", "step"), values),
            "wall_time": (("run", "step"), 1.7e9 + 30.0 * steps[None]),
        },
        coords={
            "run": np.array([f"sweep/lr{i % 10}/seed{i:04d}"], dtype=object),
            "metric": np.array([metric_name(j) for j in range(n_metrics)], dtype=object),
            "step": steps,
            "hp.lr": ("run", [1e-6 * (1 + i % 10)]),
            "hp.seed": ("run", [float(i)]),
        },
    )
    return set_report(ds, {"sources": [{"path": f"synthetic/run{i}", "format": "synthetic"}]})


def metric_name(j: int) -> str:
    groups = ("actor", "critic", "eval", "response_length", "perf")
    return f"{groups[j % len(groups)]}/metric_{j:03d}"


def generate(path: Path, runs: int, metrics: int, steps: int) -> dict:
    import rlexplore as rlx

    start = time.perf_counter()
    rlx.to_zarr((run_dataset(i, metrics, steps) for i in range(runs)), path)
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return {
        "seconds": time.perf_counter() - start,
        "peak_rss_mb": peak_rss_mb(),
        "store_gb": size / 1e9,
    }


def measure(path: Path) -> dict:
    """Open lazily and render 8 panels x 10 runs; runs in its own process for peak memory."""
    meter = WireMeter().install()
    import rlexplore as rlx

    results: dict = {}
    rlx.Explorer(rlx.demo("dashboard"))  # warm the imports of the widget libraries
    with timed(results, "open"):
        ds = rlx.open_zarr(path)
    runs = list(ds["run"].values[:: max(1, ds.sizes["run"] // SHOWN_RUNS)][:SHOWN_RUNS])
    metrics = list(ds["metric"].values[:: max(1, ds.sizes["metric"] // PANELS)][:PANELS])
    with timed(results, "render_10_of_10", meter):
        # the same 8 x 10 view of a Dataset holding just those runs (still lazy): the data path
        # alone, without a legend and checkboxes for 1,000 runs
        rlx.Explorer(ds.sel(run=runs), metrics=metrics)
    with timed(results, "first_render", meter):
        ex = rlx.Explorer(ds, metrics=metrics, runs=runs)
    with timed(results, "smoothing_change", meter):
        ex.state.smoothing = 0.95
    lo, hi = float(ds["step"][0]), float(ds["step"][-1])
    with timed(results, "brush", meter):
        ex.state.step_range = (lo + 0.4 * (hi - lo), lo + 0.45 * (hi - lo))
    results["points_drawn"] = int(sum(len(p.drawn()) for p in ex.panels))
    results["peak_rss_mb"] = peak_rss_mb()
    results["shape"] = dict(ds.sizes)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--metrics", type=int, default=100)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    path = CACHE / f"sweep_{args.runs}x{args.metrics}x{args.steps}.zarr"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"generating {path} ...", flush=True)
        print(
            "generate:", json.dumps(generate(path, args.runs, args.metrics, args.steps)), flush=True
        )
    out = subprocess.run(
        [sys.executable, __file__, "--measure", str(path)], capture_output=True, text=True
    )
    if out.returncode:
        sys.exit(out.stderr)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"sweep {res['shape']}: {PANELS} panels x {SHOWN_RUNS} runs")
    for name in ("open", "render_10_of_10", "first_render", "smoothing_change", "brush"):
        sent = f", {res[name]['bytes'] / 1e3:,.0f} kB sent" if "bytes" in res[name] else ""
        print(
            f"  {name:17s} {res[name]['cpu_ms']:9.0f} CPU ms {res[name]['ms']:9.0f} wall ms{sent}"
        )
    print(f"  points drawn      {res['points_drawn']:,}")
    print(f"  peak memory       {res['peak_rss_mb']:,.0f} MB (target < 2048)")


if __name__ == "__main__":
    main()
