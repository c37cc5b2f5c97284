"""Reward-hacking hint: the reward keeps rising while entropy or response length collapses.

That is the first seed's pattern (REC-OneSide-NoIS): a higher score bought with a narrow,
short policy. It is a hint, not a proof: the advice is to read the responses.
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
        reward = _reward_series(run, table, roles)
        if reward is not None:
            out += _hint(reward, collapses)
    return out


def _reward_series(run: str, table, roles) -> Series | None:
    """The run's first training reward. Eval metrics are left out on purpose: a held-out
    score that rises is real progress, not a hacked reward."""
    for metric, role in roles.items():
        s = table.get((run, metric))
        if role == "reward" and s is not None and s.n >= s.rules.min_points and not lower_is_better(metric):
            return s
    return None


def _hint(reward: Series, collapses: Sequence[Finding]) -> list[Finding]:
    rules = reward.rules
    first = min(f.first_step for f in collapses)
    last = max(f.last_step for f in collapses)
    start, end = reward.value_at(first), reward.value_at(last)
    rise = end - start
    if not (rise > rules.hack_min_rise_z * reward.noise and rise > rules.hack_min_rise * np.ptp(reward.smoothed)):
        return []
    names = " and ".join(dict.fromkeys(f.metric for f in collapses))
    message = (
        f"{reward.metric} kept rising, from {fmt(start)} to {fmt(end)} between steps {first} and "
        f"{last}, while {names} collapsed: the policy may be exploiting the reward (reward hacking) "
        f"rather than solving the task, so read some of its responses."
    )
    details = {"reward_start": start, "reward_end": end, "collapsed_metrics": list(dict.fromkeys(f.metric for f in collapses))}
    return [Finding(reward.run, reward.metric, REWARD_HACKING, first, last, "critical", end, start, message, details)]
