"""What the view model draws from: the runs or groups of runs of a Dataset, on a chosen x axis.

:class:`ViewStore` is a :class:`~rlexplore.viewmodel.store.SeriesStore` whose series are
either the dataset's runs or, when grouping, one center curve per group (with its band,
:meth:`ViewStore.band`), and whose x values are steps, times or a monotone metric
(:mod:`rlexplore.transforms.xaxis`). The panels, the overview and the summary work on it
unchanged: a "run" of the store is a group when grouping, and the step range of the state
is a range on the chosen x axis.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import xarray as xr

from ..dataset import METRIC, RUN, STEP, VALUE, validate
from ..errors import RLExploreError
from ..transforms import smooth
from ..transforms.groups import BANDS, CENTERS, GROUP, aggregate, group_labels, group_x
from ..transforms.xaxis import x_values
from .store import SeriesStore, _extent, smooth_key

BAND_CACHE_SIZE = 8  # smoothings of the bands kept


class ViewStore(SeriesStore):
    """Series of runs (or groups) on an x axis.

    Parameters
    ----------
    ds : xarray.Dataset
        An rlexplore Dataset.
    x : str, default "step"
        ``"step"``, ``"wall_time"``, ``"relative_time"`` or a monotone metric.
    group_by, group_pattern : str, default ""
        Group runs by a run coordinate or a regular expression on names
        (:func:`rlexplore.transforms.groups.group_labels`); both empty: no grouping.
    center, band : str
        The group curve and its band (:func:`rlexplore.transforms.groups.aggregate`).

    Examples
    --------
    >>> import rlexplore as rlx
    >>> store = ViewStore(rlx.demo("dashboard"), group_pattern=r"-lr.*", band="minmax")
    >>> store.runs, store.members
    (('qwen2.5-7b-grpo',), {'qwen2.5-7b-grpo': ('qwen2.5-7b-grpo-lr3e-6', 'qwen2.5-7b-grpo-lr1e-6')})
    """

    def __init__(
        self,
        ds: xr.Dataset,
        *,
        x: str = "step",
        group_by: str = "",
        group_pattern: str = "",
        center: str = "mean",
        band: str = "std",
    ) -> None:
        validate(ds)
        self.x_axis, self.center, self.band_kind = (
            x,
            _check(center, CENTERS, "center"),
            _check(band, BANDS, "band"),
        )
        xs = x_values(ds, x)
        self.grouped = bool(group_by or group_pattern)
        self.lower: np.ndarray | None
        self.upper: np.ndarray | None
        self._bands: OrderedDict[tuple[str, float], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        if self.grouped:
            labels = group_labels(ds, group_by or None, pattern=group_pattern or None)
            stats = aggregate(ds, labels=labels, center=center, band=band)
            super().__init__(_center_dataset(stats))
            self.lower, self.upper = stats["lower"].values, stats["upper"].values
            self.members = {
                str(g): tuple(str(r) for r, lab in zip(ds[RUN].values, labels) if lab == g)
                for g in stats[GROUP].values
            }
            x_grid = group_x(xs, stats)
        else:
            super().__init__(ds)
            self.lower = self.upper = None
            self.members = {r: (r,) for r in self.runs}
            x_grid = xs.values
        self.x = np.asarray(x_grid, dtype=np.float64)
        self._extent: tuple[float, float] | None = None

    @property
    def extent(self) -> tuple[float, float]:
        """The smallest and largest finite x."""
        if self._extent is None:
            self._extent = _extent(self.x)
        return self._extent

    def x_of(self, r: int) -> np.ndarray:
        """The x values of run (or group) position `r` on the chosen axis."""
        return self.x[r]

    def band(
        self, run: str, metric: str, method: str, weight: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """``(x, lower, upper)`` of a group's band (smoothed like the lines), or None without bands."""
        if self.lower is None or self.band_kind == "none":
            return None
        lower, upper = self._smooth_bands(method, weight)
        r, m = self._run[run], self._metric[metric]
        keep = np.isfinite(lower[r, m]) & np.isfinite(upper[r, m]) & np.isfinite(self.x[r])
        return self.x[r, keep], lower[r, m, keep], upper[r, m, keep]

    def _smooth_bands(self, method: str, weight: float) -> tuple[np.ndarray, np.ndarray]:
        key = smooth_key(method, weight)
        if key not in self._bands:
            assert self.lower is not None and self.upper is not None  # grouped: band() checked
            self._bands[key] = (
                smooth(self.lower, method, weight=weight),
                smooth(self.upper, method, weight=weight),
            )
            while len(self._bands) > BAND_CACHE_SIZE:
                self._bands.popitem(last=False)
        return self._bands[key]


def _center_dataset(stats: xr.Dataset) -> xr.Dataset:
    """The group centers as an rlexplore Dataset whose runs are the groups."""
    value = stats["center"].rename({GROUP: RUN})
    coords = {
        RUN: np.array([str(g) for g in stats[GROUP].values], dtype=object),
        METRIC: stats[METRIC].values,
        STEP: stats[STEP].values,
    }
    return xr.Dataset({VALUE: ((RUN, METRIC, STEP), value.values)}, coords=coords)


def _check(value: str, options: tuple[str, ...], what: str) -> str:
    if value not in options:
        raise RLExploreError(f"unknown {what} {value!r}; expected one of {options}")
    return value
