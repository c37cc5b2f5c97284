"""Datasets larger than memory: write them to Zarr run by run, open them lazily.

A Dataset backed by dask arrays (:func:`open_zarr`, or ``xr.open_dataset(...,
chunks={})``) is used like any other: selecting runs and metrics and then reading
``.values`` computes only the chunks those runs and metrics live in.

:func:`to_zarr` writes any number of Datasets (one per run directory, say) into one
store without holding more than one of them at a time: each is first written as it
comes to an uncompressed part, then, once every run, metric and step is known, the
parts are copied one by one into their region of the final, chunked store.

:class:`SeriesRows` and :class:`SmoothedRows` are how the explorer reads such a Dataset:
indexed like a (run, metric, step) array, they read, and smooth, one series at a time,
only when it is asked for.

Examples
--------
>>> import tempfile, rlexplore as rlx
>>> path = tempfile.mkdtemp() + "/runs.zarr"
>>> demo = rlx.demo("methods")
>>> lazy = to_zarr((demo.isel(run=[i]) for i in range(3)), path)
>>> is_lazy(lazy), lazy.sizes["run"]
(True, 3)
"""

from __future__ import annotations

import functools
import os
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from .dataset import METRIC, RUN, VALUE
from .dataset.store import CHUNK_ELEMENTS, open_zarr, write_part, write_zarr
from .dataset.store import assemble_parts as assemble
from .errors import RLExploreError

__all__ = [
    "CHUNK_ELEMENTS",
    "SeriesRows",
    "SmoothedRows",
    "assemble",
    "fetch",
    "is_lazy",
    "load_to_zarr",
    "open_zarr",
    "take",
    "to_zarr",
    "write_part",
]

CACHE_BYTES = 2**31  # lazy series kept per SeriesRows (raw, or one smoothing setting)


def to_zarr(
    datasets: xr.Dataset | Iterable[xr.Dataset] | str | Path,
    store: str | Path,
    *,
    mode: str = "w-",
    chunks: dict[str, int] | None = None,
    **load_kwargs: Any,
) -> xr.Dataset:
    """Write rlexplore Datasets into one Zarr store, one Dataset in memory at a time.

    Parameters
    ----------
    datasets : Dataset, iterable of Datasets, or path of a log tree
        Each Dataset holds one or more runs (a generator that loads one run directory
        per item keeps memory bounded by the largest run). Run names must be unique
        across all of them; metrics and steps may differ (missing cells are NaN).
        A path is loaded one run directory at a time with :func:`rlexplore.load`
        (see :func:`rlexplore.io.distributed.iter_runs`; to load in parallel, use
        :func:`rlexplore.io.distributed.load_distributed` with ``to=``).
    store : str or Path
        Directory of the Zarr store to create.
    mode : {"w-", "w"}, default "w-"
        ``"w-"`` refuses to overwrite an existing store, ``"w"`` replaces it.
    chunks : dict, optional
        Chunk lengths along ``metric`` and ``step`` (a chunk always holds one run).
        By default about 1 MB: whole series up to 2**17 steps, several metrics per
        chunk when series are shorter.
    **load_kwargs
        Options of :func:`rlexplore.load`, when `datasets` is a path.

    Returns
    -------
    xarray.Dataset
        The store opened lazily (:func:`open_zarr`).
    """
    return write_zarr(_datasets(datasets, load_kwargs), store, mode=mode, chunks=chunks)


def load_to_zarr(source: Any, store: str | Path, **load_kwargs: Any) -> xr.Dataset:
    """``rlexplore.load(source, to=store)``: a folder is loaded one run directory at a time.

    Other sources (files, globs, lists) are loaded whole, then written.
    """
    from .io import load

    return load(source, to=store, **load_kwargs)


class SeriesRows:
    """A (run, metric, step) DataArray read one series at a time, each read once.

    ``rows[r, m]`` is series ``(r, m)`` as a float64 array and ``rows[r, m, idx]`` a
    selection of it, as with a numpy array. In memory, these are views; backed by dask,
    only the series asked for are computed (and cached), so a view of 10 runs of a
    1,000-run sweep reads 10 runs.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> rows = SeriesRows(rlx.demo("methods")["value"])
    >>> rows[0, 1, [0, 1]].round(4).tolist(), rows.shape
    ([0.0003, 0.0008], (3, 4, 4000))
    """

    def __init__(self, var: xr.DataArray) -> None:
        self.lazy = var.chunks is not None
        self._var = var
        self._array = None if self.lazy else np.asarray(var.values, dtype=np.float64)
        self._cache = _SeriesCache(bounded=self.lazy)
        self.shape = tuple(var.shape)

    def row(self, r: int, m: int) -> np.ndarray:
        """The values of run ``r``, metric ``m`` (read from the store on first use)."""
        """Series ``(r, m)`` at full resolution."""
        if self._array is not None:
            return self._array[r, m]
        return self._cache.get((r, m), lambda: np.asarray(self._var[r, m].values, dtype=np.float64))

    def prefetch(self, pairs: Iterable[tuple[int, int]]) -> None:
        """Read the (run, metric) series not read yet in one dask computation (lazy data).

        One computation reads their chunks in parallel, instead of one after the other.
        """
        missing = [p for p in dict.fromkeys(pairs) if p not in self._cache] if self.lazy else []
        if missing:
            import dask

            arrays = dask.compute(*(self._var.data[r, m] for r, m in missing), scheduler="threads")
            for pair, arr in zip(missing, arrays):
                self._cache.get(pair, functools.partial(np.asarray, arr, dtype=np.float64))

    def __getitem__(self, key: tuple) -> np.ndarray:
        row = self.row(int(key[0]), int(key[1]))
        if len(key) == 2 or _selects_all(key[2], row.size):
            return row  # a view: no copy of a long series for every update
        return row[key[2]]


