"""Reward-hacking hint: the reward keeps rising while entropy or response length collapses.

That is the first seed's pattern (REC-OneSide-NoIS): a higher score bought with a narrow,
short policy. It is a hint, not a proof: the advice is to read the responses. When a
held-out (eval) score of the run rose over the same steps, the gain looks real and the hint
is only ``info``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .findings import ENTROPY_COLLAPSE, LENGTH_COLLAPSE, REWARD_HACKING, Finding, fmt
from .names import lower_is_better
from .series import Series

_COLLAPSES = (ENTROPY_COLLAPSE, LENGTH_COLLAPSE)


def reward_hacking(
    found: Sequence[Finding], table: Mapping[tuple[str, str], Series], roles: Mapping[str, str]
) -> list[Finding]:
    """One hint per run whose reward rose over the span of its entropy or length collapses."""
    out = []
    for run in dict.fromkeys(f.run for f in found if f.kind in _COLLAPSES):
        collapses = [f for f in found if f.run == run and f.kind in _COLLAPSES]
        reward = _first(run, "reward", table, roles, 0)
        if reward is not None:
            out += _hint(reward, collapses, _first(run, "eval", table, roles, 1))
    return out


def _first(run: str, role: str, table, roles, min_points: int) -> Series | None:
    """The run's first higher-is-better metric of `role` with enough points."""
    for metric, r in roles.items():
        s = table.get((run, metric))
        if (
            r == role
            and s is not None
            and s.n >= max(min_points, s.rules.min_points)
            and not lower_is_better(metric)
        ):
            return s
    return None


def _rose(s: Series, first: int, last: int) -> tuple[float, float, bool]:
    start, end = s.value_at(first), s.value_at(last)
    rise = end - start
    r = s.rules
    return (
        start,
        end,
        bool(rise > r.hack_min_rise_z * s.noise and rise > r.hack_min_rise * np.ptp(s.smoothed)),
    )


def _hint(reward: Series, collapses: Sequence[Finding], held_out: Series | None) -> list[Finding]:
    first = min(f.first_step for f in collapses)
    last = max(f.last_step for f in collapses)
    start, end, rose = _rose(reward, first, last)
    if not rose:
        return []
    collapsed = list(dict.fromkeys(f.metric for f in collapses))
    details = {"reward_start": start, "reward_end": end, "collapsed_metrics": collapsed}
    head = (
        f"{reward.metric} kept rising, from {fmt(start)} to {fmt(end)} between steps {first} and "
        f"{last}, while {' and '.join(collapsed)} collapsed"
    )
    real = held_out is not None and _rose(held_out, first, last)[2]
    if held_out is not None and real:
        e0, e1, _ = _rose(held_out, first, last)
        details.update(eval_metric=held_out.metric, eval_start=e0, eval_end=e1)
        message = (
            f"{head}; {held_out.metric} rose too ({fmt(e0)} to {fmt(e1)}), so the gain looks real, "
            f"but read some responses for narrow, repetitive answers."
        )
    else:
        message = (
            f"{head}: the policy may be exploiting the reward (reward hacking) rather than "
            f"solving the task, so read some of its responses."
        )
    return [
        Finding(
            reward.run,
            reward.metric,
            REWARD_HACKING,
            first,
            last,
            "info" if real else "critical",
            end,
            start,
            message,
            details,
        )
    ]
