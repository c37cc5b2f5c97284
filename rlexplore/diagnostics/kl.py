"""KL (or other divergence) spikes, surges and blow-ups.

- a **spike** is a logged point far above the running median around it (a few points that
  jump and come back);
- a **surge** is a hump of the smoothed curve: it rises well above the level it falls back
  to afterwards (the first run of the dashboard seed, peaking near step 20);
- a **blow-up** keeps accelerating to the end of the run.
A steady, even convex, rise (GRPO's KL in the methods seed) is none of these.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from .findings import KL_BLOWUP, KL_SPIKE, KL_SURGE, Finding, fmt
from .series import Series, stretches

_MIN_SURGE_POINTS = 3


def kl_findings(s: Series) -> list[Finding]:
    """All KL findings of one series. Surges and blow-ups are judged with the spikes
    replaced by their running level, so that one spike's smoothed shadow is not a surge.
    """
    if s.n < s.rules.min_points:
        return []
    hit, level = _spike_points(s)
    calm = dataclasses.replace(s, values=np.where(hit, level, s.values))
    spikes = [_spike(s, lo, hi, level) for lo, hi in _merge(stretches(hit), _window(s))]
    return spikes + kl_surge(calm) + kl_blowup(calm)


def _window(s: Series) -> int:
    return s.points(s.rules.kl_spike_window, 5) | 1  # odd, so the window is centered


def _spike_points(s: Series) -> tuple[np.ndarray, np.ndarray]:
    """Points at least ``kl_spike_ratio`` times their centered running median and
    ``kl_spike_z`` noise deviations above it; and that running median.
    """
    r = s.rules
    level = pd.Series(s.values).rolling(_window(s), center=True, min_periods=1).median().to_numpy()
    jump = s.values - level
    hit = (jump > r.kl_spike_z * s.noise) & (s.values > r.kl_spike_ratio * np.maximum(level, 0))
    return hit, level


def _merge(spans: list[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in spans:
        if merged and lo - merged[-1][1] <= gap:
            merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged


def _spike(s: Series, lo: int, hi: int, level: np.ndarray) -> Finding:
    top = lo + int(np.argmax(s.values[lo : hi + 1]))
    peak, base = float(s.values[top]), float(level[top])
    times = peak / base if base > 0 else np.inf
    first, last, at = int(s.steps[lo]), int(s.steps[hi]), int(s.steps[top])
    where = (
        f"at step {at}"
        if first == last
        else f"between steps {first} and {last} (highest at step {at})"
    )
    message = (
        f"{s.metric} spiked to {fmt(peak)} {where}, {fmt(times)} times its running level of "
        f"{fmt(base)}: the policy suddenly moved far from the reference model."
    )
    details = {
        "peak": peak,
        "running_level": base,
        "ratio": times,
        "peak_step": at,
        "noise": s.noise,
    }
    return Finding(s.run, s.metric, KL_SPIKE, first, last, "warning", peak, base, message, details)


def kl_surge(s: Series) -> list[Finding]:
    """The smoothed curve's highest hump, when it rises well above the level it falls back to."""
    r = s.rules
    sm = s.smoothed
    top = int(np.argmax(sm))
    if top in (0, s.n - 1):
        return []
    w = s.points(
        r.kl_surge_window, 3
    )  # the hump must rise above what is near it, not above a warm-up from 0
    peak = float(sm[top])
    base = max(float(sm[max(0, top - w) : top + 1].min()), float(sm[top : top + w + 1].min()))
    rise = peak - base
    if not (rise > r.kl_surge_z * s.noise and rise >= (r.kl_surge_ratio - 1) * abs(base)):
        return []
    above = sm > base + rise / 2
    lo, hi = next((a, b) for a, b in stretches(above) if a <= top <= b)
    if np.count_nonzero(s.values[lo : hi + 1] > base + rise / 2) < _MIN_SURGE_POINTS:
        return []  # one high point smoothed out is a spike, not a surge
    first, last, at = int(s.steps[lo]), int(s.steps[hi]), int(s.steps[top])
    times = peak / base if base > 0 else np.inf
    message = (
        f"{s.metric} surged to {fmt(peak)} around step {at} (smoothed), {fmt(times)} times the "
        f"{fmt(base)} it fell back to, staying high from step {first} to {last}: a period in "
        f"which the policy moved quickly away from the reference model."
    )
    details = {
        "peak": peak,
        "settled_level": base,
        "ratio": times,
        "peak_step": at,
        "raw_peak": float(s.values[lo : hi + 1].max()),
        "noise": s.noise,
    }
    return [
        Finding(s.run, s.metric, KL_SURGE, first, last, "warning", peak, base, message, details)
    ]


def kl_blowup(s: Series) -> list[Finding]:
    """A smoothed curve that rises faster and faster over the last half of the run."""
    r = s.rules
    if s.n < 8:
        return []
    sm, half, three = s.smoothed, s.n // 2, (3 * s.n) // 4
    before, last = sm[three] - sm[half], sm[-1] - sm[three]
    grows = sm[three] > 0 and sm[-1] >= r.kl_growth_ratio * sm[three]
    if not (grows and last > r.kl_accel_ratio * max(before, 0.0) and last > r.kl_surge_z * s.noise):
        return []
    first, end = int(s.steps[three]), int(s.steps[-1])
    message = (
        f"{s.metric} keeps accelerating: it rose {fmt(last)} over the last quarter of the run "
        f"(steps {first} to {end}) against {fmt(before)} over the quarter before, to "
        f"{fmt(float(sm[-1]))}: the policy is running away from the reference model."
    )
    details = {
        "end_level": float(sm[-1]),
        "level_at_three_quarters": float(sm[three]),
        "rise_last_quarter": float(last),
        "rise_quarter_before": float(before),
    }
    return [
        Finding(
            s.run,
            s.metric,
            KL_BLOWUP,
            first,
            end,
            "critical",
            float(sm[-1]),
            float(sm[three]),
            message,
            details,
        )
    ]
