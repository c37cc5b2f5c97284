"""Progress of reward and eval metrics: plateau or decline, and the best checkpoint.

Both read the smoothed curve, so one lucky evaluation does not decide. Metrics whose name
says lower is better (``loss``, ``error``, ``perplexity``...) are read upside down.
"""

from __future__ import annotations

import numpy as np

from .findings import BEST_CHECKPOINT, DECLINE, PLATEAU, Finding, fmt
from .names import lower_is_better
from .series import Series

_MIN_EVAL_POINTS = 3


def plateau_or_decline(s: Series) -> list[Finding]:
    """A metric that stopped improving well before the end (plateau) or fell after its peak."""
    r = s.rules
    if s.n < r.min_points:
        return []
    sign = -1.0 if lower_is_better(s.metric) else 1.0
    sm, early = sign * s.smoothed, sign * s.early
    best = float(sm.max())
    gain = best - early
    if not gain > r.plateau_min_gain_z * s.noise or gain <= 0:
        return []
    reached = int(np.argmax(sm >= best - r.plateau_tolerance * gain))
    span = s.steps[-1] - s.steps[reached]
    if span < r.plateau_min_span * (s.steps[-1] - s.steps[0]):
        return []
    drop = best - float(sm[-1])
    if drop >= r.decline_drop * gain:
        return [_decline(s, int(np.argmax(sm)), sign * best, sign * float(sm[-1]), drop / gain)]
    return [_plateau(s, reached, sign * best, span)]


def _plateau(s: Series, reached: int, best: float, span: int) -> Finding:
    first, last = int(s.steps[reached]), int(s.steps[-1])
    message = (
        f"{s.metric} stopped improving at step {first}: from there to step {last} "
        f"({span} steps) its smoothed value stayed near its best, {fmt(best)}."
    )
    details = {"best": best, "early_level": s.early, "plateau_step": first, "steps_without_gain": int(span)}
    return Finding(s.run, s.metric, PLATEAU, first, last, "info", best, s.early, message, details)


def _decline(s: Series, top: int, best: float, end: float, lost: float) -> Finding:
    first, last = int(s.steps[top]), int(s.steps[-1])
    message = (
        f"{s.metric} peaked at {fmt(best)} (smoothed) around step {first} and then got worse, "
        f"to {fmt(end)} by step {last}, losing {lost:.0%} of what it had gained."
    )
    details = {"best": best, "end_level": end, "early_level": s.early, "peak_step": first, "lost_fraction": lost}
    return Finding(s.run, s.metric, DECLINE, first, last, "warning", end, best, message, details)


def best_checkpoint(s: Series) -> list[Finding]:
    """The step where the smoothed eval metric is best, per run."""
    if s.n < _MIN_EVAL_POINTS:
        return []
    low = lower_is_better(s.metric)
    pick = np.argmin if low else np.argmax
    i, raw_i = int(pick(s.smoothed)), int(pick(s.values))
    step, best = int(s.steps[i]), float(s.smoothed[i])
    raw = float(s.values[i])
    last = " (the last evaluation, so it may still be improving)" if i == s.n - 1 else ""
    message = (
        f"The best checkpoint for {s.metric} is at step {step}{last}, where its smoothed value "
        f"is {'lowest' if low else 'highest'}, {fmt(best)} (logged {fmt(raw)})."
    )
    details = {"best_smoothed": best, "logged_at_best": raw, "best_logged": float(s.values[raw_i]),
               "best_logged_step": int(s.steps[raw_i]), "lower_is_better": low}
    return [Finding(s.run, s.metric, BEST_CHECKPOINT, step, step, "info", best, s.early, message, details)]
