"""The thresholds of every diagnostic, in one documented, adjustable dataclass.

Fractions of a series are fractions of the points a run *logged* for that metric, so a
metric evaluated every 20 steps and one logged every step are judged alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..errors import RLExploreError


@dataclasses.dataclass(frozen=True)
class Rules:
    """Thresholds of :func:`rlexplore.diagnose`; every field has a default.

    Pass an instance, or a dict of the fields to change:
    ``rlx.diagnose(ds, rules={"entropy_collapse_ratio": 0.25})``.

    Attributes
    ----------
    roles : mapping of str to str or None
        Explicit roles of metrics, overriding their names: ``{"my/ent": "entropy"}``.
        Roles are ``"entropy"``, ``"kl"``, ``"length"``, ``"reward"``, ``"eval"``;
        ``None`` (or ``"none"``) makes a metric ignored by the trend rules.
    smooth_fraction : float
        Gaussian smoothing sigma as a fraction of a series' points (0.02: a 4000-point
        series is smoothed over sigma = 80 points), so noise does not decide.
    min_sigma : float
        Smallest smoothing sigma, in points.
    min_points : int
        Series with fewer logged points are skipped by the trend rules.
    early_fraction : float
        The "early level" is the median of the first `early_fraction` of the points
        (at least `min_early_points` of them).
    min_early_points : int
        See `early_fraction`.
    collapse_min_span : float
        A collapse or explosion must hold, without interruption, until the last logged
        point and over at least this fraction of the points ("and stays there").
    onset_level : float
        Where a collapse began: the last point, before the threshold was crossed, at
        which the smoothed series was still within this fraction of its early level.
    entropy_collapse_ratio : float
        Entropy collapse: the smoothed entropy falls below this fraction of its early
        level (a third).
    length_collapse_ratio, length_explosion_ratio : float
        Length collapse / explosion: the smoothed length falls below half / rises above
        twice its early level.
    kl_spike_ratio, kl_spike_z : float
        KL spike: a logged point at least `kl_spike_ratio` times its running level (the
        median of the `kl_spike_window` points before it) and `kl_spike_z` noise standard
        deviations above it.
    kl_spike_window : float
        Running-level window as a fraction of the points (at least 5 points).
    kl_surge_ratio, kl_surge_z : float
        KL surge: the smoothed KL peaks at least `kl_surge_ratio` times, and `kl_surge_z`
        noise standard deviations, above the level it falls back to afterwards.
    kl_surge_window : float
        The levels before and after a surge are the lowest smoothed values within this
        fraction of the points on each side of its peak (so the warm-up from 0 at the start
        of training does not count as the level before).
    kl_accel_ratio, kl_growth_ratio : float
        KL blow-up ("keeps accelerating"): over the last quarter of the run the smoothed KL
        rises `kl_accel_ratio` times more than over the quarter before, and ends at least
        `kl_growth_ratio` times its value at three quarters.
    hack_min_rise_z : float
        Reward-hacking hint: the smoothed reward rises by more than this many noise standard
        deviations (and by more than `hack_min_rise` of its range) while the entropy or
        length collapses.
    hack_min_rise : float
        See `hack_min_rise_z`.
    plateau_min_gain_z : float
        Plateau and decline are judged only on a metric that improved, from its early level
        to its best smoothed value, by more than this many noise standard deviations.
    plateau_tolerance : float
        Plateau: the smoothed metric first comes within this fraction of its gain (best
        minus early level) of its best value...
    plateau_min_span : float
        ...at least this fraction of the run's steps before the end.
    decline_drop : float
        Decline (instead of plateau): by the end it has lost at least this fraction of its
        gain.
    divergence_z : float
        Divergence between runs of a group: their smoothed curves differ by more than this
        many times their step-to-step noise...
    divergence_min_rel : float
        ...and by more than this fraction of the group's range of values...
    divergence_min_span : float
        ...over at least this fraction of their common points.
    group_by : str or None
        Runs with the same value of this run coordinate (``"hp.algorithm"``) form a group
        (for divergence between runs).
    group_pattern : str
        When `group_by` is None: a regular expression removed from run names to form
        groups; by default a seed (``seed42``, ``_seed-1``), so seeds of a run are a group.
    """

    roles: Mapping[str, str | None] = dataclasses.field(default_factory=dict)
    smooth_fraction: float = 0.02
    min_sigma: float = 1.0
    min_points: int = 5
    early_fraction: float = 0.1
    min_early_points: int = 3
    collapse_min_span: float = 0.2
    onset_level: float = 0.9
    entropy_collapse_ratio: float = 1 / 3
    length_collapse_ratio: float = 0.5
    length_explosion_ratio: float = 2.0
    kl_spike_ratio: float = 3.0
    kl_spike_z: float = 6.0
    kl_spike_window: float = 0.05
    kl_surge_ratio: float = 1.5
    kl_surge_z: float = 5.0
    kl_surge_window: float = 1 / 3
    kl_accel_ratio: float = 2.0
    kl_growth_ratio: float = 2.0
    hack_min_rise_z: float = 3.0
    hack_min_rise: float = 0.05
    plateau_min_gain_z: float = 4.0
    plateau_tolerance: float = 0.03
    plateau_min_span: float = 0.25
    decline_drop: float = 0.25
    divergence_z: float = 4.0
    divergence_min_rel: float = 0.1
    divergence_min_span: float = 0.2
    group_by: str | None = None
    group_pattern: str = r"(?i)[-_. ]?seed[-_=]?\d+"


def resolve_rules(rules: Rules | Mapping[str, Any] | None) -> Rules:
    """Return a :class:`Rules` from None (the defaults), a Rules or a dict of changed fields."""
    if rules is None:
        return Rules()
    if isinstance(rules, Rules):
        return rules
    if not isinstance(rules, Mapping):
        raise RLExploreError(f"rules must be a Rules, a dict or None, got {type(rules).__name__}")
    known = {f.name for f in dataclasses.fields(Rules)}
    unknown = sorted(set(rules) - known)
    if unknown:
        raise RLExploreError(f"unknown rules {unknown}; expected some of {sorted(known)}")
    return Rules(**rules)
