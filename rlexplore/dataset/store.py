"""Zarr stores of rlexplore Datasets: written one Dataset at a time, opened lazily.

:func:`write_zarr` writes any number of Datasets (one per run directory, say) into one
store without holding more than one of them at a time: each is first written as it
comes to an uncompressed part (:func:`write_part`), then, once every run, metric and
step is known, the parts are copied one by one into their region of the final, chunked
store (:func:`assemble_parts`). The parts' load reports are merged into the store's
(:meth:`~rlexplore.dataset.report.LoadReport.merge`).
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import RLExploreError
from .report import LoadReport, load_report, set_report
from .schema import LOGGED, METRIC, RUN, STEP, VALUE, WALL_TIME, validate

CHUNK_ELEMENTS = 2**17  # about 1 MB of float64 per chunk
_NO_COMPRESSION = {"compressors": None}


def write_zarr(
    datasets: Iterable[xr.Dataset],
    store: str | os.PathLike[str],
    *,
    mode: str = "w-",
    chunks: dict[str, int] | None = None,
) -> xr.Dataset:
    """Write Datasets of distinct runs into one new Zarr store; return it opened lazily.

    Parameters
    ----------
    datasets : iterable of Datasets
        Consumed one at a time (a generator keeps memory bounded by its largest item).
    store : str or path
        Directory of the Zarr store to create.
    mode : {"w-", "w"}, default "w-"
        ``"w-"`` refuses to overwrite an existing store, ``"w"`` replaces it.
    chunks : dict, optional
        Chunk lengths along ``metric`` and ``step`` (see :func:`rlexplore.lazy.to_zarr`).

    Returns
    -------
    xarray.Dataset
        The store opened lazily (:func:`open_zarr`), with the merged load report.

    Raises
    ------
    RLExploreError
        If the store exists (with ``mode="w-"``), no Dataset is given, or run names repeat.
    """
    path = Path(store)
    if mode not in ("w-", "w"):
        raise RLExploreError(f"mode must be 'w-' or 'w', got {mode!r}")
    if mode == "w-" and path.exists():
        raise RLExploreError(f"{path} exists; pass mode='w' to replace it")
    parts_dir = path.with_name(path.name + ".parts")
    shutil.rmtree(parts_dir, ignore_errors=True)
    try:
        parts: list[dict[str, Any]] = []
        for ds in datasets:  # not enumerate: its cached result tuple would keep `ds` alive
            parts.append(write_part(ds, parts_dir / f"{len(parts):06d}.zarr"))
            del ds  # so the next item is made while this one can be freed
        assemble_parts(parts, path, chunks=chunks)
    finally:
        shutil.rmtree(parts_dir, ignore_errors=True)
    return open_zarr(path)


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
        "report": load_report(ds),
    }


def assemble_parts(
    parts: list[dict[str, Any]],
    store: str | os.PathLike[str],
    *,
    chunks: dict[str, int] | None = None,
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


def open_zarr(store: str | os.PathLike[str], **kwargs: Any) -> xr.Dataset:
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


def _template(
    parts: list[dict[str, Any]],
    runs: list[str],
    metrics: list[str],
    steps: np.ndarray,
    variables: list[str],
    chunks: dict[str, int],
) -> xr.Dataset:
    import dask.array as da

    step_chunk = int(chunks.get(STEP, min(max(len(steps), 1), CHUNK_ELEMENTS)))
    metric_chunk = int(chunks.get(METRIC, max(1, min(len(metrics), CHUNK_ELEMENTS // step_chunk))))
    shapes = {VALUE: (len(metrics),), LOGGED: (len(metrics),), WALL_TIME: ()}
    data_vars = {}
    for name in variables:
        inner = shapes[name]
        dims = (RUN, METRIC, STEP) if inner else (RUN, STEP)
        blocks = (1, metric_chunk, step_chunk)[: len(dims)] if inner else (1, step_chunk)
        fill, dtype = (False, bool) if name == LOGGED else (np.nan, np.float64)
        arr = da.full(  # type: ignore[no-untyped-call]
            (len(runs), *inner, len(steps)), fill, dtype=dtype, chunks=blocks
        )
        data_vars[name] = (dims, arr)
    coords = {
        RUN: np.array(runs, dtype=object),
        METRIC: np.array(metrics, dtype=object),
        STEP: steps,
    }
    coords.update(_run_coords(parts))
    return set_report(xr.Dataset(data_vars, coords=coords), _merged_report(parts))


def _write_region(
    part: dict[str, Any],
    metrics: list[str],
    steps: np.ndarray,
    variables: list[str],
    store: str | os.PathLike[str],
    runs: slice,
) -> None:
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


def _run_coords(parts: list[dict[str, Any]]) -> dict[str, Any]:
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


def _merged_report(parts: list[dict[str, Any]]) -> LoadReport:
    """One report of every part's (the one merge of load reports)."""
    merged: LoadReport = parts[0]["report"]
    for p in parts[1:]:
        merged = merged.merge(p["report"])
    return merged


def _write(ds: xr.Dataset, store: str | os.PathLike[str], **kwargs: Any) -> None:
    with warnings.catch_warnings():
        # Zarr v3 warns that consolidated metadata is not in its spec yet; xarray
        # reads it, and it makes opening a store of thousands of arrays one read.
        warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
        ds.to_zarr(store, **kwargs)
