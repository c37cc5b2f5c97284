"""Export what is in view: every point as CSV or netCDF, or a static matplotlib figure.

A *view* is a Dataset cut to some runs, metrics and a step range, raw or smoothed:
:func:`view_data` makes it, and every export takes the same keyword options. Smoothing
runs over each run's whole curve before the range is cut, as the explorer draws it, so
an exported smoothed point equals the drawn one. Exports hold every logged point in
view, never a downsampled sample.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .dataset import LOGGED, METRIC, RUN, STEP, VALUE, WALL_TIME, validate
from .errors import RLExploreError, missing_extra
from .transforms import smooth
from .transforms.groups import GROUP, aggregate, group_x
from .transforms.xaxis import axis_label, x_values

SMOOTHED = "smoothed"


def view_data(
    ds: xr.Dataset,
    *,
    runs: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    steps: tuple[float | None, float | None] | None = None,
    smoothing: float = 0.0,
    method: str = "ema",
) -> xr.Dataset:
    """Return the part of `ds` in view, with a ``smoothed`` variable when `smoothing` > 0.

    Parameters
    ----------
    ds : xarray.Dataset
        An rlexplore Dataset.
    runs, metrics : sequence of str, optional
        What to keep, in that order (default: all).
    steps : (lo, hi), optional
        Inclusive step range; either bound may be None.
    smoothing : float, default 0
        Smoothing weight (see :func:`rlexplore.smooth`); 0 exports raw values only.
    method : str, default "ema"
        Smoothing method.

    Returns
    -------
    xarray.Dataset
        Steps where nothing in view was logged are dropped.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> v = view_data(rlx.demo("dashboard"), metrics=["actor/kl_loss"], steps=(10, 20), smoothing=0.6)
    >>> dict(v.sizes), sorted(v.data_vars)
    ({'run': 2, 'metric': 1, 'step': 11}, ['smoothed', 'value', 'wall_time'])
    """
    validate(ds)
    ds = _select(ds, RUN, runs)
    ds = _select(ds, METRIC, metrics)
    if smoothing:
        smoothed = smooth(ds[VALUE].values, method, weight=smoothing)
        ds = ds.assign({SMOOTHED: ds[VALUE].copy(data=smoothed)})
    if steps is not None:
        ds = ds.sel({STEP: slice(*steps)})
    logged = _logged(ds)
    return ds.isel({STEP: np.flatnonzero(logged.any(axis=(0, 1)))})


def to_frame(ds: xr.Dataset, **view: Any) -> pd.DataFrame:
    """Every logged point in view as a long table.

    Columns ``run, metric, step, value``, then ``smoothed`` (with `smoothing`) and
    ``wall_time`` (when `ds` has it). `view` takes the options of :func:`view_data`.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> len(to_frame(rlx.demo("length"), metrics=["eval/reproduced_rate"]))
    51
    """
    v = view_data(ds, **view)
    r, m, s = np.nonzero(_logged(v))
    out = {RUN: v[RUN].values[r], METRIC: v[METRIC].values[m], STEP: v[STEP].values[s]}
    out[VALUE] = v[VALUE].values[r, m, s]
    if SMOOTHED in v:
        out[SMOOTHED] = v[SMOOTHED].values[r, m, s]
    if WALL_TIME in v:
        out[WALL_TIME] = v[WALL_TIME].values[r, s]
    return pd.DataFrame(out)


def to_csv(ds: xr.Dataset, path: str | Path | None = None, **view: Any) -> str | None:
    """Write every logged point in view as CSV (see :func:`to_frame`).

    Returns the CSV text when `path` is None. Floats are written with 17 significant
    digits, so values read back are the same float64.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> to_csv(rlx.demo("length"), steps=(0, 0)).splitlines()[0]
    'run,metric,step,value,wall_time'
    """
    frame = to_frame(ds, **view)
    text = frame.to_csv(path, index=False, float_format="%.17g")
    return text if path is None else None


def to_netcdf(ds: xr.Dataset, path: str | Path, **view: Any) -> None:
    """Write the view as a netCDF file (needs the ``netcdf`` extra: h5netcdf).

    The file is an rlexplore Dataset: ``xarray.open_dataset(path)`` reads it back with
    its run metadata and load report.
    """
    try:
        import h5netcdf  # noqa: F401
    except ImportError:
        raise missing_extra("h5netcdf", "netcdf") from None
    view_data(ds, **view).to_netcdf(path, engine="h5netcdf")


def to_matplotlib(
    ds: xr.Dataset,
    *,
    x: str = "step",
    group_by: str | None = None,
    pattern: str | None = None,
    center: str = "mean",
    band: str = "std",
    colors: Mapping[str, str] | None = None,
    ncols: int = 2,
    raw_alpha: float = 0.25,
    **view: Any,
):
    """A static matplotlib figure of the view: one panel per metric (needs the ``plot`` extra).

    Parameters
    ----------
    ds : xarray.Dataset
        An rlexplore Dataset.
    x : str, default "step"
        The x axis (see :mod:`rlexplore.transforms.xaxis`).
    group_by, pattern : str, optional
        Draw groups of runs as a center line with a band instead of single runs
        (see :func:`rlexplore.transforms.groups.aggregate`).
    center, band : str
        Group center and band.
    colors : mapping, optional
        Colour of each run (or group); matplotlib's cycle otherwise.
    ncols : int, default 2
        Panels per row.
    raw_alpha : float, default 0.25
        Opacity of the raw curve drawn under a smoothed one.
    **view
        ``runs``, ``metrics``, ``steps``, ``smoothing``, ``method`` as in :func:`view_data`.

    Returns
    -------
    matplotlib.figure.Figure
        Save it with ``fig.savefig("runs.pdf")`` (PNG, SVG and PDF all work).
    """
    plt = _pyplot()
    v = view_data(ds, **view)
    xs = x_values(v, x)
    metrics = [str(m) for m in v[METRIC].values]
    nrows = max(1, -(-len(metrics) // ncols))
    fig, axes = plt.subplots(
        nrows,
        min(ncols, max(1, len(metrics))),
        squeeze=False,
        figsize=(5.0 * min(ncols, max(1, len(metrics))), 3.2 * nrows),
    )
    plt.close(fig)  # detached from pyplot: shown once when returned, never twice
    grouped = group_by is not None or pattern is not None
    colors = dict(colors or {})
    for ax, metric in zip(axes.flat, metrics):
        if grouped:
            _draw_groups(
                ax, v, xs, metric, colors, by=group_by, pattern=pattern, center=center, band=band
            )
        else:
            _draw_runs(ax, v, xs, metric, colors, raw_alpha)
        ax.set_title(metric)
        ax.set_xlabel(axis_label(x))
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_visible(False)
    if metrics:
        axes.flat[0].legend(fontsize="small")
    fig.tight_layout()
    return fig


def _draw_runs(
    ax, v: xr.Dataset, xs: xr.DataArray, metric: str, colors: dict, raw_alpha: float
) -> None:
    raw = v[VALUE].sel({METRIC: metric}).values
    smoothed = v[SMOOTHED].sel({METRIC: metric}).values if SMOOTHED in v else None
    for i, run in enumerate(str(r) for r in v[RUN].values):
        color = colors.setdefault(run, f"C{len(colors) % 10}")
        keep = np.isfinite(raw[i]) & np.isfinite(xs.values[i])
        if smoothed is None:
            ax.plot(xs.values[i, keep], raw[i, keep], color=color, label=run, lw=1.2)
            continue
        ax.plot(xs.values[i, keep], raw[i, keep], color=color, alpha=raw_alpha, lw=0.8)
        ax.plot(xs.values[i, keep], smoothed[i, keep], color=color, label=run, lw=1.4)


def _draw_groups(
    ax, v: xr.Dataset, xs: xr.DataArray, metric: str, colors: dict, **options: Any
) -> None:
    source = v.assign({VALUE: v[SMOOTHED]}) if SMOOTHED in v else v
    stats = aggregate(source.sel({METRIC: [metric]}), **options)
    xg = group_x(xs, stats)
    for i, label in enumerate(str(g) for g in stats[GROUP].values):
        s = stats.isel({GROUP: i}).sel({METRIC: metric})
        color = colors.setdefault(label, f"C{len(colors) % 10}")
        keep = np.isfinite(s["center"].values) & np.isfinite(xg[i])
        label_n = f"{label} (n={int(s['n_runs'])})"
        ax.plot(xg[i, keep], s["center"].values[keep], color=color, label=label_n, lw=1.4)
        ax.fill_between(
            xg[i, keep],
            s["lower"].values[keep],
            s["upper"].values[keep],
            color=color,
            alpha=0.2,
            lw=0,
        )


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise missing_extra("matplotlib", "plot") from None
    return plt


def _select(ds: xr.Dataset, dim: str, names: Sequence[str] | None) -> xr.Dataset:
    if names is None:
        return ds
    names = [str(n) for n in names]
    known = set(ds[dim].values.tolist())
    unknown = [n for n in names if n not in known]
    if unknown:
        raise RLExploreError(f"unknown {dim}s {unknown}; the dataset has {sorted(known)[:20]}")
    return ds.sel({dim: names})


def _logged(ds: xr.Dataset) -> np.ndarray:
    return ds[LOGGED].values if LOGGED in ds else ~np.isnan(ds[VALUE].values)
