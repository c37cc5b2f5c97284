"""Follow a training job's logs while it writes them: incremental, exact, no point lost.

:class:`Follower` watches a log directory (or one file). Each :meth:`Follower.poll`:

- lists the directory and recognises files it has not seen yet (reading the first
  4 KB of a new file once, as :func:`rlexplore.load` does), so new runs appear;
- reads only the bytes appended to TensorBoard event files and JSONL files since the
  last poll, from the offset after their last complete record: a record still being
  written at the end of a file waits for the next poll;
- re-reads any other file (trainer_state.json, CSV, ...) only when its size or
  modification time changed, since those formats are rewritten rather than appended;
- builds the Dataset with the loaders' own assembly (:mod:`rlexplore.io.assemble`), so
  restarts, "the later record wins", run names and metadata follow exactly the rules
  of a fresh :func:`rlexplore.load`: after the writer stops, ``follower.dataset`` equals
  ``rlexplore.load(logdir)``.

The per-poll cost is the new bytes plus an assembly of what changed; runs whose files
did not grow keep their reduced blocks.
"""

from __future__ import annotations

import asyncio
import os
import threading
import warnings
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from .dataset.build import hparam_coords
from .errors import RLExploreError
from .io import api as _api
from .io import base as _base
from .io import records as _records
from .io import tensorboard as _tb
from .io import tfrecord

__all__ = ["Follower", "Watch"]

_STEP_KEY_WINDOW = 50  # records the JSONL loader looks at to choose the step key


@dataclass
class _Tail:
    """What has been read of one append-only file: its offset and decoded chunks."""

    offset: int = 0
    chunks: list[Any] = field(default_factory=list)
    parser: Any = None
    tags: list[str] = field(default_factory=list)
    bytes_read: int = 0
    # JSONL: records kept until the step key is decided, then a collector fed incrementally
    records: list[dict[str, Any]] = field(default_factory=list)
    window: list[dict[str, Any]] = field(default_factory=list)
    collector: Any = None
    decided: bool = False
    skipped: dict[str, int] = field(default_factory=dict)
    bad_lines: list[int] = field(default_factory=list)


