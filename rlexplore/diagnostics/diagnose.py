"""``rlexplore.diagnose``: every rule on every run, as one DataFrame of findings."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..dataset import METRIC, RUN, validate
from .collapse import entropy_collapse, length_change
from .findings import Finding, to_frame
from .hacking import reward_hacking
from .kl import kl_findings
from .names import classify
from .nonfinite import non_finite
from .progress import best_checkpoint, plateau_or_decline
from .rules import Rules, resolve_rules
from .runs import run_divergence
from .series import Series, series_table

_BY_ROLE: dict[str, tuple[Callable[[Series], list[Finding]], ...]] = {
    "entropy": (entropy_collapse,),
    "length": (length_change,),
    "kl": (kl_findings,),
    "reward": (plateau_or_decline,),
    "eval": (plateau_or_decline, best_checkpoint),
}


def diagnose(ds: xr.Dataset, *, rules: Rules | Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Find what people read training charts for: collapse, blow-ups, the best checkpoint.

    Which metrics are entropy, KL, length, reward or eval is read from their names
    (``actor/entropy``, ``kl``, ``response_length/mean``, ``critic/score/mean``,
    ``eval/...``; see :mod:`rlexplore.diagnostics.names`) or given in ``rules.roles``.
    Each rule works on the points a run logged, smoothed so that noise does not decide.

    Parameters
    ----------
    ds : xarray.Dataset
        An rlexplore dataset.
    rules : Rules or dict, optional
        Thresholds (:class:`rlexplore.diagnostics.Rules`); a dict changes only the fields
        it names, e.g. ``{"entropy_collapse_ratio": 0.25, "roles": {"my/ent": "entropy"}}``.

    Returns
    -------
    pandas.DataFrame
        One row per finding, in dataset order of run and metric, then by step: ``run``,
        ``metric``, ``kind`` (see :data:`rlexplore.diagnostics.KINDS`), ``first_step``,
        ``last_step``, ``severity`` (``info`` < ``warning`` < ``critical``), ``value`` (the
        measured number), ``reference`` (what it is compared with), ``details`` (a dict of
        every number measured) and ``message`` (one plain sentence). ``df.attrs`` holds the
        ``rules`` used and the metric ``roles``.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> found = rlx.diagnose(rlx.demo("methods"))
    >>> found.loc[found.kind == "entropy collapse", "run"].tolist()
    ['REC-OneSide-NoIS (0.2)']
    """
    validate(ds)
    rules = resolve_rules(rules)
    metrics = [str(m) for m in ds[METRIC].values]
    roles = classify(metrics, rules.roles)
    with np.errstate(
        over="ignore", under="ignore"
    ):  # absurd magnitudes become inf, and are judged so
        found = _find(ds, rules, roles)
    df = to_frame(found, [str(r) for r in ds[RUN].values], metrics)
    df.attrs.update(rules=dataclasses.asdict(rules), roles=roles)
    return df


def _find(ds: xr.Dataset, rules: Rules, roles: dict[str, str]) -> list[Finding]:
    table = series_table(ds.sel({METRIC: list(roles)}), rules)
    found = non_finite(ds)
    for (_, metric), series in table.items():
        for rule in _BY_ROLE[roles[metric]]:
            found += rule(series)
    found += reward_hacking(found, table, roles)
    return found + run_divergence(ds, table, roles, rules)
