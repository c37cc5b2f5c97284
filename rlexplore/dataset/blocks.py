"""The one builder: tables of points → the run × metric × step Dataset.

Every path builds here: the loaders, :func:`rlexplore.dataset.from_columns` (and so
:func:`rlexplore.from_dataframe`), :class:`rlexplore.live.Follower`. The rules: labels are strings,
runs and metrics keep their first-appearance order, **the later row wins** for a repeated
(run, metric, step), ``logged`` only when a logged value is NaN, ``duplicates_resolved``
in ``report["build"]``) plus the restart rule of TensorBoard: within one run, a record
whose step is lower than an earlier step of the same metric starts over from there and
supersedes that metric's earlier records at or after its step; a SessionLog START
with records before it supersedes the records of every metric at or after its step.

Memory: each :class:`Table` is reduced to a dense (metric × step) :class:`Block` of its
run as soon as it is read (:func:`reduce_table`), and the blocks are copied one by one
into the final array (:func:`assemble`), so the peak stays near twice the final Dataset.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from .report import FileEntry, LoadReport, set_report
from .schema import LOGGED, METRIC, RUN, STEP, VALUE, WALL_TIME, storable


@dataclass
class Table:
    """One run's points from one read, as tidy long columns in record order.

    ``metric`` holds indices into ``metrics``. Record order matters: when one
    (metric, step) appears twice the later record wins, and a step that goes backwards
    (a restarted job) supersedes that metric's earlier records from that step on.
    Tables with equal ``key`` are parts of the same run and are merged in order.
    """

    key: Hashable
    name: str
    metrics: list[str]
    metric: np.ndarray
    step: np.ndarray
    value: np.ndarray
    wall_time: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    #: appended to ``name`` when another run has the same name (e.g. "/<file stem>")
    alt: str = ""
    files: list[tuple[FileEntry, int, int]] = field(default_factory=list)
    session_starts: list[tuple[int, int]] = field(default_factory=list)
    launches: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.metric = np.asarray(self.metric, dtype=np.int32)
        self.step = np.asarray(self.step, dtype=np.int64)
        self.value = np.asarray(self.value, dtype=np.float64)
        if self.wall_time is not None:
            self.wall_time = np.asarray(self.wall_time, dtype=np.float64)

    def __len__(self) -> int:
        return int(self.step.size)


@dataclass
class Block:
    """One run reduced to a dense grid (NaN where not logged)."""

    metrics: list[str]
    steps: np.ndarray  # sorted unique int64
    values: np.ndarray  # (n_metrics, n_steps) float64
    logged: np.ndarray | None  # bool, only when some logged value is NaN
    wall: np.ndarray | None  # (n_steps,) float64
    wall_set: np.ndarray | None  # bool: a row gave this step a wall time
    points: int
    duplicates: int

    @property
    def nbytes(self) -> int:
        """Bytes held by the values (and the logged mask)."""
        return int(self.values.nbytes + (self.logged.nbytes if self.logged is not None else 0))


# --------------------------------------------------------------------------- restarts


def superseded_mask(
    metric: np.ndarray, step: np.ndarray, session_starts: Sequence[tuple[int, int]] = ()
) -> np.ndarray | None:
    """Records replaced by a later restart, or None when there are none."""
    n = step.size
    mask = None
    if n > 1 and not bool(np.all(step[1:] >= step[:-1])):
        mask = np.zeros(n, dtype=bool)
        order = np.argsort(metric, kind="stable")
        m_sorted = metric[order]
        bounds = np.flatnonzero(np.diff(m_sorted)) + 1
        for idx in np.split(order, bounds):
            s = step[idx]
            if s.size < 2 or bool(np.all(s[1:] >= s[:-1])):
                continue
            prev_max = np.maximum.accumulate(s)[:-1]
            restart_step = np.where(s[1:] < prev_max, s[1:], np.iinfo(np.int64).max)
            # lowest restart step among the records after each record
            after = np.minimum.accumulate(restart_step[::-1])[::-1]
            hit = s[:-1] >= after
            if hit.any():
                mask[idx[:-1][hit]] = True
    # A START with records before it is a restart (TensorBoard purges on a second START;
    # tensorboardX's purge_step writes a single START in the resumed writer's file).
    starts = [(int(p), int(s)) for p, s in session_starts if int(p) > 0]
    if starts:
        if mask is None:
            mask = np.zeros(n, dtype=bool)
        for pos, start_step in starts:
            mask[:pos] |= step[:pos] >= start_step
    if mask is not None and not mask.any():
        return None
    return mask


def launch_bounds(table: Table) -> list[int]:
    """Record positions where a new launch starts (for ``restarts="split"``).

    A new launch starts where a new writer process starts (``table.launches``), at a
    SessionLog START with records before it, and where a metric's step goes below a step it
    already had in the current launch.
    """
    given = set(int(p) for p in table.launches if 0 < p < len(table))
    given.update(int(p) for p, _ in table.session_starts if 0 < p < len(table))
    metric, step = table.metric, table.step
    n = step.size
    bounds: list[int] = []
    start = 0
    for nxt in sorted(given) + [n]:
        # restarts inside [start, nxt)
        while True:
            p = _first_backward(metric[start:nxt], step[start:nxt])
            if p is None:
                break
            start += p
            bounds.append(start)
        if nxt < n:
            bounds.append(nxt)
            start = nxt
    return bounds


def _first_backward(metric: np.ndarray, step: np.ndarray) -> int | None:
    """First position whose step is below an earlier step of the same metric."""
    if step.size < 2 or bool(np.all(step[1:] >= step[:-1])):
        return None
    order = np.argsort(metric, kind="stable")
    best = None
    for idx in np.split(order, np.flatnonzero(np.diff(metric[order])) + 1):
        s = step[idx]
        if s.size > 1:
            back = np.flatnonzero(s[1:] < np.maximum.accumulate(s)[:-1])
            if back.size:
                p = int(idx[back[0] + 1])
                best = p if best is None else min(best, p)
    return best


def split_table(table: Table, bounds: list[int]) -> list[Table]:
    """Cut a table at record positions; parts are renamed ``name#1``, ``name#2``, and so on."""
    if not bounds:
        return [table]
    cuts = [0, *bounds, len(table)]
    parts = []
    for k, (a, b) in enumerate(zip(cuts[:-1], cuts[1:]), start=1):
        part = Table(
            key=(table.key, "launch", k),
            name=f"{table.name}#{k}",
            metrics=table.metrics,
            metric=table.metric[a:b],
            step=table.step[a:b],
            value=table.value[a:b],
            wall_time=None if table.wall_time is None else table.wall_time[a:b],
            meta=dict(table.meta),
            alt=table.alt,
            files=[(e, max(s, a) - a, min(t, b) - a) for e, s, t in table.files if s < b and t > a],
            session_starts=[(p - a, s) for p, s in table.session_starts if a <= p < b][:1],
        )
        parts.append(part)
    return parts


