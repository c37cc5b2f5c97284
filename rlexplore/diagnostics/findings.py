"""A finding, the kinds there are, and the DataFrame :func:`rlexplore.diagnose` returns."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

ENTROPY_COLLAPSE = "entropy collapse"
KL_SPIKE = "kl spike"
KL_SURGE = "kl surge"
KL_BLOWUP = "kl blow-up"
LENGTH_COLLAPSE = "length collapse"
LENGTH_EXPLOSION = "length explosion"
REWARD_HACKING = "reward hacking hint"
PLATEAU = "plateau"
DECLINE = "decline"
BEST_CHECKPOINT = "best checkpoint"
NON_FINITE = "non-finite values"
RUN_DIVERGENCE = "divergence between runs"

KINDS = (
    NON_FINITE,
    ENTROPY_COLLAPSE,
    LENGTH_COLLAPSE,
    LENGTH_EXPLOSION,
    REWARD_HACKING,
    KL_SPIKE,
    KL_SURGE,
    KL_BLOWUP,
    DECLINE,
    PLATEAU,
    BEST_CHECKPOINT,
    RUN_DIVERGENCE,
)
SEVERITIES = ("info", "warning", "critical")
COLUMNS = (
    "run",
    "metric",
    "kind",
    "first_step",
    "last_step",
    "severity",
    "value",
    "reference",
    "details",
    "message",
)


@dataclasses.dataclass(frozen=True)
class Finding:
    """One thing found in one run's metric, over a range of steps.

    `value` is the measured number the finding is about (the collapsed level, the peak,
    the best value...), `reference` what it is compared with (the early level, the level
    before...), `details` every number measured, and `message` one plain sentence.
    """

    run: str
    metric: str
    kind: str
    first_step: int
    last_step: int
    severity: str
    value: float
    reference: float
    message: str
    details: dict[str, Any] = dataclasses.field(default_factory=dict)


def to_frame(
    findings: Sequence[Finding], runs: Sequence[str], metrics: Sequence[str]
) -> pd.DataFrame:
    """The findings as a DataFrame with :data:`COLUMNS`, in dataset order of run and metric.

    ``severity`` and ``kind`` are ordered categoricals, so ``df.sort_values("severity")``
    and ``df[df.severity >= "warning"]`` work.
    """
    rows = [{c: getattr(f, c) for c in COLUMNS} for f in findings]
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df["first_step"] = df["first_step"].astype(np.int64)
    df["last_step"] = df["last_step"].astype(np.int64)
    df["value"] = df["value"].astype(np.float64)
    df["reference"] = df["reference"].astype(np.float64)
    df["severity"] = pd.Categorical(df["severity"], categories=SEVERITIES, ordered=True)
    df["kind"] = pd.Categorical(df["kind"], categories=KINDS, ordered=True)
    order = {name: i for i, name in enumerate(runs)}, {name: i for i, name in enumerate(metrics)}
    keys = pd.DataFrame(
        {
            "r": df["run"].map(order[0]),
            "m": df["metric"].map(order[1]),
            "s": df["first_step"],
            "k": df["kind"].cat.codes,
        }
    )
    return df.loc[keys.sort_values(["r", "m", "s", "k"], kind="stable").index].reset_index(
        drop=True
    )


def fmt(x: float) -> str:
    """A number as a student reads it: three significant digits.

    Examples
    --------
    >>> fmt(7.2961), fmt(0.0451234), fmt(1350.2)
    ('7.3', '0.0451', '1,350')
    """
    x = float(x) + 0.0  # no "-0"
    if 1000 <= abs(x) < 1e9:
        return f"{x:,.0f}"
    return f"{x:.3g}"
