"""The x axis of a view: step, wall time, time since each run's start, or a monotone metric.

Every choice gives one x value per (run, step), NaN where it is unknown, so the same
(run, step) grid that holds the metrics places them on the chosen axis:

``"step"``
    The step itself.
``"wall_time"``
    Seconds since the epoch at which the run logged the step (needs ``wall_time``).
``"relative_time"``
    Seconds since the run's first logged wall time, so runs started at different times
    line up at 0.
any metric name
    A metric that never decreases within any run, such as consumed tokens, samples or
    the epoch. At a step where a run did not log it, x is interpolated linearly in step
    between the run's two neighbouring logged values (it cannot be anything else for a
    non-decreasing quantity logged on both sides); before the first and after the last
    logged value x is NaN and those points are not drawn. A metric that decreases
    anywhere is refused with :class:`~rlexplore.RLExploreError` naming the run, the
    steps and the values where it goes down, because points would fold back on
    themselves and an x range would no longer be a step range.

A range on the chosen axis maps back to steps with :func:`step_range`, so brushing and
the summary table keep working in steps whatever the axis.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..dataset import METRIC, RUN, STEP, VALUE, WALL_TIME
from ..errors import RLExploreError

BUILTIN = ("step", "wall_time", "relative_time")
LABELS = {
    "step": "step",
    "wall_time": "wall time (s since epoch)",
    "relative_time": "time since start (s)",
}


def x_values(ds: xr.Dataset, x: str = "step", *, interpolate: bool = True) -> xr.DataArray:
    """Return the x value of every (run, step) for the axis `x`.

    Parameters
    ----------
    ds : xarray.Dataset
        An rlexplore Dataset.
    x : str, default "step"
        ``"step"``, ``"wall_time"``, ``"relative_time"`` or a metric name.
    interpolate : bool, default True
        For a metric axis: fill steps between two logged values of the run by linear
        interpolation in step (False: only the steps where the metric was logged).

    Returns
    -------
    xarray.DataArray
        float64, dims ``(run, step)``.

    Raises
    ------
    RLExploreError
        Unknown axis, no wall times, or a metric that decreases within a run.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> ds = rlx.demo("length")
    >>> x_values(ds, "relative_time").isel(step=0).values.tolist()
    [0.0]
    """
    if x == STEP:
        grid = np.broadcast_to(ds[STEP].values.astype(np.float64), (ds.sizes[RUN], ds.sizes[STEP]))
        return _as_da(ds, grid.copy())
    if x in ("wall_time", "relative_time"):
        return _as_da(ds, _times(ds, relative=x == "relative_time"))
    if x in ds[METRIC].values:
        values = ds[VALUE].sel({METRIC: x}).values
        check_monotone(values, ds[RUN].values, ds[STEP].values, name=x)
        return _as_da(ds, _fill_between(values, ds[STEP].values) if interpolate else values.copy())
    raise RLExploreError(f"unknown x axis {x!r}; expected one of {x_choices(ds)}")


def x_choices(ds: xr.Dataset) -> list[str]:
    """The x axes that make sense for `ds`: the built-in ones it supports, then monotone metrics.

    A metric is offered when every run logs it, it never decreases within a run and
    it increases somewhere (a constant is no axis). Not for lazy (dask-backed) data,
    where finding out would read every value.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> x_choices(rlx.demo("dashboard"))
    ['step', 'wall_time', 'relative_time']
    """
    choices = [STEP] + (["wall_time", "relative_time"] if WALL_TIME in ds else [])
    if ds[VALUE].chunks is not None:  # dask-backed: testing every metric would read the whole store
        return choices
    ok = [_is_axis(ds[VALUE].sel({METRIC: m}).values) for m in ds[METRIC].values]
    return choices + [str(m) for m in ds[METRIC].values[np.array(ok, dtype=bool)]]


def _is_axis(values: np.ndarray) -> bool:
    """(run, step) values: logged by every run, never decreasing, rising somewhere.

    Run by run, so that the usual metric (a loss, a reward) is turned down after its
    first run instead of after a pass over all of them.
    """
    rises = False
    for row in values:
        x = row[np.isfinite(row)]
        if x.size == 0:
            return False
        steps = np.diff(x)
        if np.any(steps < 0):
            return False
        rises = rises or bool(np.any(steps > 0))
    return rises


def axis_label(x: str) -> str:
    """A human label for the axis `x` (a metric's own name for a metric axis)."""
    return LABELS.get(x, x)


def check_monotone(values: np.ndarray, runs: np.ndarray, steps: np.ndarray, *, name: str) -> None:
    """Raise RLExploreError unless `values` (run, step) never decrease over the finite points of a run."""
    for i, row in enumerate(np.asarray(values, dtype=np.float64)):
        keep = np.flatnonzero(np.isfinite(row))
        down = np.flatnonzero(np.diff(row[keep]) < 0)
        if down.size:
            a, b = keep[down[0]], keep[down[0] + 1]
            raise RLExploreError(
                f"{name!r} cannot be the x axis: it must never decrease within a run, but in "
                f"run {str(runs[i])!r} it goes from {row[a]:g} at step {steps[a]} to "
                f"{row[b]:g} at step {steps[b]}"
            )


def step_range(xs: xr.DataArray, lo: float | None, hi: float | None) -> tuple[int, int] | None:
    """The smallest step range holding every (run, step) whose x lies in ``[lo, hi]``.

    Parameters
    ----------
    xs : xarray.DataArray
        x values ``(run, step)`` as returned by :func:`x_values`.
    lo, hi : float or None
        The range on the x axis; None leaves that side open.

    Returns
    -------
    (int, int) or None
        First and last step, or None when no point falls in the range.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> ds = rlx.demo("length")
    >>> step_range(x_values(ds, "relative_time"), 0, 1000)
    (0, 10)
    """
    x = xs.values
    inside = np.isfinite(x)
    if lo is not None:
        inside &= x >= lo
    if hi is not None:
        inside &= x <= hi
    cols = np.flatnonzero(inside.any(axis=0))
    if cols.size == 0:
        return None
    steps = xs[STEP].values
    return int(steps[cols[0]]), int(steps[cols[-1]])


def _times(ds: xr.Dataset, *, relative: bool) -> np.ndarray:
    if WALL_TIME not in ds:
        raise RLExploreError(
            f"this dataset has no wall times; the x axis can be one of {[c for c in x_choices(ds)]}"
        )
    times = ds[WALL_TIME].values.astype(np.float64, copy=True)
    if relative:
        finite = np.isfinite(times)
        start = np.min(np.where(finite, times, np.inf), axis=1, keepdims=True)
        times = np.where(finite, times - start, np.nan)
    return times


def _fill_between(values: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Interpolate each row linearly in step between its finite points; NaN outside them."""
    out = np.full(values.shape, np.nan)
    steps = steps.astype(np.float64)
    for i, row in enumerate(values):
        keep = np.isfinite(row)
        if keep.any():
            xp, fp = steps[keep], row[keep]
            inner = (steps >= xp[0]) & (steps <= xp[-1])
            out[i, inner] = np.interp(steps[inner], xp, fp)
    return out


def _as_da(ds: xr.Dataset, data: np.ndarray) -> xr.DataArray:
    return xr.DataArray(data, dims=(RUN, STEP), coords={RUN: ds[RUN].values, STEP: ds[STEP].values})
