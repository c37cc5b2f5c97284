"""The :class:`Follower`: which files a log directory holds now, and what each poll reads."""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import xarray as xr

from ..errors import RLExploreError
from ..io.base import HEAD_BYTES, Context, FileEntry, Loader, Reader, Unit, file_size, get_loader
from ..io.core import RESTARTS, UnitResult, build, discover, read_unit, reduce_unit, sniff_file
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
        if restarts not in RESTARTS:
            raise RLExploreError(f"restarts must be one of {RESTARTS}, got {restarts!r}")
        self.source = Path(os.fspath(source)).expanduser()
        if not self.source.exists():
            raise RLExploreError(f"{self.source}: no such file or directory")
        self._fmt = None if format == "auto" else get_loader(format)
        self._restarts, self._rename = restarts, rename
        self._sniffed: dict[Path, tuple[str | None, int]] = {}
        self._readers: dict[tuple[Hashable, ...], Reader] = {}
        self._signatures: dict[tuple[Hashable, ...], tuple[Any, ...]] = {}
        self._results: dict[tuple[Hashable, ...], UnitResult] = {}
        self._ctx = Context(options={"step_key": step_key})
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
            self._readers = {k: v for k, v in self._readers.items() if k in keep}
            changed = True
        if not changed and self.dataset is not None:
            return False
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                self.dataset = build(
                    results, problems, ignored, self._rename, self._restarts, [self.source]
                )
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
    def _discover(self) -> tuple[list[Unit], list[str], list[FileEntry]]:
        return discover(self.source, self._fmt, sniff=self._sniff)

    def _sniff(self, path: Path, fmt: Loader | None, problems: list[FileEntry]) -> Loader | None:
        """The loader of `path`, decided from its head as a fresh load does.

        Until a file has 4 KB its head can still change what it looks like (one JSON line
        is a config, two are JSONL), so it is sniffed again whenever it grew; after that
        the head of an append-only file is fixed and the decision final.
        """
        size = file_size(path)
        known = self._sniffed.get(path)
        if known is not None and (known[1] == size or known[1] >= HEAD_BYTES):
            return get_loader(known[0]) if known[0] else None
        loader = sniff_file(path, fmt, problems, given=False)
        self._sniffed[path] = (loader.name if loader else None, size)
        return loader

    # -- reading -------------------------------------------------------------------------
    def _refresh(self, unit: Unit, key: tuple[Hashable, ...]) -> bool:
        """Bring the cached result of `unit` up to date; True when it changed."""
        reader = self._readers.get(key)
        if reader is None:
            reader = unit.loader.reader(unit, self._ctx)
            if reader is not None:
                self._readers[key] = reader
        if reader is None:  # a format rewritten, not appended: read it again when it changed
            signature = tuple(_signature(p) for p in unit.paths)
            if self._signatures.get(key) == signature and key in self._results:
                return False
            self._signatures[key] = signature
            self._results[key] = read_unit(unit, self._ctx, self._restarts)
            return True
        # unchanged files (same names, sizes, inodes): nothing to read
        signature = tuple(_identity(p) for p in unit.paths)
        if self._signatures.get(key) == signature and key in self._results:
            return False
        with contextlib.suppress(OSError):  # gone meanwhile: the next discovery drops it
            self._bytes_read += reader.read(unit, self._ctx, final=False)
        self._signatures[key] = signature
        self._results[key] = reduce_unit(reader.produce(unit, self._ctx), self._restarts)
        return True


def _identity(path: Path) -> tuple[Any, ...]:
    """Name, size and inode of an append-only file: it changed when any of them did."""
    try:
        st = path.stat()
    except OSError:
        return (str(path), None)
    return (str(path), st.st_size, st.st_ino, st.st_dev)


def _signature(path: Path) -> tuple[Any, ...]:
    try:
        st = path.stat()
    except OSError:
        return (str(path), None)
    if path.is_dir():
        return (str(path), _tree_signature(path))
    return (str(path), st.st_size, st.st_mtime_ns)


def _tree_signature(path: Path) -> tuple[Any, ...]:
    out = []
    for dirpath, _, files in os.walk(path):
        for f in sorted(files):
            try:
                st = os.stat(os.path.join(dirpath, f))
            except OSError:
                continue
            out.append((f, st.st_size, st.st_mtime_ns))
    return tuple(out)


def _unit_key(unit: Unit) -> tuple[Hashable, ...]:
    """A unit's identity across polls: a TensorBoard run is its directory, whatever files it gains."""
    if unit.loader.name == "tensorboard":
        return (unit.loader.name, str(unit.paths[0].parent))
    return (unit.loader.name, tuple(str(p) for p in unit.paths))
