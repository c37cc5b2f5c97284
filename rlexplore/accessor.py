"""``ds.rlx``: a thin, stateless accessor registered when rlexplore is imported."""

from __future__ import annotations

from typing import Any

import xarray as xr

from .dataset import METRIC, RUN, STEP, VALUE, validate
from .transforms import smooth


@xr.register_dataset_accessor("rlx")
class RLXAccessor:
    """rlexplore helpers on an rlexplore Dataset.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> ds = rlx.demo("dashboard")
    >>> ds.rlx.metrics
    ('eval/math-eval/accuracy/mean', 'actor/entropy_loss', 'actor/kl_loss')
    """

    def __init__(self, ds: xr.Dataset) -> None:
        self._ds = ds

    @property
    def runs(self) -> tuple[str, ...]:
        """The run names, in dataset order."""
        return tuple(self._ds[RUN].values.tolist())

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metric names, in dataset order."""
        return tuple(self._ds[METRIC].values.tolist())

    def smooth(
        self, weight: float = 0.6, method: str = "ema", *, window: float | None = None
    ) -> xr.Dataset:
        """Return a copy whose ``value`` is smoothed along ``step`` (see :func:`rlexplore.transforms.smooth`)."""
        validate(self._ds)
        values = smooth(self._ds[VALUE].values, method, weight=weight, window=window)
        return self._ds.assign({VALUE: self._ds[VALUE].copy(data=values)})

    def sel_steps(self, lo: float | None = None, hi: float | None = None) -> xr.Dataset:
        """Return the steps in ``[lo, hi]`` (either bound may be None)."""
        return self._ds.sel({STEP: slice(lo, hi)})

    def explore(self, *args: Any, **kwargs: Any):
        """Open the :class:`rlexplore.Explorer` on this dataset."""
        from .views import Explorer

        return Explorer(self._ds, *args, **kwargs)
