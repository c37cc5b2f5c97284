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
    """A metric that fell back after its peak (decline), or stopped improving well before
    the end (plateau). Both need a change larger than the noise.
    """
    r = s.rules
    if s.n < r.min_points:
        return []
    sign = -1.0 if lower_is_better(s.metric) else 1.0
    sm = sign * s.smoothed
    top = int(np.argmax(sm))
    best, end = float(sm[top]), float(sm[-1])
    drop, least = best - end, r.plateau_min_gain_z * s.noise
    if drop > least and drop >= r.decline_drop * (best - sm.min()) and _long_enough(s, top):
        return [_decline(s, top, sign)]
    gain = best - sign * s.early
    reached = int(np.argmax(sm >= best - r.plateau_tolerance * gain))
    if gain > least and drop < r.decline_drop * gain and _long_enough(s, reached):
        return [_plateau(s, reached, sign * best)]
    return []


def _long_enough(s: Series, i: int) -> bool:
    """True when point `i` is at least ``plateau_min_span`` of the run's steps before its end."""
    return s.steps[-1] - s.steps[i] >= s.rules.plateau_min_span * (s.steps[-1] - s.steps[0])


def _plateau(s: Series, reached: int, best: float) -> Finding:
    first, last = int(s.steps[reached]), int(s.steps[-1])
    message = (
        f"{s.metric} stopped improving at step {first}: from there to step {last} "
        f"({last - first} steps) its smoothed value stayed near its best, {fmt(best)}."
    )
    details = {
        "best": best,
        "early_level": s.early,
        "plateau_step": first,
        "steps_without_gain": last - first,
    }
    return Finding(s.run, s.metric, PLATEAU, first, last, "info", best, s.early, message, details)


def _decline(s: Series, top: int, sign: float) -> Finding:
    best, end = float(s.smoothed[top]), float(s.smoothed[-1])
    first, last = int(s.steps[top]), int(s.steps[-1])
    gain = sign * (best - float(s.smoothed[0]))  # gained since the first point
    lost = sign * (best - end) / gain if gain > 0 else np.inf
    if top < s.points(s.rules.early_fraction, s.rules.min_early_points):
        message = (
            f"{s.metric} got worse from the start: its smoothed value went from {fmt(best)} "
            f"at step {first} to {fmt(end)} by step {last}."
        )
    else:
        share = f"{lost:.0%} of what it had gained" if lost <= 1 else "more than it had gained"
        message = (
            f"{s.metric} peaked at {fmt(best)} (smoothed) around step {first} and then got "
            f"worse, to {fmt(end)} by step {last}, losing {share}."
        )
    details = {
        "best": best,
        "end_level": end,
        "early_level": s.early,
        "peak_step": first,
        "lost_fraction": lost,
    }
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
    details = {
        "best_smoothed": best,
        "logged_at_best": raw,
        "best_logged": float(s.values[raw_i]),
        "best_logged_step": int(s.steps[raw_i]),
        "lower_is_better": low,
    }
    return [
        Finding(
            s.run, s.metric, BEST_CHECKPOINT, step, step, "info", best, s.early, message, details
        )
    ]