# --------------------------------------------------------------------------- reduction


def reduce_table(table: Table, *, restarts: bool = True) -> Block:
    """Reduce one table to a dense block; counts superseded records in its file entries."""
    metric, step, value, wall = table.metric, table.step, table.value, table.wall_time
    if restarts:
        mask = superseded_mask(metric, step, table.session_starts)
        if mask is not None:
            csum = np.concatenate([[0], np.cumsum(mask)])
            for entry, a, b in table.files:
                entry.superseded += int(csum[b] - csum[a])
            keep = ~mask
            metric, step, value = metric[keep], step[keep], value[keep]
            wall = None if wall is None else wall[keep]
    n = step.size
    # metrics in first-appearance order
    n_tags = len(table.metrics)
    first = np.full(n_tags, n, dtype=np.int64)
    np.minimum.at(first, metric, np.arange(n, dtype=np.int64))
    present = np.flatnonzero(first < n)
    present = present[np.argsort(first[present], kind="stable")]
    del first
    remap = np.full(n_tags, -1, dtype=np.int64)
    remap[present] = np.arange(present.size)
    steps, step_codes, last_of_step = _unique_inverse(step)
    n_m, n_s = present.size, steps.size
    cell = remap[metric]
    cell *= n_s
    cell += step_codes
    seen = np.zeros(n_m * n_s, dtype=bool)
    seen[cell] = True
    n_logged = int(np.count_nonzero(seen))
    grid = np.full(n_m * n_s, np.nan)
    if n_logged == n:  # no repeated cell: a plain scatter is exact
        grid[cell] = value
        has_nan = bool(np.isnan(value).any())
    else:  # the later row wins
        last = np.full(n_m * n_s, -1, dtype=np.int64)
        np.maximum.at(last, cell, np.arange(n, dtype=np.int64))
        picked = value[last[seen]]
        grid[seen] = picked
        has_nan = bool(np.isnan(picked).any())
        del last, picked
    del cell
    wall_grid = wall_set = None
    if wall is not None:
        if last_of_step is None:
            last_of_step = np.full(n_s, -1, dtype=np.int64)
            np.maximum.at(last_of_step, step_codes, np.arange(n, dtype=np.int64))
        wall_set = last_of_step >= 0
        wall_grid = np.full(n_s, np.nan)
        wall_grid[wall_set] = wall[last_of_step[wall_set]]
    return Block(
        metrics=[table.metrics[i] for i in present],
        steps=steps,
        values=grid.reshape(n_m, n_s),
        logged=seen.reshape(n_m, n_s) if has_nan else None,
        wall=wall_grid,
        wall_set=wall_set,
        points=n,
        duplicates=n - n_logged,
    )


