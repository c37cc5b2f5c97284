"""Full-resolution series for the view model: logged points per (run, metric), cached smoothing.

The explorer never draws NaN: each (run, metric) series keeps only the steps it logged with
a finite value, so a metric logged every N steps is drawn as one connected line. Smoothing
runs over those packed points (which is what :func:`rlexplore.smooth` does with NaN gaps),
many series at once in threads, and is cached per series, method and weight within a byte
budget.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

import numpy as np
import pandas as pd
import xarray as xr

from ..dataset import METRIC, RUN, STEP, VALUE, validate
from ..lazy import SeriesRows, take
from ..transforms.smoothing import check_weight, smooth_many
from .lines import window

Series = tuple[np.ndarray, np.ndarray]
SMOOTH_CACHE_BYTES = 2**31  # smoothed series kept (least recently used go first)
SMOOTH_SETTINGS = 2  # smoothings kept: the current one and the one before
STATS = ("last", "min", "max", "mean")


class SmoothCache:
    """Smoothed series by ``(method, weight, run, metric)``, with their value ranges.

    At most `settings` smoothings (method and weight) are kept, and `budget` bytes: the
    least recently used go first. Their arrays are recycled as the next smoothing's
    buffers (:meth:`buffer`): on a slider move every series gets a new curve of the same
    length, and fresh memory costs more to touch than smoothing does.
    """

    def __init__(self, budget: int = SMOOTH_CACHE_BYTES, settings: int = SMOOTH_SETTINGS) -> None:
        self.budget, self.settings = budget, settings
        self._items: OrderedDict[tuple, tuple[np.ndarray, tuple[float, float] | None]] = (
            OrderedDict()
        )
        self._spare: dict[int, list[np.ndarray]] = {}
        self._bytes = 0

    def get(self, key: tuple) -> tuple[np.ndarray, tuple[float, float] | None] | None:
        """The cached ``(values, range)`` of `key`, or None."""
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def start(self, setting: tuple) -> None:
        """Make room for smoothing `setting` (``(method, weight)``): past :attr:`settings`,
        the least recently used smoothing's arrays become spare buffers.
        """
        kept = list(dict.fromkeys(k[:2] for k in self._items))
        if setting in kept:
            return
        self._spare.clear()  # spares not taken by the last smoothing: let them go
        for old in kept[: max(0, len(kept) - self.settings + 1)]:
            for key in [k for k in self._items if k[:2] == old]:
                self._evict(key)

    def buffer(self, size: int) -> np.ndarray | None:
        """A spare float64 array of `size` elements, if one was recycled."""
        spares = self._spare.get(size)
        return spares.pop() if spares else None

    def put(self, key: tuple, values: np.ndarray, extremes: tuple[float, float] | None) -> None:
        """Keep `values` (and their range), dropping the least recently used past the budget."""
        self._items[key] = (values, extremes)
        self._bytes += values.nbytes
        while self._bytes > self.budget and len(self._items) > 1:
            self._evict(next(iter(self._items)))

    def _evict(self, key: tuple) -> None:
        values = self._items.pop(key)[0]
        self._bytes -= values.nbytes
        self._spare.setdefault(values.size, []).append(values)

    def clear(self) -> None:
        """Forget every series."""
        self._items.clear()
        self._spare.clear()
        self._bytes = 0


def smooth_key(method: str, weight: float) -> tuple[str, float]:
    """The cache key of a smoothing: weights equal to 9 decimals are one setting."""
    return (method, round(check_weight(weight), 9))


class SeriesStore:
    """The dataset's values as per-series arrays, with smoothing cached per (method, weight)."""

    def __init__(self, ds: xr.Dataset) -> None:
        validate(ds)
        self.runs: tuple[str, ...] = tuple(ds[RUN].values.tolist())
        self.metrics: tuple[str, ...] = tuple(ds[METRIC].values.tolist())
        self.steps = np.asarray(ds[STEP].values, dtype=np.float64)
        # Indexed like an array; each series is read (computed, when dask-backed) only when
        # a panel asks for it, so a view of a few runs of a big sweep never loads the sweep.
        self.values = SeriesRows(ds[VALUE])
        self._run = {r: i for i, r in enumerate(self.runs)}
        self._metric = {m: i for i, m in enumerate(self.metrics)}
        self._index: dict[tuple[str, str], np.ndarray] = {}
        self._raw: dict[tuple[str, str], Series] = {}
        self.smoothed_cache = SmoothCache()

    @property
    def extent(self) -> tuple[float, float]:
        """The first and last step of the dataset (a unit range when there is at most one)."""
        return _extent(self.steps)

    def x_of(self, r: int) -> np.ndarray:
        """The x values of run position `r` (the steps, for a plain store)."""
        return self.steps

    def index(self, run: str, metric: str) -> np.ndarray:
        """Positions along ``step`` where `run` logged a finite value of `metric` (and a finite x)."""
        key = (run, metric)
        if key not in self._index:
            r = self._run[run]
            row = self.values[r, self._metric[metric]]
            self._index[key] = np.flatnonzero(np.isfinite(row) & np.isfinite(self.x_of(r)))
        return self._index[key]

    def raw(self, run: str, metric: str) -> Series:
        """``(x, values)`` of the logged finite points."""
        key = (run, metric)
        if key not in self._raw or self.values.lazy:
            idx = self.index(run, metric)
            r = self._run[run]
            pair = take(self.x_of(r), idx), take(self.values[r, self._metric[metric]], idx)
            if self.values.lazy:
                return pair
            self._raw[key] = pair
        return self._raw[key]

    def smoothed(self, run: str, metric: str, method: str, weight: float) -> Series:
        """``(x, smoothed values)`` at the logged finite points (cached)."""
        return self.raw(run, metric)[0], self._smoothed(run, metric, method, weight)[0]

    def smoothed_range(
        self, run: str, metric: str, method: str, weight: float
    ) -> tuple[float, float] | None:
        """The smallest and largest smoothed value of a series (None when it is empty)."""
        return self._smoothed(run, metric, method, weight)[1]

    def _smoothed(self, run, metric, method, weight):
        key = (*smooth_key(method, weight), run, metric)
        found = self.smoothed_cache.get(key)
        if found is None:
            self.smooth(((run, metric),), method, weight)
            found = self.smoothed_cache.get(key)
        if found is None:  # evicted at once: a budget smaller than one series
            found = smooth_many([self.raw(run, metric)[1]], method, weight=weight)[0]
        return found

    def smooth(self, pairs: Iterable[tuple[str, str]], method: str, weight: float) -> None:
        """Smooth every (run, metric) of `pairs` not cached yet, in parallel threads."""
        base = smooth_key(method, weight)
        cache = self.smoothed_cache
        todo = [p for p in dict.fromkeys(pairs) if cache.get((*base, *p)) is None]
        if not todo:
            return
        cache.start(base)
        rows = [self.raw(*p)[1] for p in todo]
        out = [cache.buffer(r.size) for r in rows]
        for pair, (values, extremes) in zip(
            todo, smooth_many(rows, method, weight=weight, out=out)
        ):
            cache.put((*base, *pair), values, extremes)

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


def _extent(x: np.ndarray) -> tuple[float, float]:
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return (0.0, 1.0)
    lo, hi = float(finite.min()), float(finite.max())
    return (lo - 0.5, hi + 0.5) if lo == hi else (lo, hi)
