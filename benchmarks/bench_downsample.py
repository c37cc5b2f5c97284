"""Pixel-bounded lines against every point sent: 10 runs x 8 metrics x up to 1,000,000 steps.

For each step count, one explorer (8 panels, 10 runs, raw + smoothed lines) is built and
driven; the script prints the kernel-side milliseconds and the bytes sent to the browser
for: the build, a smoothing change, a narrow brush (1% of the steps), a wide brush (50%)
and a reset to all steps. "pixel" is rlexplore's path (raw lines: each pixel column's min
and max; smoothed lines: one point a column, of the visible range at the panel's width;
smoothing on full resolution); "naive" is the same explorer with the view model's
:func:`~rlexplore.viewmodel.line_xy` and :func:`~rlexplore.viewmodel.curve_xy` replaced by
"send every point in range".

Bytes are counted on the widgets' comms (JSON plus binary buffers), see ``_wire.py``.

Run with::

    nice .venv/bin/python benchmarks/bench_downsample.py                  # 1e4, 1e5, 1e6 steps
    .venv/bin/python benchmarks/bench_downsample.py --steps 100000 --no-naive
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import xarray as xr

sys.path.insert(0, str(Path(__file__).parent))
from _wire import WireMeter, peak_rss_mb  # noqa: E402

RUNS, METRICS = 10, 8


def dataset(n_steps: int, seed: int = 0) -> xr.Dataset:
    """Random walks with rare single-step spikes, every step logged."""
    rng = np.random.default_rng(seed)
    values = np.cumsum(rng.normal(0, 0.01, (RUNS, METRICS, n_steps)), axis=-1)
    spikes = rng.integers(0, n_steps, (RUNS, METRICS, 3))
    np.put_along_axis(values, spikes, 25.0, axis=-1)
    return xr.Dataset(
        {"value": (("run", "metric", "step"), values)},
        coords={
            "run": np.array([f"run{i}" for i in range(RUNS)], dtype=object),
            "metric": np.array([f"actor/metric_{j}" for j in range(METRICS)], dtype=object),
            "step": np.arange(n_steps, dtype=np.int64),
        },
    )


def naive_line_xy(steps, values, step_range, width_px):
    """The path without downsampling: every point in the visible range is sent."""
    from rlexplore.viewmodel import window

    sel = window(steps, step_range)
    return np.asarray(steps[sel], dtype=np.float64), np.asarray(values[sel], dtype=np.float64)


def use_naive(naive: bool, saved: dict) -> None:
    """Point the view model at the naive or the pixel-bounded line functions."""
    from rlexplore.viewmodel import model, panel

    for module, names in ((panel, ("line_xy", "curve_xy")), (model, ("curve_xy",))):
        for name in names:
            saved.setdefault((module, name), getattr(module, name))
            setattr(module, name, naive_line_xy if naive else saved[(module, name)])


def step(meter: WireMeter, action) -> tuple[float, float, int]:
    """(CPU ms, wall ms, bytes sent) of one update. CPU time is the kernel's own work:
    on a shared machine, wall time also counts the other jobs.
    """
    meter.reset()
    cpu, wall = time.process_time(), time.perf_counter()
    action()
    return (time.process_time() - cpu) * 1e3, (time.perf_counter() - wall) * 1e3, meter.bytes


def drive(ds: xr.Dataset, meter: WireMeter) -> dict[str, tuple[float, float, int]]:
    import rlexplore as rlx

    n = ds.sizes["step"]
    out: dict[str, tuple[float, float, int]] = {}
    holder = {}
    out["build"] = step(meter, lambda: holder.setdefault("ex", rlx.Explorer(ds, smoothing=0.6)))
    ex = holder["ex"]
    changes = [step(meter, lambda w=w: setattr(ex.state, "smoothing", w)) for w in (0.8, 0.9)]
    out["smoothing change"] = tuple(statistics.median(c[i] for c in changes) for i in range(3))
    out["brush 1%"] = step(meter, lambda: setattr(ex.state, "step_range", (0.40 * n, 0.41 * n)))
    out["brush 50%"] = step(meter, lambda: setattr(ex.state, "step_range", (0.25 * n, 0.75 * n)))
    out["reset"] = step(meter, lambda: setattr(ex.state, "step_range", None))
    out["points drawn"] = (float("nan"), float("nan"), sum(len(p.drawn()) for p in ex.panels))
    ex.close() if hasattr(ex, "close") else None
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--no-naive", action="store_true", help="skip the every-point path")
    args = parser.parse_args()
    meter = WireMeter().install()
    import rlexplore as rlx

    rlx.Explorer(rlx.demo("dashboard"))  # warm imports
    saved: dict = {}
    modes = ["pixel"] + ([] if args.no_naive else ["naive"])
    print(
        f"{RUNS} runs x {METRICS} metrics, raw + smoothed lines; per update: kernel CPU ms, wall ms, kB sent"
    )
    for n in args.steps:
        ds = dataset(n)
        for mode in modes:
            use_naive(mode == "naive", saved)
            gc.collect()
            res = drive(ds, meter)
            print(f"\n{n:,} steps, {mode}:")
            for name, (cpu, wall, sent) in res.items():
                if name == "points drawn":
                    print(f"  {name:17s} {sent:>12,}")
                else:
                    print(
                        f"  {name:17s} {cpu:9.0f} CPU ms {wall:9.0f} wall ms {sent / 1e3:12,.0f} kB"
                    )
        del ds
    use_naive(False, saved)
    print(f"\npeak memory {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
