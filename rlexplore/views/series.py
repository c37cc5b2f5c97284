"""Full-resolution series for the views: logged points per (run, metric) and cached smoothing.

The views never draw NaN: each (run, metric) series keeps only the steps it logged with a
finite value, so a metric logged every N steps is drawn as one connected line.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pandas as pd
import xarray as xr

from ..dataset import METRIC, RUN, STEP, VALUE, validate
from ..lazy import SeriesRows, SmoothedRows, take
from .lines import window

Series = tuple[np.ndarray, np.ndarray]
SMOOTH_CACHE_SIZE = 8
STATS = ("last", "min", "max", "mean")


class SeriesStore:
    """The dataset's values as per-series arrays, with smoothing cached per (method, weight)."""

    def __init__(self, ds: xr.Dataset) -> None:
        validate(ds)
        self.runs: tuple[str, ...] = tuple(ds[RUN].values.tolist())
        self.metrics: tuple[str, ...] = tuple(ds[METRIC].values.tolist())
        self.steps = np.asarray(ds[STEP].values, dtype=np.float64)
        # Indexed like an array; each series is read (computed, when dask-backed) and
        # smoothed only when a panel asks for it, so a view of a few runs of a big sweep
        # never loads the sweep.
        self.values = SeriesRows(ds[VALUE])
        self._run = {r: i for i, r in enumerate(self.runs)}
        self._metric = {m: i for i, m in enumerate(self.metrics)}
        self._index: dict[tuple[str, str], np.ndarray] = {}
        self._smoothed: OrderedDict[tuple[str, float], np.ndarray] = OrderedDict()

    @property
    def extent(self) -> tuple[float, float]:
        """The first and last step of the dataset (a unit range when there is at most one)."""
        if self.steps.size == 0:
            return (0.0, 1.0)
        lo, hi = float(self.steps[0]), float(self.steps[-1])
        return (lo - 0.5, hi + 0.5) if lo == hi else (lo, hi)

    def index(self, run: str, metric: str) -> np.ndarray:
        """Positions along ``step`` where `run` logged a finite value of `metric`."""
        key = (run, metric)
        if key not in self._index:
            row = self.values[self._run[run], self._metric[metric]]
            self._index[key] = np.flatnonzero(np.isfinite(row))
        return self._index[key]

    def raw(self, run: str, metric: str) -> Series:
        """``(steps, values)`` of the logged finite points."""
        idx = self.index(run, metric)
        return take(self.steps, idx), self.values[self._run[run], self._metric[metric], idx]

    def smoothed(self, run: str, metric: str, method: str, weight: float) -> Series:
        """``(steps, smoothed values)`` at the logged finite points."""
        idx = self.index(run, metric)
        full = self._smooth_all(method, weight)
        return take(self.steps, idx), full[self._run[run], self._metric[metric], idx]

    def series(self, run: str, metric: str, kind: str, method: str, weight: float) -> Series:
        """``kind="raw"`` or ``"smoothed"``: see :meth:`raw` and :meth:`smoothed`."""
        return (
            self.raw(run, metric) if kind == "raw" else self.smoothed(run, metric, method, weight)
        )

    def prefetch(self, runs, metrics) -> None:
        """Read these runs' series of these metrics together (one dask computation when lazy)."""
        self.values.prefetch(
            (self._run[r], self._metric[m])
            for r in runs
            for m in metrics
            if r in self._run and m in self._metric
        )

    def point_count(self, metric: str) -> int:
        """The most points any run logged for `metric`.

        For lazy (dask-backed) data, reading every run to answer would load the sweep:
        the answer is then the number of steps (an upper bound).
        """
        if self.values.lazy:
            return int(self.steps.size)
        return max((self.index(r, metric).size for r in self.runs), default=0)

    def _smooth_all(self, method: str, weight: float) -> SmoothedRows:
        key = (method, round(float(weight), 9))
        if key in self._smoothed:
            self._smoothed.move_to_end(key)
            return self._smoothed[key]
        out = SmoothedRows(self.values, method, weight)
        self._smoothed[key] = out
        while len(self._smoothed) > SMOOTH_CACHE_SIZE:
            self._smoothed.popitem(last=False)
        return out

    def at_step(self, run: str, metric: str, step: float, method: str, weight: float):
        """``(logged step, raw, smoothed)`` nearest to `step`, or None if the series is empty."""
        steps, raw = self.raw(run, metric)
        if steps.size == 0:
            return None
        i = int(np.searchsorted(steps, step))
        if i == steps.size or (i > 0 and step - steps[i - 1] <= steps[i] - step):
            i -= 1
        return steps[i], raw[i], self.smoothed(run, metric, method, weight)[1][i]

    def summary(self, runs, metrics, step_range) -> pd.DataFrame:
        """last, min, max and mean of the raw values in `step_range`, per (run, metric)."""
        rows, index = [], []
        for run in runs:
            for metric in metrics:
                steps, raw = self.raw(run, metric)
                part = raw[window(steps, step_range)]
                stats = (
                    (part[-1], part.min(), part.max(), part.mean()) if part.size else (np.nan,) * 4
                )
                rows.append([float(v) for v in stats])
                index.append((run, metric))
        idx = pd.MultiIndex.from_arrays(
            [[i[0] for i in index], [i[1] for i in index]], names=[RUN, METRIC]
        )
        return pd.DataFrame(rows, index=idx, columns=list(STATS), dtype=np.float64)