class Follower:
    """Incrementally follow a log directory, keeping an up-to-date rlexplore Dataset.

    Parameters
    ----------
    source : str or path
        A log directory (walked recursively, as :func:`rlexplore.load` does) or a file.
    format : str, default "auto"
        As in :func:`rlexplore.load`.
    restarts : {"supersede", "split", "keep"}
        As in :func:`rlexplore.load`.
    rename : mapping or callable, optional
        As in :func:`rlexplore.load`.
    step_key : str, optional
        As in :func:`rlexplore.load`.

    Attributes
    ----------
    dataset : xarray.Dataset or None
        The data so far (None until something was loaded).
    bytes_read : int
        Bytes read from append-only files so far (a partial record at the end of a
        file is read again at the next poll, so this can exceed the files' size by a
        little).
    polls : int
        Number of polls done.

    Examples
    --------
    >>> f = Follower("runs/")                       # doctest: +SKIP
    >>> changed = f.poll()                          # doctest: +SKIP
    >>> f.dataset                                   # doctest: +SKIP
    """

    def __init__(self, source: str | os.PathLike, *, format: str = "auto", restarts: str = "supersede",
                 rename: Any = None, step_key: str | None = None) -> None:
        if restarts not in _api.RESTARTS:
            raise RLExploreError(f"restarts must be one of {_api.RESTARTS}, got {restarts!r}")
        self.source = Path(os.fspath(source)).expanduser()
        if not self.source.exists():
            raise RLExploreError(f"{self.source}: no such file or directory")
        self._fmt = None if format == "auto" else _base.get_loader(format)
        self._restarts, self._rename = restarts, rename
        self._sniffed: dict[Path, tuple[str | None, int]] = {}
        self._tails: dict[Path, _Tail] = {}
        self._signatures: dict[tuple, tuple] = {}
        self._results: dict[tuple, Any] = {}
        self._ctx = _base.Context(options={"step_key": step_key})
        self.dataset: xr.Dataset | None = None
        self.polls = 0
        self._warned: set[str] = set()

    @property
    def bytes_read(self) -> int:
        return sum(t.bytes_read for t in self._tails.values())

    def start(self, interval: float, on_change: Callable[[xr.Dataset], Any]) -> Watch:
        """Poll every `interval` seconds and call ``on_change(dataset)`` after each change.

        In Jupyter (and Voila) the polls run on the kernel's event loop, between cells,
        so ``on_change`` may update widgets safely; without a running event loop they run
        in a daemon thread. Errors while reading are kept in ``watch.errors`` (the last
        ten) and following goes on. Returns the :class:`Watch`; ``watch.stop()`` ends it.
        """
        if not interval > 0:
            raise RLExploreError(f"interval must be a positive number of seconds, got {interval!r}")
        watch = Watch(self, float(interval), on_change)
        watch.begin()
        return watch

    def poll(self) -> bool:
        """Read what was appended since the last poll; return True when the data changed."""
        self.polls += 1
        units, ignored, problems = self._discover()
        changed = False
        results = []
        for unit in units:
            key = _unit_key(unit)
            if self._refresh(unit, key):
                changed = True
            results.append(self._results[key])
        keep = {_unit_key(u) for u in units}
        if set(self._results) != keep:  # files gone, or a file now read as another format
            self._results = {k: v for k, v in self._results.items() if k in keep}
            changed = True
        if not changed and self.dataset is not None:
            return False
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                self.dataset = _api._build(results, problems, ignored, self._rename, self._restarts)
        except RLExploreError:
            if any(r.runs for r in results):
                raise
            return False  # nothing with points yet: keep waiting
        self._warn_once(caught)
        return True

    def _warn_once(self, caught: list[warnings.WarningMessage]) -> None:
        """Re-emit the load's warnings, each message once while following (not at every poll)."""
        for w in caught:
            text = str(w.message)
            if text not in self._warned:
                self._warned.add(text)
                warnings.warn(w.message, stacklevel=3)

    # -- discovery -----------------------------------------------------------------------
    def _discover(self) -> tuple[list[_base.Unit], list[str], list[_base.FileEntry]]:
        if not self.source.is_dir():
            return _api.discover(self.source, self._fmt)
        claimed: dict[str, tuple[_base.Loader, list[Path]]] = {}
        units: list[_base.Unit] = []
        ignored: list[str] = []
        problems: list[_base.FileEntry] = []
        dir_loaders = [lo for lo in ([self._fmt] if self._fmt else _base.loaders())
                       if type(lo).claim_dir is not _base.Loader.claim_dir]
        for dirpath, dirnames, filenames in os.walk(self.source):
            here = Path(dirpath)
            claimer = next((lo for lo in dir_loaders if _api._safe_claim(lo, here)), None)
            if claimer is not None:
                units.append(_base.Unit(claimer, [here], self.source, False, 0))
                dirnames[:] = []
                continue
            dirnames[:] = sorted(d for d in dirnames if d not in _api._SKIP_DIRS and not d.startswith("."))
            for name in sorted(n for n in filenames if not n.startswith(".")):
                loader = self._sniff(here / name, problems)
                if loader is None:
                    ignored.append(str(here / name))
                else:
                    claimed.setdefault(loader.name, (loader, []))[1].append(here / name)
        for loader, paths in claimed.values():
            units.extend(loader.group(paths, self.source, False))
        return units, ignored, problems

    def _sniff(self, path: Path, problems: list[_base.FileEntry]) -> _base.Loader | None:
        """The loader of `path`, decided from its first 4 KB as a fresh load does.

        Until a file has 4 KB its head can still change what it looks like (one JSON line
        is a JSON file, two are JSONL), so it is sniffed again whenever it grew; after
        that the head of an append-only file is fixed and the decision final.
        """
        size = _base._size(path)
        known = self._sniffed.get(path)
        if known is not None and (known[1] == size or known[1] >= _base.HEAD_BYTES):
            return _base.get_loader(known[0]) if known[0] else None
        loader = _api._sniff_file(path, self._fmt, problems, given=False)
        name = loader.name if loader else None
        if known is not None and known[0] != name:
            self._tails.pop(path, None)  # read as another format so far: start over
        self._sniffed[path] = (name, size)
        return loader

    # -- reading -------------------------------------------------------------------------
    def _refresh(self, unit: _base.Unit, key: tuple) -> bool:
        """Bring the cached result of `unit` up to date; True when it changed."""
        incremental = {_tb.TensorBoardLoader.name: (_read_events, _tensorboard_tables),
                       _records.JSONLLoader.name: (_read_lines, _jsonl_tables)}
        if unit.loader.name in incremental:
            reader, build = incremental[unit.loader.name]
            grew = [self._read_tail(p, reader) for p in unit.paths]
            if not any(grew) and key in self._results:
                return False
            produced = build(unit, self._ctx, [self._tails[p] for p in unit.paths])
        else:
            signature = tuple(_signature(p) for p in unit.paths)
            if self._signatures.get(key) == signature and key in self._results:
                return False
            self._signatures[key] = signature
            produced = None
        self._results[key] = _api._run_unit(_with_output(unit, produced), self._ctx, self._restarts)
        return True

    def _read_tail(self, path: Path, reader: Callable[[Path, _Tail], int]) -> bool:
        """Read the complete records appended to `path`; True when there were any."""
        tail = self._tails.setdefault(path, _Tail())
        size = _base._size(path)
        if size < tail.offset:  # truncated or replaced: start over
            self._tails[path] = tail = _Tail()
        if size == tail.offset:
            return False
        before = tail.offset
        consumed = reader(path, tail)
        # the reader reads to the end of the file, which may have grown since `size`
        tail.bytes_read += max(size, tail.offset) - before
        return consumed > 0


