"""What has been read of append-only files (event files, JSONL), and the loader tables it makes.

For each file a :class:`Tail` keeps the offset after its last complete record and what was
decoded so far; :func:`tensorboard_tables` and :func:`jsonl_tables` rebuild from it exactly
what the TensorBoard and JSONL loaders return for the whole file, so the shared assembly
gives what a fresh load gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..dataset.build import hparam_coords
from ..io import base as _base
from ..io import records as _records
from ..io import tensorboard as _tb
from ..io import tfrecord

STEP_KEY_WINDOW = 50  # records the JSONL loader looks at to choose the step key


@dataclass
class Tail:
    """What has been read of one append-only file: its offset and decoded chunks."""

    offset: int = 0
    chunks: list[Any] = field(default_factory=list)
    parser: Any = None
    tags: list[str] = field(default_factory=list)
    ident: tuple[int, int] | None = None  # (device, inode): a file replaced by another is read anew
    # JSONL: records kept until the step key is decided, then a collector fed incrementally
    records: list[dict[str, Any]] = field(default_factory=list)
    window: list[dict[str, Any]] = field(default_factory=list)
    collector: Any = None
    decided: bool = False
    skipped: dict[str, int] = field(default_factory=dict)
    bad_lines: list[int] = field(default_factory=list)


def read_events(path: Path, tail: Tail) -> int:
    """Append the complete event records after ``tail.offset``; return how many bytes were consumed."""
    if tail.parser is None:
        tail.parser = tfrecord.new_parser()
    cols = tfrecord.read_event_file(str(path), tail.parser, start=tail.offset, final=False)
    consumed = cols.end_offset - tail.offset
    tail.tags.extend(cols.tags)
    tail.offset = cols.end_offset
    if consumed:
        tail.chunks.append(cols)
    return consumed


def tensorboard_tables(unit: _base.Unit, ctx: _base.Context, tails: list[Tail]) -> list[Any]:
    """What :meth:`TensorBoardLoader.read` returns for `unit`, from the chunks read so far."""
    run_dir = unit.paths[0].parent
    loader = unit.loader
    entries, hparams = [], {}
    names: dict[str, int] = {}
    metric_parts, step_parts, value_parts, wall_parts = [], [], [], []
    files, launches, starts = [], [], []
    offset, prev_launch = 0, None
    for path, tail in zip(unit.paths, tails):
        entry = _base.FileEntry(str(path), loader.name)
        entries.append(entry)
        stats = _sum_stats(tail.chunks)
        for stat, why in _tb._SKIP_REASONS.items():
            entry.skip(why, stats.get(stat, 0))
        remap = np.array(
            [names.setdefault(t, len(names)) for t in tail.tags] or [0], dtype=np.int32
        )
        n_file = 0
        for cols in tail.chunks:
            _tb._collect_hparams(cols, tail.tags, hparams, entry)
            starts.extend((offset + n_file + p, s) for p, s in cols.session_starts)
            if cols.step.size:
                metric_parts.append(remap[cols.tag])
                step_parts.append(cols.step)
                value_parts.append(cols.value)
                wall_parts.append(cols.wall_time)
                n_file += int(cols.step.size)
        entry.points = n_file
        if stats.get("records", 0) == 0 and not stats.get("corrupt_bytes"):
            entry.note("empty file" if tail.offset == 0 else "no complete record")
        elif n_file == 0:
            entry.note("no scalars")
        if n_file:
            files.append((entry, offset, offset + n_file))
            launch = _tb.launch_key(path)
            if prev_launch is not None and launch != prev_launch:
                launches.append(offset)
            prev_launch = launch
            offset += n_file
    if offset == 0:
        return [*entries, _base.MetaOnly(run_dir, hparam_coords(hparams))] if hparams else entries
    name = ctx.run_name(run_dir, unit.root)
    for entry, _, _ in files:
        entry.runs.append(name)
    meta = {"source": str(run_dir), "format": loader.name, **hparam_coords(hparams)}
    table = _base.Table(
        key=(loader.name, str(run_dir.resolve())),
        name=name,
        metrics=list(names),
        metric=np.concatenate(metric_parts),
        step=np.concatenate(step_parts),
        value=np.concatenate(value_parts),
        wall_time=np.concatenate(wall_parts),
        meta=meta,
        alt=loader.name,
        files=files,
        session_starts=starts,
        launches=launches,
    )
    return [*entries, table]


def read_lines(path: Path, tail: Tail) -> int:
    """Append the complete JSONL lines after ``tail.offset``; return how many bytes were consumed."""
    records, end, skipped, bad = _records.read_jsonl(path, start=tail.offset, final=False)
    consumed = end - tail.offset
    for why, n in skipped.items():
        tail.skipped[why] = tail.skipped.get(why, 0) + n
    if bad:  # rare: number the lines as in the whole file
        before = _count_lines(path, tail.offset)
        tail.bad_lines.extend(before + i for i in bad)
    tail.offset = end
    tail.records.extend(records)
    return consumed


def _count_lines(path: Path, end: int) -> int:
    with open(path, "rb") as f:
        return f.read(end).count(b"\n")


def jsonl_tables(unit: _base.Unit, ctx: _base.Context, tails: list[Tail]) -> list[Any]:
    """What :meth:`JSONLLoader.read` returns for `unit`, from the lines read so far."""
    path, tail = unit.paths[0], tails[0]
    entry = _base.FileEntry(str(path), unit.loader.name)
    col = _feed_collector(tail, ctx)
    for why, n in tail.skipped.items():
        entry.skip(why, n)
    if tail.bad_lines:
        entry.note(f"unreadable lines: {', '.join(map(str, tail.bad_lines[:10]))}")
    if col is None:
        entry.note("no JSON records")
        return [entry]
    for why, n in col.entry.skipped.items():
        entry.skip(why, n)
    for note in col.entry.notes:
        entry.note(note)
    if not col.s:
        return [entry]
    table = _base.table_from_records(
        (unit.loader.name, str(path.resolve())),
        _records._name_for(ctx, unit, path),
        col.metrics.names,
        col.m,
        col.s,
        col.v,
        col.w if col.has_wall else None,
        entry,
        meta={"source": str(path), "format": unit.loader.name},
        alt="/" + path.stem,
    )
    return [entry, table]


def _feed_collector(tail: Tail, ctx: _base.Context):
    """The collector of a JSONL file, fed every record read so far exactly once.

    The loader picks the step key from the first 50 records: until 50 have arrived the
    collector is rebuilt from all of them, so the key chosen is the one a fresh load picks.
    """
    new, tail.records = tail.records, []
    if tail.decided:
        for rec in new:
            tail.collector.add(rec)
        return tail.collector
    tail.window.extend(new)
    if not tail.window:
        return None
    col = _records._Collector(_base.FileEntry("", ""), ctx.options.get("step_key"))
    col.choose_step_key(tail.window)
    for rec in tail.window:
        col.add(rec)
    tail.collector = col
    if len(tail.window) >= STEP_KEY_WINDOW:
        tail.decided, tail.window = True, []
    return col


class Replay(_base.Loader):
    """A loader that hands back what was already read (so :func:`_run_unit` can reduce it)."""

    def __init__(self, name: str, produced: list[Any]) -> None:
        self.name = name
        self._produced = produced

    def read(self, unit: _base.Unit, ctx: _base.Context):
        """Yield what the tail already produced."""
        return self._produced


def with_output(unit: _base.Unit, produced: list[Any] | None) -> _base.Unit:
    """The unit, read through a loader that replays ``produced``."""
    if produced is None:
        return unit
    return _base.Unit(
        Replay(unit.loader.name, produced), unit.paths, unit.root, unit.given_file, unit.size
    )


def _sum_stats(chunks: list[Any]) -> dict[str, int]:
    total: dict[str, int] = {}
    for cols in chunks:
        for k, v in cols.stats.items():
            total[k] = total.get(k, 0) + int(v)
    return total
