"""Tidy long columns → the run × metric × step Dataset, through the one builder.

:func:`from_columns` (and so :func:`rlexplore.from_dataframe`) cuts the columns into one
:class:`~rlexplore.dataset.blocks.Table` per run and builds with
:mod:`rlexplore.dataset.blocks`, as the loaders do, so the rules live in one place:
labels become strings, steps must be whole numbers, and when one (run, metric, step)
cell appears more than once **the later row wins**.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .blocks import Table, assemble, reduce_table
from .report import LoadReport
from .schema import HPARAM_PREFIX


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
    steps = _as_steps(step)
    values = np.asarray(value, dtype=np.float64)
    walls = None if wall_time is None else np.asarray(wall_time, dtype=np.float64)
    n = run_codes.size
    if not (metric_codes.size == steps.size == values.size == n) or (
        walls is not None and walls.size != n
    ):
        raise ValueError("run, metric, step, value (and wall_time) must have the same length")
    # one table per run, rows in their order (stable sort), through the one builder
    order = np.argsort(run_codes, kind="stable")
    bounds = np.searchsorted(run_codes[order], np.arange(len(runs) + 1))
    blocks = []
    for r in range(len(runs)):
        rows = order[bounds[r] : bounds[r + 1]]
        table = Table(
            key=r,
            name=str(runs[r]),
            metrics=[str(m) for m in metrics],
            metric=metric_codes[rows],
            step=steps[rows],
            value=values[rows],
            wall_time=None if walls is None else walls[rows],
        )
        blocks.append(reduce_table(table, restarts=False))
    rep = LoadReport.from_dict(report) if isinstance(report, dict) else LoadReport()
    meta = {str(k): dict(v) for k, v in (run_coords or {}).items()}
    return assemble(
        [str(r) for r in runs], blocks, meta, rep, metric_order=[str(m) for m in metrics]
    )


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