class Watch:
    """A running :meth:`Follower.start`: polls on a timer until :meth:`stop`."""

    def __init__(self, follower: Follower, interval: float, on_change: Callable[[xr.Dataset], Any]) -> None:
        self.follower, self.interval, self.on_change = follower, interval, on_change
        self.errors: list[str] = []
        self.running = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: Any = None
        self._stop = threading.Event()

    def begin(self) -> None:
        self.running = True
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = _kernel_loop()
        if self._loop is not None:
            self._handle = self._loop.call_later(self.interval, self._tick)
        else:
            threading.Thread(target=self._run_thread, name="rlexplore-follow", daemon=True).start()

    def stop(self) -> None:
        """Stop polling (a poll under way finishes)."""
        self.running = False
        self._stop.set()
        if self._handle is not None:
            self._handle.cancel()

    def step(self) -> bool:
        """One poll now; True when the data changed (and `on_change` was called)."""
        try:
            if self.follower.poll():
                self.on_change(self.follower.dataset)
                return True
        except Exception as err:  # noqa: BLE001 - a bad poll must not end following
            self.errors = (self.errors + [f"{type(err).__name__}: {err}"])[-10:]
        return False

    def _tick(self) -> None:
        if not self.running:
            return
        self.step()
        if self.running:
            self._handle = self._loop.call_later(self.interval, self._tick)

    def _run_thread(self) -> None:
        while not self._stop.wait(self.interval):
            self.step()


def _kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop of a running IPython kernel, when there is one (cells run outside it)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    loop = getattr(getattr(kernel, "io_loop", None), "asyncio_loop", None)
    return loop if isinstance(loop, asyncio.AbstractEventLoop) else None


def _read_events(path: Path, tail: _Tail) -> int:
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


def _tensorboard_tables(unit: _base.Unit, ctx: _base.Context, tails: list[_Tail]) -> list[Any]:
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
        remap = np.array([names.setdefault(t, len(names)) for t in tail.tags] or [0], dtype=np.int32)
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
        key=(loader.name, str(run_dir.resolve())), name=name, metrics=list(names),
        metric=np.concatenate(metric_parts), step=np.concatenate(step_parts),
        value=np.concatenate(value_parts), wall_time=np.concatenate(wall_parts), meta=meta,
        alt=loader.name, files=files, session_starts=starts, launches=launches,
    )
    return [*entries, table]


def _read_lines(path: Path, tail: _Tail) -> int:
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


def _jsonl_tables(unit: _base.Unit, ctx: _base.Context, tails: list[_Tail]) -> list[Any]:
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
        (unit.loader.name, str(path.resolve())), _records._name_for(ctx, unit, path), col.metrics.names,
        col.m, col.s, col.v, col.w if col.has_wall else None, entry,
        meta={"source": str(path), "format": unit.loader.name}, alt="/" + path.stem)
    return [entry, table]


def _feed_collector(tail: _Tail, ctx: _base.Context):
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
    if len(tail.window) >= _STEP_KEY_WINDOW:
        tail.decided, tail.window = True, []
    return col


class _Replay(_base.Loader):
    """A loader that hands back what was already read (so :func:`_run_unit` can reduce it)."""

    def __init__(self, name: str, produced: list[Any]) -> None:
        self.name = name
        self._produced = produced

    def read(self, unit: _base.Unit, ctx: _base.Context):
        return self._produced


def _with_output(unit: _base.Unit, produced: list[Any] | None) -> _base.Unit:
    if produced is None:
        return unit
    return _base.Unit(_Replay(unit.loader.name, produced), unit.paths, unit.root, unit.given_file, unit.size)


def _sum_stats(chunks: list[Any]) -> dict[str, int]:
    total: dict[str, int] = {}
    for cols in chunks:
        for k, v in cols.stats.items():
            total[k] = total.get(k, 0) + int(v)
    return total


def _signature(path: Path) -> tuple:
    try:
        st = path.stat()
    except OSError:
        return (str(path), None)
    if path.is_dir():
        return (str(path), _tree_signature(path))
    return (str(path), st.st_size, st.st_mtime_ns)


def _tree_signature(path: Path) -> tuple:
    out = []
    for dirpath, _, files in os.walk(path):
        for f in sorted(files):
            try:
                st = os.stat(os.path.join(dirpath, f))
            except OSError:
                continue
            out.append((f, st.st_size, st.st_mtime_ns))
    return tuple(out)


def _unit_key(unit: _base.Unit) -> tuple[Hashable, ...]:
    """A unit's identity across polls: a TensorBoard run is its directory, whatever files it gains."""
    if unit.loader.name == _tb.TensorBoardLoader.name:
        return (unit.loader.name, str(unit.paths[0].parent))
    return (unit.loader.name, tuple(str(p) for p in unit.paths))
