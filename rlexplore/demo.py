"""Built-in demo data: seeded, generated in milliseconds, shaped like the reference charts.

Metric names follow the RL frameworks that log them (verl's ``critic/score/mean``,
``actor/kl_loss``, ``actor/entropy``, ``response_length/mean``; ``eval/...`` for
evaluations), so the demos look like real logs.

``"methods"``
    Three methods (``GRPO``, ``REC-OneSide-NoIS (0.2)``, ``RED-Weight``) over 4000
    steps: training reward, KL divergence, entropy and response length. REC's entropy
    collapses (≈7.3 → 1.5) and its responses halve in length while its reward still
    rises; RED keeps a low, linear KL.
``"dashboard"``
    Two runs over steps 0–30: ``eval/math-eval/accuracy/mean`` (every 2 steps),
    ``actor/entropy_loss`` and ``actor/kl_loss``; the first run's KL surges to ≈1.05
    around step 20 while its accuracy plateaus.
``"length"``
    One run over 500 steps: ``response_length/mean`` (tokens, 3000 → 6400) every 5
    steps and ``eval/reproduced_rate`` (%, volatile, peaking ≈35 near step 400)
    every 10 steps, for a dual-axis chart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import xarray as xr

from .dataset import from_columns, hparam_coords

NAMES = ("methods", "dashboard", "length")
_START = 1_750_000_000.0  # a fixed epoch second, so wall times are reproducible


def demo(name: str = "methods", *, seed: int = 0) -> xr.Dataset:
    """Return a built-in demo Dataset.

    Parameters
    ----------
    name : {"methods", "dashboard", "length"}
        Which demo (see the module docstring).
    seed : int, default 0
        Seed of the noise; the same seed gives the same data.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> ds = rlx.demo("methods")
    >>> list(ds.run.values)
    ['GRPO', 'REC-OneSide-NoIS (0.2)', 'RED-Weight']
    """
    builders: dict[str, Callable[[np.random.Generator], xr.Dataset]] = {
        "methods": _methods,
        "dashboard": _dashboard,
        "length": _length,
    }
    if name not in builders:
        raise ValueError(f"unknown demo {name!r}; expected one of {NAMES}")
    return builders[name](np.random.default_rng(seed))


class _Rows:
    """Collects (run, metric, step, value, wall_time) columns."""

    def __init__(self) -> None:
        self.cols: list[list[np.ndarray]] = [[], [], [], [], []]

    def add(self, run: str, metric: str, steps: np.ndarray, values: np.ndarray, times: np.ndarray):
        n = len(steps)
        for col, part in zip(self.cols, ([run] * n, [metric] * n, steps, values, times)):
            col.append(np.asarray(part))

    def build(self, run_coords: dict, demo_name: str) -> xr.Dataset:
        run, metric, step, value, wall = (np.concatenate(c) for c in self.cols)
        report = {"sources": [{"path": f"rlexplore.demo({demo_name!r})", "format": "demo"}]}
        return from_columns(run, metric, step, value, wall, run_coords=run_coords, report=report)


def _noise(rng: np.random.Generator, n: int, sd: float, rho: float = 0.6) -> np.ndarray:
    """AR(1) noise with standard deviation `sd`: realistic step-to-step wobble."""
    white = rng.normal(0.0, sd * np.sqrt(1 - rho**2), n)
    # x[i] = rho * x[i-1] + e[i], as a convolution with rho**k (cut where it is < 1e-12)
    kernel = rho ** np.arange(int(np.log(1e-12) / np.log(rho)) + 1) if rho > 0 else np.ones(1)
    return np.convolve(white, kernel)[:n]


def _wall(rng: np.random.Generator, steps: np.ndarray, seconds_per_step: float) -> np.ndarray:
    return _START + steps * seconds_per_step + rng.uniform(0, 0.2 * seconds_per_step, steps.size)


def _sigmoid(t: np.ndarray, center: float, width: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(t - center) / width))


def _methods(rng: np.random.Generator) -> xr.Dataset:
    steps = np.arange(1, 4001)
    t = steps / 4000.0
    rise = (1 - np.exp(-3 * t)) / (1 - np.exp(-3))
    shapes: dict[str, dict[str, Any]] = {
        "GRPO": dict(reward=0.75, kl=0.058 * t**1.6, ent=7.3 - 0.8 * t, length=1350 - 350 * t),
        "REC-OneSide-NoIS (0.2)": dict(
            reward=0.73,
            kl=0.045 * t**1.3,
            ent=7.3 - 5.8 * _sigmoid(t, 0.4, 0.07),
            length=1100 - 600 * _sigmoid(t, 0.45, 0.08),
        ),
        "RED-Weight": dict(reward=0.78, kl=0.020 * t, ent=7.3 - 0.5 * t, length=1450 + 50 * t),
    }
    rows = _Rows()
    for run, s in shapes.items():
        wall = _wall(rng, steps, 42.0)
        kl_sd = 0.004 if run.startswith("REC") else 0.0012
        series = {
            "critic/score/mean": 0.35 + (s["reward"] - 0.35) * rise + _noise(rng, t.size, 0.02),
            "actor/kl_loss": np.abs(s["kl"] + _noise(rng, t.size, kl_sd, 0.8)),
            "actor/entropy": s["ent"] + _noise(rng, t.size, 0.12),
            "response_length/mean": s["length"] + _noise(rng, t.size, 25.0),
        }
        for metric, values in series.items():
            rows.add(run, metric, steps, values, wall)
    coords = {run: hparam_coords({"algorithm": run, "sync_interval": 20}) for run in shapes}
    return rows.build(coords, "methods")


def _keyed(
    rng: np.random.Generator, steps: np.ndarray, keys: Sequence[tuple[float, float]], sd: float
) -> np.ndarray:
    """Interpolate through key points (step, value), plus noise."""
    xs, ys = zip(*keys)
    return np.interp(steps, xs, ys) + _noise(rng, steps.size, sd, 0.3)


def _dashboard(rng: np.random.Generator) -> xr.Dataset:
    every, evals = np.arange(0, 31), np.arange(0, 31, 2)
    runs: dict[str, dict[str, Any]] = {
        "qwen2.5-7b-grpo-lr3e-6": dict(
            lr=3e-6,
            acc=[(0, 0.22), (5, 0.33), (12, 0.35), (15, 0.32), (25, 0.32), (30, 0.31)],
            ent=[(0, 0.26), (5, 0.13), (10, 0.07), (15, 0.09), (30, 0.02)],
            kl=[(0, 0.0), (5, 0.2), (10, 0.5), (20, 1.05), (30, 0.55)],
        ),
        "qwen2.5-7b-grpo-lr1e-6": dict(
            lr=1e-6,
            acc=[(0, 0.24), (5, 0.325), (15, 0.34), (20, 0.355), (25, 0.33), (30, 0.35)],
            ent=[(0, 0.24), (5, 0.11), (12, 0.07), (18, 0.1), (22, 0.12), (30, 0.06)],
            kl=[(0, 0.0), (5, 0.5), (10, 0.55), (20, 0.45), (30, 0.4)],
        ),
    }
    rows = _Rows()
    for run, s in runs.items():
        wall = _wall(rng, every, 600.0)
        rows.add(
            run,
            "eval/math-eval/accuracy/mean",
            evals,
            _keyed(rng, evals, s["acc"], 0.004),
            wall[evals],
        )
        rows.add(
            run, "actor/entropy_loss", every, np.abs(_keyed(rng, every, s["ent"], 0.006)), wall
        )
        rows.add(run, "actor/kl_loss", every, np.abs(_keyed(rng, every, s["kl"], 0.02)), wall)
    coords = {run: hparam_coords({"actor.optim.lr": s["lr"]}) for run, s in runs.items()}
    return rows.build(coords, "dashboard")


def _length(rng: np.random.Generator) -> xr.Dataset:
    lengths, rates = np.arange(0, 501, 5), np.arange(0, 501, 10)
    length_keys = [
        (0, 3050),
        (50, 3000),
        (100, 3500),
        (150, 3650),
        (200, 4050),
        (250, 4600),
        (300, 4900),
        (350, 5100),
        (400, 6100),
        (450, 6200),
        (500, 6400),
    ]
    rate_keys = [
        (0, 20.0),
        (50, 22.5),
        (75, 21.0),
        (100, 27.5),
        (150, 27.5),
        (175, 25.0),
        (200, 27.5),
        (250, 32.5),
        (275, 29.5),
        (300, 32.5),
        (350, 32.5),
        (390, 34.8),
        (400, 35.0),
        (410, 34.6),
        (425, 31.0),
        (450, 32.5),
        (500, 32.0),
    ]
    wall = _wall(rng, lengths, 90.0)
    rows = _Rows()
    rows.add("grpo", "response_length/mean", lengths, _keyed(rng, lengths, length_keys, 40.0), wall)
    rows.add("grpo", "eval/reproduced_rate", rates, _keyed(rng, rates, rate_keys, 0.4), wall[::2])
    return rows.build({"grpo": hparam_coords({"algorithm": "GRPO"})}, "length")
