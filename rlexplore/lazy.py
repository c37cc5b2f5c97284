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

import os
import shutil
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from .dataset import LOGGED, METRIC, RUN, STEP, VALUE, WALL_TIME, get_report, set_report, validate
from .errors import RLExploreError

CHUNK_ELEMENTS = 2**17  # about 1 MB of float64 per chunk
CACHE_BYTES = 2**31  # lazy series kept per SeriesRows (raw, or one smoothing setting)
_NO_COMPRESSION = {"compressors": None}


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
    store = Path(store)
    if mode not in ("w-", "w"):
        raise RLExploreError(f"mode must be 'w-' or 'w', got {mode!r}")
    if mode == "w-" and store.exists():
        raise RLExploreError(f"{store} exists; pass mode='w' to replace it")
    parts_dir = store.with_name(store.name + ".parts")
    shutil.rmtree(parts_dir, ignore_errors=True)
    try:
        items = _datasets(datasets, load_kwargs)
        parts: list[dict[str, Any]] = []
        for ds in items:  # not enumerate: its cached result tuple would keep `ds` alive
            parts.append(write_part(ds, parts_dir / f"{len(parts):06d}.zarr"))
            del ds  # so the next item is made while this one can be freed
        assemble(parts, store, chunks=chunks)
    finally:
        shutil.rmtree(parts_dir, ignore_errors=True)
    return open_zarr(store)


def load_to_zarr(source: Any, store: str | Path, **load_kwargs: Any) -> xr.Dataset:
    """``rlexplore.load(source, to=store)``: a folder is loaded one run directory at a time.

    Other sources (files, globs, lists) are loaded whole, then written.
    """
    if isinstance(source, (str, os.PathLike)) and Path(source).is_dir():
        return to_zarr(source, store, **load_kwargs)
    from .io import load

    return to_zarr(load(source, **load_kwargs), store)


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
                self._cache.get(pair, lambda a=arr: np.asarray(a, dtype=np.float64))

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


def write_part(ds: xr.Dataset, path: str | Path) -> dict[str, Any]:
    """Write one Dataset, uncompressed, to `path`; return what assembling needs to know.

    Runs where the data is (a dask worker, say) so that only this small summary
    travels back.
    """
    validate(ds)
    # no consolidated metadata: a part is read once, and zarr would warn from worker threads
    _write(ds, path, consolidated=False, encoding={name: _NO_COMPRESSION for name in ds.data_vars})
    run_coords = {name: ds[name].values.tolist() for name in ds.coords if ds[name].dims == (RUN,)}
    return {
        "path": str(path),
        "runs": [str(r) for r in ds[RUN].values],
        "metrics": [str(m) for m in ds[METRIC].values],
        "steps": ds[STEP].values,
        "variables": sorted(ds.data_vars),
        "run_coords": {k: v for k, v in run_coords.items() if k != RUN},
        "report": get_report(ds),
    }


def assemble(
    parts: list[dict[str, Any]], store: str | Path, *, chunks: dict[str, int] | None = None
) -> None:
    """Create the final store from parts written by :func:`write_part`, one part at a time."""
    if not parts:
        raise RLExploreError("nothing to write: no datasets were given")
    runs = [r for p in parts for r in p["runs"]]
    dups = sorted({r for r in runs if runs.count(r) > 1}) if len(set(runs)) < len(runs) else []
    if dups:
        raise RLExploreError(f"run names must be unique across datasets; repeated: {dups[:10]}")
    metrics = list(dict.fromkeys(m for p in parts for m in p["metrics"]))
    steps = np.unique(np.concatenate([p["steps"] for p in parts]))
    variables = sorted({v for p in parts for v in p["variables"]})
    template = _template(parts, runs, metrics, steps, variables, chunks or {})
    _write(template, store, compute=False, mode="w")
    start = 0
    for part in parts:
        stop = start + len(part["runs"])
        _write_region(part, metrics, steps, variables, store, slice(start, stop))
        start = stop


def open_zarr(store: str | Path, **kwargs: Any) -> xr.Dataset:
    """Open a Zarr store lazily (dask arrays), with run and metric names as Python str.

    Keyword arguments go to :func:`xarray.open_zarr`.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
        ds = xr.open_zarr(store, **kwargs)
    # Zarr v3 gives numpy StringDType; the rest of rlexplore expects object arrays of str.
    text = {
        k: (c.dims, c.values.astype(object)) for k, c in ds.coords.items() if c.dtype.kind in "OTU"
    }
    return validate(ds.assign_coords(text))


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


def _template(parts, runs, metrics, steps, variables, chunks) -> xr.Dataset:
    import dask.array as da

    step_chunk = int(chunks.get(STEP, min(max(len(steps), 1), CHUNK_ELEMENTS)))
    metric_chunk = int(chunks.get(METRIC, max(1, min(len(metrics), CHUNK_ELEMENTS // step_chunk))))
    shapes = {VALUE: (len(metrics),), LOGGED: (len(metrics),), WALL_TIME: ()}
    data_vars = {}
    for name in variables:
        inner = shapes[name]
        dims = (RUN, METRIC, STEP) if inner else (RUN, STEP)
        chunks = (1, metric_chunk, step_chunk)[: len(dims)] if inner else (1, step_chunk)
        fill, dtype = (False, bool) if name == LOGGED else (np.nan, np.float64)
        arr = da.full((len(runs), *inner, len(steps)), fill, dtype=dtype, chunks=chunks)
        data_vars[name] = (dims, arr)
    coords = {
        RUN: np.array(runs, dtype=object),
        METRIC: np.array(metrics, dtype=object),
        STEP: steps,
    }
    coords.update(_run_coords(parts))
    return set_report(xr.Dataset(data_vars, coords=coords), _merged_report(parts))


def _write_region(part, metrics, steps, variables, store, runs: slice) -> None:
    ds = xr.open_zarr(part["path"], consolidated=False).load()
    ds = ds.reindex({METRIC: np.array(metrics, dtype=object), STEP: steps})
    for name in variables:
        if name not in ds:  # a part without logged NaN, or without wall times
            ds[name] = (
                ds[VALUE].notnull() if name == LOGGED else ds[VALUE].isel({METRIC: 0}) * np.nan
            )
    if LOGGED in ds:
        ds[LOGGED] = ds[LOGGED].fillna(False).astype(bool)
    ds = ds[variables].drop_vars(list(ds.coords))
    _write(ds, store, region={RUN: runs})


def _run_coords(parts) -> dict[str, Any]:
    names = sorted({k for p in parts for k in p["run_coords"]})
    coords = {}
    for name in names:
        vals = [v for p in parts for v in p["run_coords"].get(name, [None] * len(p["runs"]))]
        numeric = all(v is None or isinstance(v, (int, float)) for v in vals)
        if numeric:
            coords[name] = (
                RUN,
                np.array([np.nan if v is None else v for v in vals], dtype=np.float64),
            )
        else:
            coords[name] = (
                RUN,
                np.array(["" if v is None else str(v) for v in vals], dtype=object),
            )
    return coords


def _merged_report(parts) -> dict[str, Any]:
    sources = [s for p in parts for s in p["report"].get("sources", [])]
    points = sum(p["report"].get("build", {}).get("points", 0) for p in parts)
    return {"sources": sources, "build": {"points": points, "datasets": len(parts)}}


def _write(ds: xr.Dataset, store, **kwargs: Any) -> None:
    with warnings.catch_warnings():
        # Zarr v3 warns that consolidated metadata is not in its spec yet; xarray
        # reads it, and it makes opening a store of thousands of arrays one read.
        warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
        ds.to_zarr(store, **kwargs)
