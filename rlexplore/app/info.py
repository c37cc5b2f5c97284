"""Plain-text tables of a Dataset's runs and metrics, for ``rlexplore info``."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import xarray as xr

from ..dataset import LOGGED, METRIC, RUN, STEP, VALUE

MAX_WIDTH = 60  # longest cell shown; longer names are cut in the middle
FORMAT = "format"  # the per-run coordinate rlexplore.load sets


def describe(ds: xr.Dataset) -> str:
    """Return a table of runs and a table of metrics: points logged and step ranges.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> print(describe(rlx.demo("length")).splitlines()[0])
    1 run, 2 metrics, steps 0–500
    """
    logged = _logged(ds)
    steps = ds[STEP].values
    head = (
        f"{_count(ds.sizes[RUN], 'run')}, {_count(ds.sizes[METRIC], 'metric')}, "
        f"steps {_range(steps, logged.any(axis=(0, 1)))}"
    )
    runs = [[name, str(int(logged[i].any(axis=1).sum())), str(int(logged[i].sum())), _range(steps, logged[i].any(axis=0))]
            for i, name in enumerate(ds[RUN].values.tolist())]  # fmt: skip
    run_header = ["run", "metrics", "points", "steps"]
    if FORMAT in ds.coords and ds[FORMAT].dims == (RUN,):  # set by rlexplore.load
        run_header.append("format")
        for row, fmt in zip(runs, ds[FORMAT].values.tolist()):
            row.append(str(fmt))
    metrics = [[name, str(int(logged[:, j].any(axis=1).sum())), str(int(logged[:, j].sum())), _range(steps, logged[:, j].any(axis=0))]
               for j, name in enumerate(ds[METRIC].values.tolist())]  # fmt: skip
    return "\n\n".join([
        head,
        table(run_header, runs),
        table(["metric", "runs", "points", "steps"], metrics),
    ])  # fmt: skip


def report_text(ds: xr.Dataset) -> str:
    """The load report as :func:`rlexplore.report` prints it."""
    import rlexplore

    out = io.StringIO()
    rlexplore.report(ds, file=out)
    return out.getvalue().rstrip()


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces, under a dashed rule.

    Examples
    --------
    >>> print(table(["a", "bb"], [["x", "1"]]))
    a  bb
    -  --
    x  1
    """
    cells = [[_cut(c) for c in row] for row in [list(header), *rows]]
    widths = [max(len(row[k]) for row in cells) for k in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _logged(ds: xr.Dataset) -> np.ndarray:
    """(run, metric, step) booleans: which points were logged (a logged NaN counts)."""
    if LOGGED in ds:
        return np.asarray(ds[LOGGED].values, dtype=bool)
    return ~np.isnan(np.asarray(ds[VALUE].values, dtype=float))


def _range(steps: np.ndarray, mask: np.ndarray | np.bool_) -> str:
    hit = steps[np.asarray(mask, dtype=bool)]
    return f"{hit.min()}–{hit.max()}" if hit.size else "–"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _cut(text: str) -> str:
    text = " ".join(str(text).split())  # one line, whatever the name holds
    if len(text) <= MAX_WIDTH:
        return text
    half = (MAX_WIDTH - 1) // 2
    return f"{text[:half]}…{text[-half:]}"
