"""Groups of runs drawn as one curve with a band: seeds of a method, values of a hyperparameter.

Runs are grouped either by a run coordinate (``hp.algorithm``, ``source``...) or by a
regular expression on their names, then reduced across the runs of each group to a
center (mean or median) and a band (standard deviation, standard error, min–max or a
quantile range).

How different step grids are aligned
------------------------------------
Nothing is interpolated and no value is carried forward: a group has points only at
steps its runs logged, and each statistic uses exactly the runs that logged the metric
there (a finite value; ``count`` says how many). Which of those steps are kept is
`align`:

``"intersect"`` (default)
    A step is kept when *every* run of the group whose logged span covers it (its first
    to its last logged step of that metric) logged there. Runs logging every 10 and
    every 5 steps meet on the multiples of 10; the steps only one of them logged are
    dropped instead of making the mean zigzag between one run and two. Past the end of
    a shorter run, the longer runs go on alone (``count`` falls). Runs logging on
    disjoint grids (even and odd steps) share no point within their common span.
``"any"``
    Every step at least one run logged is kept, with the runs that logged there.

In both, a step where fewer than ``min_runs`` runs logged is NaN. Smoothing, when
wanted, is applied to each run over its own logged points *before* grouping.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from ..dataset import METRIC, RUN, STEP, VALUE
from ..errors import RLExploreError

CENTERS = ("mean", "median")
BANDS = ("std", "sem", "minmax", "quantile", "none")
ALIGNS = ("intersect", "any")
GROUP = "group"
MISSING_LABEL = "(missing)"


def group_labels(ds: xr.Dataset, by: str | None = None, *, pattern: str | None = None) -> list[str]:
    r"""Return the group label of every run, in run order.

    Parameters
    ----------
    ds : xarray.Dataset
        An rlexplore Dataset.
    by : str, optional
        A coordinate along ``run`` (such as ``"hp.algorithm"``): runs with the same
        value form a group. Numbers are labelled with ``repr``-like short text
        (``3e-06``), missing values (NaN, ``""``) with ``"(missing)"``.
    pattern : str, optional
        A regular expression on run names. With a capture group, the label is the
        captured text of the first match (``r"(.*)-seed\d+"``); without one, the
        label is the name with every match removed (``r"[-_]?seed\d+"``). A run
        whose name does not match is a group of its own.

    Returns
    -------
    list of str

    Examples
    --------
    >>> import rlexplore as rlx
    >>> ds = rlx.demo("dashboard")
    >>> group_labels(ds, pattern=r"-lr[\d.e-]+$")
    ['qwen2.5-7b-grpo', 'qwen2.5-7b-grpo']
    """
    runs = [str(r) for r in ds[RUN].values]
    if (by is None) == (pattern is None):
        raise RLExploreError(
            "group runs either by= a run coordinate or by pattern=, not both or neither"
        )
    if by is not None:
        return _labels_from_coord(ds, by)
    assert pattern is not None  # exactly one of the two was given (checked above)
    return _labels_from_pattern(runs, pattern)


def groups(
    ds: xr.Dataset, by: str | None = None, *, pattern: str | None = None
) -> dict[str, tuple[str, ...]]:
    """Return ``{label: member runs}``, groups in order of their first run.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> groups(rlx.demo("dashboard"), pattern=r"-lr.*")
    {'qwen2.5-7b-grpo': ('qwen2.5-7b-grpo-lr3e-6', 'qwen2.5-7b-grpo-lr1e-6')}
    """
    out: dict[str, list[str]] = {}
    for run, label in zip(ds[RUN].values, group_labels(ds, by, pattern=pattern)):
        out.setdefault(label, []).append(str(run))
    return {label: tuple(members) for label, members in out.items()}


def aggregate(
    ds: xr.Dataset,
    by: str | None = None,
    *,
    pattern: str | None = None,
    labels: Sequence[str] | None = None,
    center: str = "mean",
    band: str = "std",
    quantiles: tuple[float, float] = (0.25, 0.75),
    min_runs: int = 1,
    align: str = "intersect",
) -> xr.Dataset:
    """Reduce the runs of each group to a center curve and a band.

    Parameters
    ----------
    ds : xarray.Dataset
        An rlexplore Dataset (possibly already smoothed, e.g. ``ds.rlx.smooth()``).
    by, pattern : str, optional
        How to group, as in :func:`group_labels`.
    labels : sequence of str, optional
        One label per run, instead of `by` / `pattern`.
    center : {"mean", "median"}
        The curve drawn for the group.
    band : {"std", "sem", "minmax", "quantile", "none"}
        ``center ± std`` (sample standard deviation, ddof=1), ``center ± sem``
        (std / sqrt(count)), the min and max, the `quantiles`, or no band. With a
        single run at a step, ``std`` and ``sem`` bands are NaN (not zero).
    quantiles : (float, float), default (0.25, 0.75)
        Lower and upper quantile for ``band="quantile"``.
    min_runs : int, default 1
        Steps where fewer runs of a group logged are NaN.
    align : {"intersect", "any"}
        Which steps a group keeps when its runs log on different grids (see the
        module docstring).

    Returns
    -------
    xarray.Dataset
        Dims ``(group, metric, step)`` with variables ``center``, ``lower``,
        ``upper`` (float64) and ``count`` (int64, runs that logged the point), the
        coordinate ``n_runs`` along ``group``; ``attrs`` hold `center`, `band`,
        `align` and ``group_codes`` (the group index of each run).

    Examples
    --------
    >>> import rlexplore as rlx
    >>> g = aggregate(rlx.demo("dashboard"), pattern=r"-lr.*", band="minmax")
    >>> dict(g.sizes)
    {'group': 1, 'metric': 3, 'step': 31}
    >>> g["count"].sel(metric="actor/kl_loss", step=0).values.tolist()
    [2]
    """
    if labels is None:
        labels = group_labels(ds, by, pattern=pattern)
    elif len(labels) != ds.sizes[RUN]:
        raise RLExploreError(f"labels has {len(labels)} entries for {ds.sizes[RUN]} runs")
    names, codes = _factorize(labels)
    stats = aggregate_values(
        ds[VALUE].values,
        codes,
        len(names),
        center=center,
        band=band,
        quantiles=quantiles,
        min_runs=min_runs,
        align=align,
    )
    dims = (GROUP, METRIC, STEP)
    coords: dict[str, Any] = {
        GROUP: np.array(names, dtype=object),
        METRIC: ds[METRIC].values,
        STEP: ds[STEP].values,
    }
    coords["n_runs"] = (GROUP, np.bincount(codes, minlength=len(names)).astype(np.int64))
    data = {k: (dims, v) for k, v in zip(("center", "lower", "upper", "count"), stats)}
    attrs = {"center": center, "band": band, "align": align, "group_codes": codes.tolist()}
    return xr.Dataset(data, coords=coords, attrs=attrs)


def group_x(xs: xr.DataArray, stats: xr.Dataset) -> np.ndarray:
    """Where to draw each group's points on an x axis that differs between runs (time, tokens).

    Parameters
    ----------
    xs : xarray.DataArray
        x of every (run, step), as :func:`rlexplore.transforms.xaxis.x_values` gives.
    stats : xarray.Dataset
        The result of :func:`aggregate` on the same runs.

    Returns
    -------
    numpy.ndarray
        ``(group, step)``: the mean x of the group's runs at each step.
    """
    codes = np.asarray(stats.attrs["group_codes"], dtype=np.int64)
    center = aggregate_values(xs.values, codes, stats.sizes[GROUP], band="none", align="any")[0]
    return center


def aggregate_values(
    values: np.ndarray,
    codes: np.ndarray,
    n_groups: int,
    *,
    center: str = "mean",
    band: str = "std",
    quantiles: tuple[float, float] = (0.25, 0.75),
    min_runs: int = 1,
    align: str = "intersect",
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The numpy core of :func:`aggregate`: reduce axis 0 of `values` per group.

    Parameters
    ----------
    values : numpy.ndarray
        Shape ``(run, ..., step)``; NaN and ±Inf mean "not logged here". The last
        axis is the step axis (it defines each run's logged span for ``"intersect"``).
    codes : numpy.ndarray of int
        Group index of each run, in ``[0, n_groups)``.

    Returns
    -------
    center, lower, upper, count : numpy.ndarray
        Each of shape ``(n_groups, ...)``.
    """
    _check_options(center, band, quantiles, min_runs, align)
    values = np.asarray(values, dtype=np.float64)
    codes = np.asarray(codes, dtype=np.int64)
    shape = (n_groups,) + values.shape[1:]
    out = [np.full(shape, np.nan) for _ in range(3)] + [np.zeros(shape, dtype=np.int64)]
    for g in range(n_groups):
        block = values[codes == g]
        reduced = _reduce(block, center, band, quantiles)
        count = reduced[3]
        enough = count >= min_runs
        if align == "intersect":
            enough &= count == _covering(block)
        for arr, part in zip(out[:3], reduced[:3]):
            arr[g] = np.where(enough, part, np.nan)
        out[3][g] = count
    return out[0], out[1], out[2], out[3]


