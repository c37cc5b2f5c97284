"""``rlexplore.load``: the curves of a log tree and, on request, the samples behind them.

:func:`rlexplore.io.load` reads the curves; the samples (TRL completions, verl rollout dumps,
W&B ``completions`` tables) are read by :mod:`rlexplore.samples`, a layer above io. This
module joins the two for one call, so io never imports samples.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import xarray as xr

from .io import load as load_curves
from .samples.load import samples_for


def load(
    source: Any, *, samples: bool = False, **options: Any
) -> xr.Dataset | tuple[xr.Dataset, pd.DataFrame | None]:
    """Load training logs into one rlexplore Dataset; with ``samples=True``, their samples too.

    Parameters
    ----------
    source : str, path, or list of them
        What :func:`rlexplore.io.load` takes: a file, a directory, a glob, or a list.
    samples : bool, default False
        Also read the sample files under `source` (:func:`rlexplore.load_samples`), with
        the run names of the curves, and return ``(ds, samples)``; ``samples`` is None when
        the tree holds no sample file.
    **options
        Every option of :func:`rlexplore.io.load` (``format``, ``rename``, ``restarts``,
        ``step_key``, ``logging_steps``, ``progress``, ``workers``, ``to``).

    Returns
    -------
    xarray.Dataset, or (xarray.Dataset, pandas.DataFrame or None) with ``samples=True``

    Examples
    --------
    >>> import rlexplore as rlx
    >>> ds, df = rlx.load("runs/", samples=True)  # doctest: +SKIP
    >>> rlx.Explorer(ds, samples=df)  # doctest: +SKIP
    """
    ds = load_curves(source, **options)
    return (ds, samples_under(ds, source)) if samples else ds


def samples_under(ds: xr.Dataset, source: Any) -> pd.DataFrame | None:
    """The samples under `source` (a path or a list of them) with the run names of `ds`.

    None when there is no sample file; see :func:`rlexplore.samples.load.samples_for`.
    """
    sources = source if isinstance(source, (list, tuple)) else [source]
    found = [df for s in sources if (df := samples_for(ds, s)) is not None]
    return pd.concat(found, ignore_index=True) if found else None
