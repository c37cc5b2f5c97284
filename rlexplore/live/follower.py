"""The :class:`Follower`: which files a log directory holds now, and what each poll reads."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import xarray as xr

from ..errors import RLExploreError
from ..io import api as _api
from ..io import base as _base
from ..io import records as _records
from ..io import tensorboard as _tb
from .tails import Tail, jsonl_tables, read_events, read_lines, tensorboard_tables, with_output
from .watch import Watch


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

    def __init__(
        self,
        source: str | os.PathLike,
        *,
        format: str = "auto",
        restarts: str = "supersede",
        rename: Any = None,
        step_key: str | None = None,
    ) -> None:
        if restarts not in _api.RESTARTS:
            raise RLExploreError(f"restarts must be one of {_api.RESTARTS}, got {restarts!r}")
        self.source = Path(os.fspath(source)).expanduser()
        if not self.source.exists():
            raise RLExploreError(f"{self.source}: no such file or directory")
        self._fmt = None if format == "auto" else _base.get_loader(format)
        self._restarts, self._rename = restarts, rename
        self._sniffed: dict[Path, tuple[str | None, int]] = {}
        self._tails: dict[Path, Tail] = {}
        self._signatures: dict[tuple, tuple] = {}
        self._results: dict[tuple, Any] = {}
        self._ctx = _base.Context(options={"step_key": step_key})
        self.dataset: xr.Dataset | None = None
        self.polls = 0
        self._warned: set[str] = set()
        self._bytes_read = 0

    @property
    def bytes_read(self) -> int:
        """Bytes read from append-only files so far."""
        return self._bytes_read

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
        dir_loaders = [
            lo
            for lo in ([self._fmt] if self._fmt else _base.loaders())
            if type(lo).claim_dir is not _base.Loader.claim_dir
        ]
        for dirpath, dirnames, filenames in os.walk(self.source):
            here = Path(dirpath)
            claimer = next((lo for lo in dir_loaders if _api._safe_claim(lo, here)), None)
            if claimer is not None:
                units.append(_base.Unit(claimer, [here], self.source, False, 0))
                dirnames[:] = []
                continue
            dirnames[:] = sorted(
                d for d in dirnames if d not in _api._SKIP_DIRS and not d.startswith(".")
            )
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
        incremental = {
            _tb.TensorBoardLoader.name: (read_events, tensorboard_tables),
            _records.JSONLLoader.name: (read_lines, jsonl_tables),
        }
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
        self._results[key] = _api._run_unit(with_output(unit, produced), self._ctx, self._restarts)
        return True

    def _read_tail(self, path: Path, reader: Callable[[Path, Tail], int]) -> bool:
        """Read the complete records appended to `path`; True when what it holds changed."""
        tail = self._tails.get(path)
        try:
            st = path.stat()
            size, ident = st.st_size, (st.st_dev, st.st_ino)
        except OSError:
            size, ident = 0, None
        replaced = tail is not None and (size < tail.offset or ident != tail.ident)
        if tail is None or replaced:  # new, or truncated or replaced by another file: start over
            tail = self._tails[path] = Tail(ident=ident)
        if size == tail.offset:
            return replaced
        before = tail.offset
        consumed = reader(path, tail)
        # the reader reads to the end of the file, which may have grown since `size`
        self._bytes_read += max(size, tail.offset) - before
        return consumed > 0 or replaced


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