def take(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``values[idx]`` along the last axis, or `values` itself when `idx` selects every position.

    `idx` holds increasing unique positions (as from ``np.flatnonzero``); for a series
    logged at every step that is all of them, and a view saves copying it per update.

    Examples
    --------
    >>> x = np.arange(4.0)
    >>> take(x, np.arange(4)) is x, take(x, np.array([1, 3])).tolist()
    (True, [1.0, 3.0])
    """
    return values if _selects_all(idx, values.shape[-1]) else values[..., idx]


def _selects_all(idx: Any, n: int) -> bool:
    """Whether `idx` (increasing unique positions, as from flatnonzero) is all of 0..n-1."""
    return (
        isinstance(idx, np.ndarray) and idx.ndim == 1 and idx.size == n and idx.dtype.kind in "iu"
    )


class SmoothedRows(SeriesRows):
    """:class:`SeriesRows` smoothed with :func:`rlexplore.smooth`, one series when asked.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> raw = SeriesRows(rlx.demo("methods")["value"])
    >>> smoothed = SmoothedRows(raw, "ema", 0.9)
    >>> bool(np.allclose(smoothed[2, 3], rlx.smooth(raw[2, 3], "ema", weight=0.9)))
    True
    """

    def __init__(self, rows: SeriesRows, method: str, weight: float) -> None:
        from .transforms import check_weight

        self._rows, self._method, self._weight = rows, method, check_weight(weight)
        self.lazy, self.shape = rows.lazy, rows.shape
        self._cache = _SeriesCache(bounded=self.lazy)

    def row(self, r: int, m: int) -> np.ndarray:
        """The smoothed values of run ``r``, metric ``m`` (cached)."""
        from .transforms import smooth

        return self._cache.get(
            (r, m), lambda: smooth(self._rows.row(r, m), self._method, weight=self._weight)
        )


class _SeriesCache:
    """Series by (run, metric). Bounded (least recently used go first, past :data:`CACHE_BYTES`)
    for lazy data, so browsing a sweep never fills memory; in-memory data is small enough
    to keep every series computed, as a smoothing change must not recompute what it keeps.
    """

    def __init__(self, bounded: bool) -> None:
        self._items: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()
        self._bytes, self._bounded = 0, bounded

    def __contains__(self, key: tuple[int, int]) -> bool:
        return key in self._items

    def get(self, key: tuple[int, int], make: Callable[[], np.ndarray]) -> np.ndarray:
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        value = self._items[key] = make()
        self._bytes += value.nbytes
        while self._bounded and self._bytes > CACHE_BYTES and len(self._items) > 1:
            self._bytes -= self._items.popitem(last=False)[1].nbytes
        return value


def _datasets(source: Any, load_kwargs: dict[str, Any]) -> Iterable[xr.Dataset]:
    if isinstance(source, xr.Dataset):
        return [source]
    if isinstance(source, (str, os.PathLike)):
        from .io.distributed import iter_runs

        return iter_runs(source, **load_kwargs)
    if load_kwargs:
        raise RLExploreError(f"load options {sorted(load_kwargs)} apply only when a path is given")
    return source


def is_lazy(ds: xr.Dataset | xr.DataArray) -> bool:
    """True when the values are dask arrays (computed only when read)."""
    var = ds[VALUE] if isinstance(ds, xr.Dataset) else ds
    return var.chunks is not None


def fetch(
    ds: xr.Dataset, runs: Iterable[str], metrics: Iterable[str], *, name: str = VALUE
) -> np.ndarray:
    """Values of `name` for these runs and metrics, computing only their chunks.

    Returns
    -------
    numpy.ndarray
        Shape (runs, metrics, step) for ``value`` or ``logged``, (runs, step) for
        ``wall_time``.
    """
    sel: dict[str, Any] = {RUN: list(runs)}
    if METRIC in ds[name].dims:
        sel[METRIC] = list(metrics)
    return np.asarray(ds[name].sel(sel).values)