def _reduce(
    block: np.ndarray, center: str, band: str, quantiles: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Center, lower, upper and count across axis 0 over the finite entries."""
    x = np.where(np.isfinite(block), block, np.nan)
    count = np.isfinite(x).sum(axis=0)
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices are expected
        if center == "median" and band == "quantile":  # one sort for the three
            mid, lower, upper = nanquantile(x, (0.5, *quantiles))
            return mid, lower, upper, count
        mid = np.nanmean(x, axis=0) if center == "mean" else nanquantile(x, 0.5)
        lower, upper = _band(x, mid, count, band, quantiles)
    return mid, lower, upper, count


def _covering(block: np.ndarray) -> np.ndarray:
    """How many runs' logged span (first to last finite step) covers each step."""
    finite = np.isfinite(block)
    n = block.shape[-1]
    first = np.argmax(finite, axis=-1)[..., None]
    last = (n - 1 - np.argmax(finite[..., ::-1], axis=-1))[..., None]
    idx = np.arange(n)
    covered = (idx >= first) & (idx <= last) & finite.any(axis=-1, keepdims=True)
    return np.asarray(covered.sum(axis=0))


def _band(
    x: np.ndarray, mid: np.ndarray, count: np.ndarray, band: str, quantiles: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    if band == "none":
        return mid, mid
    if band == "minmax":
        return np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    if band == "quantile":
        lo, hi = nanquantile(x, quantiles)
        return lo, hi
    spread = np.nanstd(x, axis=0, ddof=1)
    spread = np.where(count >= 2, spread, np.nan)
    if band == "sem":
        spread = spread / np.sqrt(np.maximum(count, 1))
    return mid - spread, mid + spread


def nanquantile(x: np.ndarray, q: float | Sequence[float]) -> np.ndarray:
    """Quantile(s) `q` along axis 0 over the non-NaN entries, as ``numpy.nanquantile`` gives them.

    Vectorized (one sort for every `q`), where ``numpy.nanquantile`` with NaN present goes
    column by column in Python: median and quartiles of 30 runs x 40 metrics x 20,000 steps
    take 79 s with numpy and about 1 s here. All-NaN columns give NaN.

    Examples
    --------
    >>> nanquantile(np.array([[1.0, np.nan], [3.0, 2.0], [2.0, np.nan]]), 0.5).tolist()
    [2.0, 2.0]
    """
    ordered = np.sort(x, axis=0)  # NaN last
    n = np.count_nonzero(~np.isnan(x), axis=0)
    last = np.maximum(n - 1, 0)
    out = []
    for one in np.atleast_1d(q):
        pos = one * last
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, last)
        below = np.take_along_axis(ordered, lo[None], axis=0)[0]
        above = np.take_along_axis(ordered, hi[None], axis=0)[0]
        out.append(np.where(n > 0, below + (pos - lo) * (above - below), np.nan))
    return out[0] if np.ndim(q) == 0 else np.stack(out)


def _check_options(
    center: str, band: str, quantiles: tuple[float, float], min_runs: int, align: str
) -> None:
    if center not in CENTERS:
        raise RLExploreError(f"unknown center {center!r}; expected one of {CENTERS}")
    if band not in BANDS:
        raise RLExploreError(f"unknown band {band!r}; expected one of {BANDS}")
    lo, hi = quantiles
    if not 0 <= lo <= hi <= 1:
        raise RLExploreError(f"quantiles must satisfy 0 <= lower <= upper <= 1, got {quantiles!r}")
    if align not in ALIGNS:
        raise RLExploreError(f"unknown align {align!r}; expected one of {ALIGNS}")
    if int(min_runs) != min_runs or min_runs < 1:
        raise RLExploreError(f"min_runs must be a whole number >= 1, got {min_runs!r}")


def _labels_from_coord(ds: xr.Dataset, by: str) -> list[str]:
    if by == RUN:
        return [str(r) for r in ds[RUN].values]
    if by not in ds.coords or ds[by].dims != (RUN,):
        options = sorted(str(k) for k, c in ds.coords.items() if c.dims == (RUN,) and k != RUN)
        raise RLExploreError(f"no run coordinate {by!r}; run coordinates: {options}")
    return [_label(v) for v in ds[by].values]


def _label(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return MISSING_LABEL
        return f"{float(value):g}"
    text = str(value)
    return text if text else MISSING_LABEL


def _labels_from_pattern(runs: list[str], pattern: str) -> list[str]:
    try:
        regex = re.compile(pattern)
    except re.error as err:
        raise RLExploreError(f"invalid regular expression {pattern!r}: {err}") from None
    return [_pattern_label(regex, run) for run in runs]


def _pattern_label(regex: re.Pattern[str], run: str) -> str:
    if regex.groups:
        match = regex.search(run)
        if match is None:
            return run
        return "".join(part for part in match.groups() if part) or run
    return regex.sub("", run) or run


def _factorize(labels: Sequence[str]) -> tuple[list[str], np.ndarray]:
    names: dict[str, int] = {}
    codes = [names.setdefault(str(label), len(names)) for label in labels]
    return list(names), np.array(codes, dtype=np.int64)
