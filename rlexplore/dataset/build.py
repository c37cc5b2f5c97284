"""The one builder that turns tidy long columns into the run × metric × step Dataset.

Every loader and :func:`rlexplore.from_dataframe` end here, so the rules live in one
place: labels become strings, steps must be whole numbers, and when one
(run, metric, step) cell appears more than once **the later row wins**.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .report import set_report
from .schema import HPARAM_PREFIX, LOGGED, METRIC, RUN, STEP, VALUE, WALL_TIME


def from_columns(
    run: Any,
    metric: Any,
    step: Any,
    value: Any,
    wall_time: Any = None,
    *,
    run_coords: Mapping[str, Mapping[str, Any]] | None = None,
    report: dict[str, Any] | None = None,
) -> xr.Dataset:
    """Build the Dataset from equal-length columns, one row per logged point.

    Parameters
    ----------
    run, metric : array-like of str or pandas.Categorical
        Run and metric name of each row. Runs and metrics keep the order in which
        they first appear.
    step : array-like of int
        Step of each row (whole numbers; floats such as ``3.0`` are accepted).
    value : array-like of float
        Logged value of each row. NaN and ±Inf are kept as values.
    wall_time : array-like of float, optional
        Seconds since the epoch of each row; per (run, step) the later row wins.
    run_coords : mapping, optional
        ``{run: {name: value}}``: per-run metadata, one coordinate along ``run``
        per name (numbers become float64 with NaN where missing, anything else str).
    report : dict, optional
        JSON-serializable load report to attach; ``report["build"]`` is added.

    Returns
    -------
    xarray.Dataset
    """
    run_codes, runs = _factorize(run)
    metric_codes, metrics = _factorize(metric)
    steps, step_codes = np.unique(_as_steps(step), return_inverse=True)
    values = np.asarray(value, dtype=np.float64)
    shape = (len(runs), len(metrics), len(steps))
    cell = np.ravel_multi_index((run_codes, metric_codes, step_codes), shape)
    grid, logged, n_dups = _scatter_last(cell, values, shape)
    data_vars: dict[str, Any] = {VALUE: ((RUN, METRIC, STEP), grid)}
    if np.isnan(grid[logged]).any():
        data_vars[LOGGED] = ((RUN, METRIC, STEP), logged)
    if wall_time is not None:
        times = np.asarray(wall_time, dtype=np.float64)
        time_cell = np.ravel_multi_index((run_codes, step_codes), shape[::2])
        data_vars[WALL_TIME] = ((RUN, STEP), _scatter_last(time_cell, times, shape[::2])[0])
    coords = {RUN: _str_index(runs), METRIC: _str_index(metrics), STEP: steps}
    coords.update(_metadata_coords(runs, run_coords or {}))
    ds = xr.Dataset(data_vars, coords=coords)
    report = dict(report or {})
    report["build"] = {"points": int(values.size), "duplicates_resolved": n_dups}
    return set_report(ds, report)


def hparam_coords(hparams: Mapping[str, Any], prefix: str = HPARAM_PREFIX) -> dict[str, Any]:
    """Flatten nested hyperparameters into ``{"hp.a.b": value}`` coordinate names.

    ``/`` in keys becomes ``.`` because netCDF and Zarr reserve ``/``.
    """
    flat: dict[str, Any] = {}
    for key, val in hparams.items():
        name = prefix + str(key).replace("/", ".")
        if isinstance(val, Mapping):
            flat.update(hparam_coords(val, name + "."))
        else:
            flat[name] = val
    return flat


def _factorize(labels: Any) -> tuple[np.ndarray, np.ndarray]:
    """Codes and unique labels (as str, first-appearance order)."""
    if not isinstance(labels, (np.ndarray, pd.Categorical, pd.Series, pd.Index)):
        labels = np.asarray(labels, dtype=object)
    codes, uniques = pd.factorize(labels, sort=False)
    if (codes < 0).any():
        raise ValueError("run and metric names must not be missing (None or NaN)")
    names = np.array([str(u) for u in uniques], dtype=object)
    if len(set(names)) < len(names):
        raise ValueError(f"distinct names collide once converted to str: {sorted(names)[:10]}")
    return codes.astype(np.int64, copy=False), names


def _as_steps(step: Any) -> np.ndarray:
    arr = np.asarray(step)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64, copy=False)
    if arr.dtype.kind == "f" and np.isfinite(arr).all() and (arr == np.round(arr)).all():
        return arr.astype(np.int64)
    raise ValueError(f"steps must be whole numbers, got dtype {arr.dtype}")


def _scatter_last(cell: np.ndarray, values: np.ndarray, shape: tuple[int, ...]):
    """Place `values` on a NaN grid; with repeated cells the later row wins."""
    last = np.full(int(np.prod(shape)), -1, dtype=np.int64)
    # maximum.at is unbuffered, so "the highest row index" is well defined.
    np.maximum.at(last, cell, np.arange(cell.size, dtype=np.int64))
    logged = last >= 0
    grid = np.full(last.size, np.nan)
    grid[logged] = values[last[logged]]
    n_dups = int(cell.size - np.count_nonzero(logged))
    return grid.reshape(shape), logged.reshape(shape), n_dups


def _str_index(names: np.ndarray) -> pd.Index:
    return pd.Index(names, dtype=object)


def _metadata_coords(runs: np.ndarray, run_coords: Mapping[str, Mapping[str, Any]]):
    names = sorted({k for meta in run_coords.values() for k in meta})
    coords = {}
    for name in names:
        vals = [run_coords.get(r, {}).get(name) for r in runs]
        coords[name] = (RUN, _metadata_column(vals))
    return coords


def _metadata_column(vals: list[Any]) -> np.ndarray:
    present = [v for v in vals if v is not None]
    if present and all(isinstance(v, (int, float, np.number, bool)) for v in present):
        return np.array([np.nan if v is None else float(v) for v in vals], dtype=np.float64)
    return np.array(["" if v is None else str(v) for v in vals], dtype=object)