def _unique_inverse(step: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Sorted unique steps, each row's index in them, and (when the steps are already
    sorted) the last row of each step.
    """
    if step.size and bool(np.all(step[1:] >= step[:-1])):
        new = np.empty(step.size, dtype=bool)
        new[:1] = True
        np.not_equal(step[1:], step[:-1], out=new[1:])
        codes = np.cumsum(new, dtype=np.int64)
        codes -= 1
        last = np.flatnonzero(np.append(new[1:], True))
        return step[new], codes, last
    steps, inv = np.unique(step, return_inverse=True)
    return steps, inv.reshape(-1), None


def merge_blocks(a: Block, b: Block) -> Block:
    """Overlay `b` on `a` (b is later: its logged cells win)."""
    metrics = list(a.metrics) + [m for m in b.metrics if m not in set(a.metrics)]
    steps = np.union1d(a.steps, b.steps)
    values = np.full((len(metrics), steps.size), np.nan)
    logged = np.zeros(values.shape, dtype=bool)
    mpos = {m: i for i, m in enumerate(metrics)}
    for blk in (a, b):
        mi = np.array([mpos[m] for m in blk.metrics], dtype=np.int64)
        si = np.searchsorted(steps, blk.steps)
        blk_logged = blk.logged if blk.logged is not None else ~np.isnan(blk.values)
        sub = values[np.ix_(mi, si)]
        sub[blk_logged] = blk.values[blk_logged]
        values[np.ix_(mi, si)] = sub
        lg = logged[np.ix_(mi, si)]
        overlap = int(np.count_nonzero(lg & blk_logged))
        logged[np.ix_(mi, si)] = lg | blk_logged
        if blk is b:
            dups = a.duplicates + b.duplicates + overlap
    wall = wall_set = None
    if a.wall is not None or b.wall is not None:
        wall = np.full(steps.size, np.nan)
        wall_set = np.zeros(steps.size, dtype=bool)
        for blk in (a, b):
            if blk.wall is not None:
                si = np.searchsorted(steps, blk.steps)[blk.wall_set]
                wall[si] = blk.wall[blk.wall_set]
                wall_set[si] = True
    has_nan = bool(np.isnan(values[logged]).any())
    return Block(
        metrics,
        steps,
        values,
        logged if has_nan else None,
        wall,
        wall_set,
        a.points + b.points,
        dups,
    )


# --------------------------------------------------------------------------- assembly


def assemble(
    names: Sequence[str],
    blocks: list[Block],
    run_meta: Mapping[str, Mapping[str, Any]],
    report: LoadReport | dict[str, Any],
    *,
    metric_order: Sequence[str] | None = None,
) -> xr.Dataset:
    """Copy the run blocks into one Dataset; `blocks` is emptied as it goes.

    Parameters
    ----------
    names : sequence of str
        The run names, one per block.
    blocks : list of Block
        The runs' blocks (:func:`reduce_table`, :func:`merge_blocks`).
    run_meta : mapping
        ``{run: {coordinate: value}}``: per-run metadata coordinates.
    report : LoadReport or dict
        The load report to attach; its ``build`` counts are set here.
    metric_order : sequence of str, optional
        Metric order (default: first appearance, run by run).

    Returns
    -------
    xarray.Dataset
    """
    rep = report if isinstance(report, LoadReport) else LoadReport.from_dict(report)
    metric_pos: dict[str, int] = {}
    for m in metric_order or ():
        metric_pos.setdefault(m, len(metric_pos))
    present = {m for b in blocks for m in b.metrics}
    if metric_order is not None:  # only the metrics some run logged
        metric_pos = {m: i for i, m in enumerate(m for m in metric_pos if m in present)}
    for b in blocks:
        for m in b.metrics:
            if m not in metric_pos:
                metric_pos[m] = len(metric_pos)
    steps = (
        np.unique(np.concatenate([b.steps for b in blocks])) if blocks else np.empty(0, np.int64)
    )
    shape = (len(blocks), len(metric_pos), steps.size)
    value = np.full(shape, np.nan)
    need_logged = any(b.logged is not None for b in blocks)
    logged = np.zeros(shape, dtype=bool) if need_logged else None
    has_wall = any(b.wall is not None for b in blocks)
    wall = np.full(shape[::2], np.nan) if has_wall else None
    points = dups = 0
    for r in range(len(blocks)):
        b = blocks[r]
        mi = np.fromiter((metric_pos[m] for m in b.metrics), dtype=np.int64, count=len(b.metrics))
        si = np.searchsorted(steps, b.steps)
        m_sl = _as_slice(mi)
        s_sl = _as_slice(si)
        if m_sl is not None and s_sl is not None:
            value[r, m_sl, s_sl] = b.values
            if logged is not None:
                logged[r, m_sl, s_sl] = b.logged if b.logged is not None else ~np.isnan(b.values)
        else:
            value[r][np.ix_(mi, si)] = b.values
            if logged is not None:
                logged[r][np.ix_(mi, si)] = (
                    b.logged if b.logged is not None else ~np.isnan(b.values)
                )
        if wall is not None and b.wall is not None:
            wall[r, si[b.wall_set]] = b.wall[b.wall_set]
        points += b.points
        dups += b.duplicates
        blocks[r] = None  # type: ignore[call-overload]  # free as we go
    if logged is not None:
        logged |= ~np.isnan(value)
    data_vars: dict[str, Any] = {VALUE: ((RUN, METRIC, STEP), value)}
    if logged is not None:
        data_vars[LOGGED] = ((RUN, METRIC, STEP), logged)
    if wall is not None:
        data_vars[WALL_TIME] = ((RUN, STEP), wall)
    run_index = np.array(names, dtype=object)
    coords: dict[str, Any] = {
        RUN: _obj_index(run_index),
        METRIC: _obj_index(np.array([storable(m) for m in metric_pos], dtype=object)),
        STEP: steps.astype(np.int64, copy=False),
    }
    coords.update(_metadata_coords(run_index, run_meta))
    ds = xr.Dataset(data_vars, coords=coords)
    rep.build = {"points": points, "duplicates_resolved": dups}
    return set_report(ds, rep)


def blocks_of(ds: xr.Dataset) -> tuple[list[str], list[Block], dict[str, dict[str, Any]]]:
    """A built Dataset taken apart again: run names, one block per run, per-run metadata.

    The blocks are views of `ds`'s arrays (no copy), so that Datasets of distinct runs
    join through :func:`assemble` (what a distributed load does with its parts).
    """
    runs = [str(r) for r in ds[RUN].values]
    metrics = [str(m) for m in ds[METRIC].values]
    steps = np.asarray(ds[STEP].values, dtype=np.int64)
    values = np.asarray(ds[VALUE].values, dtype=np.float64)
    logged = np.asarray(ds[LOGGED].values, dtype=bool) if LOGGED in ds else None
    wall = np.asarray(ds[WALL_TIME].values, dtype=np.float64) if WALL_TIME in ds else None
    extra = [k for k in ds.coords if k not in (RUN, METRIC, STEP) and ds[k].dims == (RUN,)]
    blocks, meta = [], {}
    for r, name in enumerate(runs):
        lg = logged[r] if logged is not None else None
        n = int(np.count_nonzero(lg if lg is not None else ~np.isnan(values[r])))
        w = wall[r] if wall is not None else None
        blocks.append(
            Block(
                metrics=metrics,
                steps=steps,
                values=values[r],
                logged=lg,
                wall=w,
                wall_set=None if w is None else ~np.isnan(w),
                points=n,
                duplicates=0,
            )
        )
        meta[name] = {str(k): _plain_value(ds[k].values[r]) for k in extra}
    return runs, blocks, meta


def _plain_value(v: Any) -> Any:
    """A coordinate value as a Python scalar; NaN and "" (missing) as None."""
    x = v.item() if hasattr(v, "item") else v
    if x == "" or (isinstance(x, float) and np.isnan(x)):
        return None
    return x


def _obj_index(arr: np.ndarray) -> Any:
    import pandas as pd

    return pd.Index(arr, dtype=object)


def _as_slice(idx: np.ndarray) -> slice | None:
    """`idx` as a slice when it is a contiguous increasing range."""
    if idx.size == 0:
        return slice(0, 0)
    if idx[-1] - idx[0] + 1 == idx.size and (idx.size < 2 or bool(np.all(np.diff(idx) == 1))):
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return None


def _metadata_coords(
    runs: np.ndarray, run_coords: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    names = sorted({k for meta in run_coords.values() for k in meta})
    coords = {}
    for name in names:
        vals = [run_coords.get(r, {}).get(name) for r in runs]
        coords[name] = (RUN, _metadata_column(vals))
    return coords


def _metadata_column(vals: list[Any]) -> np.ndarray:
    present = [v for v in vals if v is not None]
    if present and all(isinstance(v, (int, float, np.number, bool)) for v in present):
        return np.array([np.nan if v is None else float(v) for v in vals], dtype=np.float64)
    return np.array(["" if v is None else str(v) for v in vals], dtype=object)
