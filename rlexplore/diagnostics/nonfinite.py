"""Non-finite values: NaN or ±Inf that a run logged (a diverged loss, a gradient overflow).

A logged NaN is told apart from "not logged at this step" by the dataset's ``logged``
variable; without it only ±Inf can be found.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..dataset import LOGGED, METRIC, RUN, STEP, VALUE
from .findings import NON_FINITE, Finding


def non_finite(ds: xr.Dataset) -> list[Finding]:
    """One finding per (run, metric) that logged NaN or ±Inf, from its first to its last."""
    values = ds[VALUE].values
    logged = ds[LOGGED].values if LOGGED in ds else ~np.isnan(values)
    bad = logged & ~np.isfinite(values)
    runs, metrics, steps = (ds[d].values for d in (RUN, METRIC, STEP))
    out = []
    for i, j in zip(*np.nonzero(bad.any(axis=2))):
        idx = np.flatnonzero(bad[i, j])
        out.append(
            _finding(
                str(runs[i]),
                str(metrics[j]),
                steps[idx],
                values[i, j, idx],
                int(logged[i, j].sum()),
            )
        )
    return out


def _finding(run: str, metric: str, steps: np.ndarray, vals: np.ndarray, n_logged: int) -> Finding:
    counts = {
        "NaN": int(np.isnan(vals).sum()),
        "+Inf": int(np.isposinf(vals).sum()),
        "-Inf": int(np.isneginf(vals).sum()),
    }
    what = " and ".join(f"{n} {name}" for name, n in counts.items() if n)
    first, last = int(steps[0]), int(steps[-1])
    where = (
        f"at step {first}" if first == last else f"first at step {first} and last at step {last}"
    )
    message = (
        f"{metric} logged {what}, {where}: a numerical failure (an overflow, a division by zero or "
        f"diverging weights), so check the training around that step."
    )
    details = {
        **counts,
        "count": int(vals.size),
        "logged_points": n_logged,
        "steps": steps[:20].tolist(),
    }
    return Finding(
        run,
        metric,
        NON_FINITE,
        first,
        last,
        "critical",
        float(vals.size),
        float(n_logged),
        message,
        details,
    )
