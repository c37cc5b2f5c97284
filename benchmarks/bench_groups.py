"""How long grouping runs into bands takes: every center and band, on a sweep-sized Dataset.

30 runs (3 methods x 10 seeds) x 40 metrics x 20,000 steps of random values, half the
seeds logging only every other step (so the alignment rules and NaN handling are in play).

Run: ``nice python benchmarks/bench_groups.py``
"""

from __future__ import annotations

import time

import numpy as np
import xarray as xr

from rlexplore.transforms.groups import aggregate


def main() -> None:
    runs, metrics, steps = 30, 40, 20_000
    rng = np.random.default_rng(0)
    values = rng.random((runs, metrics, steps))
    values[:15, :, 1::2] = np.nan
    ds = xr.Dataset(
        {"value": (("run", "metric", "step"), values)},
        coords={
            "run": np.array([f"m{i % 3}-seed{i}" for i in range(runs)], dtype=object),
            "metric": np.array([f"x{i}" for i in range(metrics)], dtype=object),
            "step": np.arange(steps),
        },
    )
    print(f"{runs} runs x {metrics} metrics x {steps:,} steps ({values.size:,} values), 3 groups")
    for center, band in [
        ("mean", "std"),
        ("mean", "sem"),
        ("mean", "minmax"),
        ("median", "quantile"),
    ]:
        t0 = time.perf_counter()
        aggregate(ds, pattern=r"-seed\d+", center=center, band=band)
        print(f"  {center:6s} + {band:8s}: {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
