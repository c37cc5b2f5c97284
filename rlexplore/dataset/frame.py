"""Conversions between pandas DataFrames and the rlexplore Dataset."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .build import from_columns
from .schema import LOGGED, METRIC, RUN, STEP, VALUE, WALL_TIME, validate

LONG_COLUMNS = (RUN, METRIC, STEP, VALUE)


def from_dataframe(
    df: pd.DataFrame,
    *,
    run: str | None = None,
    step: str = STEP,
    run_column: str = RUN,
) -> xr.Dataset:
    """Build an rlexplore Dataset from a long or a wide DataFrame.

    Long format has the columns ``run, metric, step, value`` (and optionally
    ``wall_time``), one row per logged point. Wide format has a step column and one
    column per metric, plus either a run column or a single run named by `run`.
    When a (run, metric, step) appears more than once, **the later row wins**.

    Parameters
    ----------
    df : pandas.DataFrame
        The table, long or wide.
    run : str, optional
        Wide format without a run column: the name of the one run (default ``"run"``).
    step : str, default "step"
        Wide format: the name of the step column.
    run_column : str, default "run"
        Wide format: the name of the run column, when there is one.

    Returns
    -------
    xarray.Dataset

    Raises
    ------
    ValueError
        Missing columns, non-numeric values or steps, missing or colliding names.

    Examples
    --------
    >>> import pandas as pd, rlexplore as rlx
    >>> wide = pd.DataFrame({"step": [1, 2], "reward": [0.1, 0.3]})
    >>> rlx.from_dataframe(wide, run="grpo")["value"].shape
    (1, 1, 2)
    """
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"expected a pandas.DataFrame, got {type(df).__name__}")
    if set(LONG_COLUMNS) <= set(df.columns):
        return _from_long(df)
    return _from_wide(df, run=run, step=step, run_column=run_column)


def to_dataframe(ds: xr.Dataset) -> pd.DataFrame:
    """Return the logged points of `ds` as a long DataFrame.

    Columns ``run, metric, step, value`` (and ``wall_time`` when `ds` has it), one
    row per logged point, ordered by run, metric and step as in `ds`.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> list(rlx.to_dataframe(rlx.demo("dashboard")).columns)
    ['run', 'metric', 'step', 'value', 'wall_time']
    """
    validate(ds)
    values = ds[VALUE].values
    logged = ds[LOGGED].values if LOGGED in ds else ~np.isnan(values)
    r, m, s = np.nonzero(logged)
    out = {
        RUN: ds[RUN].values[r],
        METRIC: ds[METRIC].values[m],
        STEP: ds[STEP].values[s],
        VALUE: values[r, m, s],
    }
    if WALL_TIME in ds:
        out[WALL_TIME] = ds[WALL_TIME].values[r, s]
    return pd.DataFrame(out)


def _from_long(df: pd.DataFrame) -> xr.Dataset:
    _check_names(df, RUN)
    _check_names(df, METRIC)
    wall = _numeric(df, WALL_TIME) if WALL_TIME in df.columns else None
    return from_columns(
        df[RUN].to_numpy(), df[METRIC].to_numpy(), _steps(df, STEP), _numeric(df, VALUE), wall
    )


def _from_wide(df: pd.DataFrame, *, run: str | None, step: str, run_column: str) -> xr.Dataset:
    if step not in df.columns:
        raise ValueError(
            f"expected long format (columns {list(LONG_COLUMNS)}) or wide format with a "
            f"{step!r} column; got columns {list(map(str, df.columns))}"
        )
    has_run = run_column in df.columns
    if has_run and run is not None:
        raise ValueError(f"give either a {run_column!r} column or run=, not both")
    metrics = [c for c in df.columns if c not in (step, run_column, WALL_TIME)]
    if not metrics:
        raise ValueError("wide format needs at least one metric column besides the step")
    _check_names(pd.DataFrame({METRIC: metrics}), METRIC)
    runs = df[run_column].to_numpy() if has_run else np.full(len(df), run or "run", dtype=object)
    if has_run:
        _check_names(df, run_column)
    steps = _steps(df, step)
    block = np.column_stack([_numeric(df, c) for c in metrics])
    n = len(df)
    wall = np.repeat(_numeric(df, WALL_TIME), len(metrics)) if WALL_TIME in df.columns else None
    # Row-major flattening keeps "later row wins" between rows of the wide table;
    # an empty cell of a wide table means "not logged", so it is left out.
    keep = ~np.isnan(block.ravel())
    return from_columns(
        np.repeat(runs, len(metrics))[keep],
        np.tile(np.array([str(m) for m in metrics], dtype=object), n)[keep],
        np.repeat(steps, len(metrics))[keep],
        block.ravel()[keep],
        None if wall is None else wall[keep],
    )


def _check_names(df: pd.DataFrame, column: str) -> None:
    col = df[column]
    if col.isna().any():
        raise ValueError(f"column {column!r} has missing names at rows {_rows(col.isna())}")


def _steps(df: pd.DataFrame, column: str) -> np.ndarray:
    col = df[column]
    if not (pd.api.types.is_integer_dtype(col) or pd.api.types.is_float_dtype(col)):
        col = col.infer_objects()
    if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
        raise ValueError(
            f"column {column!r} must hold whole-number steps, got dtype {col.dtype} "
            f"(first value {col.iloc[0]!r})"
            if len(col)
            else f"column {column!r} is empty"
        )
    arr = col.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(arr) | (arr != np.round(arr))
    if bad.any():
        raise ValueError(
            f"column {column!r} must hold whole-number steps; rows {_rows(bad)} do not "
            f"(e.g. {col[bad].iloc[0]!r})"
        )
    return np.asarray(col.to_numpy(), dtype=np.int64)


def _numeric(df: pd.DataFrame, column: str) -> np.ndarray:
    col = df[column]
    if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col.infer_objects()):
        as_num = pd.to_numeric(col, errors="coerce")
        bad = as_num.isna() & col.notna()
        if bad.any() or pd.api.types.is_bool_dtype(col):
            example = col[bad].iloc[0] if bad.any() else col.iloc[0]
            raise ValueError(
                f"column {column!r} must be numeric; rows {_rows(bad)} hold {example!r}"
            )
    return np.asarray(col.to_numpy(dtype=np.float64, na_value=np.nan))


def _rows(mask: Any) -> str:
    idx = np.flatnonzero(np.asarray(mask))
    shown = ", ".join(map(str, idx[:5]))
    return shown + (f" and {idx.size - 5} more" if idx.size > 5 else "")
