"""From a finding of :func:`rlexplore.diagnose` to the samples behind it, and sample ordering."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import RLExploreError

ORDERS = ("best", "worst", "random")


def score_column(samples: pd.DataFrame) -> str | None:
    """The column samples are ranked by: ``reward``, else the first numeric reward-like column.

    A column with no value in `samples` (a TRL run's ``reward`` when its weights are not
    known) is passed over.
    """
    skip = ("step", "sample", "advantage", "completion_chars", "completion_hash")
    candidates = ["reward"] + [c for c in samples.columns if c != "reward"]
    for c in candidates:
        if (
            c in samples.columns
            and c not in skip
            and samples[c].dtype.kind in "fiu"
            and samples[c].notna().any()
        ):
            return str(c)
    return None


def rank_samples(
    samples: pd.DataFrame, order: str = "best", *, by: str | None = None, seed: int = 0
) -> pd.DataFrame:
    """Samples sorted best first, worst first or in a seeded random order.

    Ties keep the samples' order (run, step, sample); samples without a score go last.
    """
    if order not in ORDERS:
        raise RLExploreError(f"order must be one of {ORDERS}, not {order!r}")
    if order == "random":
        rng = np.random.default_rng(seed)
        return samples.iloc[rng.permutation(len(samples))]
    col = by or score_column(samples)
    if col is None:
        return samples
    return samples.sort_values(col, ascending=order == "worst", kind="stable", na_position="last")


def finding_samples(
    samples: pd.DataFrame, finding: Any, *, n: int = 5, by: str | None = None
) -> pd.DataFrame:
    """The samples behind a finding: its run and step range, the `n` worst then the `n` best.

    Parameters
    ----------
    samples : pandas.DataFrame
        What :func:`rlexplore.load_samples` returned.
    finding : pandas.Series, mapping or Finding
        A row of :func:`rlexplore.diagnose` (``run``, ``first_step``, ``last_step``).
    n : int, default 5
        How many of the worst and of the best to return.
    by : str, optional
        The score column (default: ``reward``, else the first reward column).

    Returns
    -------
    pandas.DataFrame
        Up to ``2 n`` samples with a column ``rank`` (``"worst"`` or ``"best"``): the worst
        first, then the best. When no sample was logged inside the range, the samples of
        the nearest logged step are used. Empty when the run has no samples.
    """
    f = _as_mapping(finding)
    try:
        run, first, last = str(f["run"]), int(f["first_step"]), int(f["last_step"])
    except (KeyError, TypeError, ValueError):
        raise RLExploreError(
            "a finding needs 'run', 'first_step' and 'last_step' (a row of rlexplore.diagnose)"
        ) from None
    mine = samples[samples["run"].astype(str) == run]
    inside = mine[(mine["step"] >= first) & (mine["step"] <= last)]
    if inside.empty and not mine.empty:
        steps = np.unique(mine["step"].to_numpy())
        mid = (first + last) / 2
        inside = mine[mine["step"] == steps[np.argmin(np.abs(steps - mid))]]
    worst = rank_samples(inside, "worst", by=by).head(n)
    best = rank_samples(inside.drop(index=worst.index), "best", by=by).head(n)
    out = pd.concat([worst.assign(rank="worst"), best.assign(rank="best")])
    out.attrs.update(samples.attrs)
    return out


def _as_mapping(finding: Any) -> Mapping[str, Any]:
    if isinstance(finding, pd.DataFrame):
        if len(finding) != 1:
            raise RLExploreError("pass one finding (one row of rlexplore.diagnose)")
        return finding.iloc[0].to_dict()
    if isinstance(finding, pd.Series):
        return finding.to_dict()
    if dataclasses.is_dataclass(finding) and not isinstance(finding, type):
        return dataclasses.asdict(finding)
    if isinstance(finding, Mapping):
        return finding
    raise RLExploreError(f"not a finding: {type(finding).__name__}")
