"""Entropy collapse and length collapse or explosion: a level far from where it started.

A series has collapsed when its smoothed curve crosses a fraction of its early level and
stays beyond it until the last logged point, for a good part of the run. Smoothing and the
minimum span keep a single outlier, or noise, from deciding.
"""

from __future__ import annotations

import numpy as np

from .findings import ENTROPY_COLLAPSE, LENGTH_COLLAPSE, LENGTH_EXPLOSION, Finding, fmt
from .series import Series, final_stretch

_MEANING = {
    ENTROPY_COLLAPSE: "the policy has become nearly deterministic and explores little",
    LENGTH_COLLAPSE: "the responses became much shorter",
    LENGTH_EXPLOSION: "the responses became much longer",
}


def entropy_collapse(s: Series) -> list[Finding]:
    """Entropy that falls below ``rules.entropy_collapse_ratio`` of its early level and stays."""
    return _level_change(s, ENTROPY_COLLAPSE, s.rules.entropy_collapse_ratio, below=True)


def length_change(s: Series) -> list[Finding]:
    """Response length that halves, or doubles, from its early level and stays there."""
    r = s.rules
    return _level_change(s, LENGTH_COLLAPSE, r.length_collapse_ratio, below=True) + _level_change(
        s, LENGTH_EXPLOSION, r.length_explosion_ratio, below=False
    )


def _level_change(s: Series, kind: str, ratio: float, *, below: bool) -> list[Finding]:
    if s.n < s.rules.min_points or not s.early > 0:
        return []
    threshold = ratio * s.early
    beyond = s.smoothed < threshold if below else s.smoothed > threshold
    cross = final_stretch(beyond)
    if cross is None or s.n - cross < s.points(s.rules.collapse_min_span, 3):
        return []
    onset = _onset(s, cross, below)
    level = float(np.median(s.values[cross:]))
    change = level / s.early
    return [_finding(s, kind, ratio, onset, cross, level, change, below)]


def _onset(s: Series, cross: int, below: bool) -> int:
    """Last point before `cross` still near the early level: where the change began."""
    near = s.rules.onset_level * s.early
    before = s.smoothed[:cross]
    ok = before >= near if below else before <= s.early / s.rules.onset_level
    idx = np.flatnonzero(ok)
    return int(idx[-1]) if idx.size else 0


def _finding(s, kind, ratio, onset, cross, level, change, below) -> Finding:
    first, crossed, last = (int(s.steps[i]) for i in (onset, cross, -1))
    severe = change <= ratio / 2 if below else change >= ratio * 2
    bound = f"below {_fraction(ratio)} of" if below else f"above {_fraction(ratio)}"
    message = (
        f"{s.metric} went from {fmt(s.early)} early on to {fmt(level)} "
        f"({change:.0%} of that) between steps {first} and {crossed}, and stayed {bound} "
        f"its early level until step {last}: {_MEANING[kind]}."
    )
    details = {
        "early_level": s.early,
        "level": level,
        "ratio": change,
        "threshold": ratio * s.early,
        "onset_step": first,
        "crossing_step": crossed,
        "end_step": last,
    }
    return Finding(
        s.run,
        s.metric,
        kind,
        first,
        last,
        "critical" if severe else "warning",
        level,
        s.early,
        message,
        details,
    )


def _fraction(ratio: float) -> str:
    names = {1 / 3: "a third", 0.5: "half", 0.25: "a quarter", 2.0: "twice", 3.0: "three times"}
    for value, name in names.items():
        if abs(ratio - value) < 1e-9:
            return name
    return f"{ratio:.3g} times"
