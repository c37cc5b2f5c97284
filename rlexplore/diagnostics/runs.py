"""Divergence between runs of one group: where replicas (seeds) stop agreeing.

Runs of a group should differ only by noise. Their smoothed curves, at the steps they all
logged, are compared with their step-to-step noise: a separation larger than
``divergence_z`` times that noise, for a good part of the run, is reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from ..transforms.groups import groups
from .findings import RUN_DIVERGENCE, Finding, fmt
from .rules import Rules
from .series import Series, stretches


def run_groups(ds: xr.Dataset, rules: Rules) -> dict[str, tuple[str, ...]]:
    """Groups of at least two runs, by ``rules.group_by`` (a run coordinate) or else by
    names with ``rules.group_pattern`` removed (see :func:`rlexplore.transforms.groups.groups`).

    Examples
    --------
    >>> import rlexplore as rlx, pandas as pd
    >>> df = pd.DataFrame({"run": ["a_seed1", "a_seed2", "b"], "metric": "m", "step": 0, "value": 1.0})
    >>> run_groups(rlx.from_dataframe(df), Rules())
    {'a': ('a_seed1', 'a_seed2')}
    """
    if rules.group_by is not None:
        found = groups(ds, rules.group_by)
    else:
        found = groups(ds, pattern=rules.group_pattern)
    return {label: runs for label, runs in found.items() if len(runs) > 1}


def run_divergence(
    ds: xr.Dataset, table: Mapping[tuple[str, str], Series], roles: Mapping[str, str], rules: Rules
) -> list[Finding]:
    """Findings where the runs of a group separate beyond their noise, per role metric."""
    out = []
    for group, members in run_groups(ds, rules).items():
        for metric in roles:
            series = [table[r, metric] for r in members if (r, metric) in table]
            if len(series) > 1:
                out += _compare(group, metric, series, rules)
    return out


def _compare(group: str, metric: str, series: Sequence[Series], rules: Rules) -> list[Finding]:
    steps = series[0].steps
    for s in series[1:]:
        steps = np.intersect1d(steps, s.steps)
    if steps.size < rules.min_points:
        return []
    curves = np.stack([s.smoothed[np.searchsorted(s.steps, steps)] for s in series])
    noise = _pooled([s.noise for s in series])
    spread = curves.max(axis=0) - curves.min(axis=0)
    apart = (spread > rules.divergence_z * noise) & (
        spread > rules.divergence_min_rel * np.ptp(curves)
    )
    need = max(3, int(np.ceil(rules.divergence_min_span * steps.size)))
    return [
        _finding(group, metric, series, steps, curves, spread, noise, lo, hi)
        for lo, hi in stretches(apart)
        if hi - lo + 1 >= need
    ]


def _pooled(noises: list[float]) -> float:
    """Root mean square of the runs' noise, scaled so that huge values do not overflow."""
    top = max(noises)
    return top * float(np.sqrt(np.mean(np.square(np.asarray(noises) / top)))) if top > 0 else 0.0


def _finding(group, metric, series, steps, curves, spread, noise, lo, hi) -> Finding:
    widest = lo + int(np.argmax(spread[lo : hi + 1]))
    centre = np.median(curves[:, widest])
    odd = int(np.argmax(np.abs(curves[:, widest] - centre)))
    run, others = series[odd].run, [s.run for i, s in enumerate(series) if i != odd]
    first, last, gap = int(steps[lo]), int(steps[hi]), float(spread[widest])
    times = gap / noise if noise > 0 else np.inf
    message = (
        f"Run {run} separates from {', '.join(others)} (group {group!r}) on {metric} between steps "
        f"{first} and {last}: their smoothed curves differ by up to {fmt(gap)}, {fmt(times)} times "
        f"their step-to-step noise, more than seeds alone explain."
    )
    details = {
        "group": group,
        "runs": [s.run for s in series],
        "max_gap": gap,
        "gap_step": int(steps[widest]),
        "noise": noise,
        "ratio": times,
    }
    return Finding(run, metric, RUN_DIVERGENCE, first, last, "info", gap, noise, message, details)
