"""The loader plug-in protocol: what every log format implements.

A *loader* answers two questions about files on disk:

- ``sniff(path, head)``: can I open this file? Decided from its content (`head` holds its
  first bytes), not only from its name;
- ``read(unit, ctx)``: read it into tidy long :class:`Table` objects, one per run, with
  per-file :class:`FileEntry` report entries (points read, skipped and why).

Formats stored as directories (an MLflow store, a W&B offline run) also implement
``claim_dir(path)``; formats whose runs span several files (TensorBoard: every event file
of a directory) group their files in ``group(paths, ctx)``. One shared builder
(:mod:`rlexplore.io.assemble`) turns all tables into the Dataset.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..errors import RLExploreError

HEAD_BYTES = 4096


@dataclass
class FileEntry:
    """The load report of one file (or one store): what was read and what was not."""

    path: str
    format: str
    points: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    superseded: int = 0
    notes: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)

    def skip(self, reason: str, n: int = 1) -> None:
        """Count `n` values or records skipped for `reason`."""
        if n:
            self.skipped[reason] = self.skipped.get(reason, 0) + int(n)

    def note(self, text: str) -> None:
        """Record a short note once (at most 20 per file)."""
        if text not in self.notes and len(self.notes) < 20:
            self.notes.append(text)

    def as_dict(self) -> dict[str, Any]:
        """The entry as the JSON-ready dict stored in the load report."""
        return {
            "path": self.path,
            "format": self.format,
            "runs": list(self.runs),
            "points": int(self.points),
            "skipped": {k: int(v) for k, v in self.skipped.items()},
            "superseded": int(self.superseded),
            "notes": list(self.notes),
        }


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
class MetaOnly:
    """Run metadata found without points (e.g. a TensorBoard hparams sub-directory).

    It is attached to the run with key ``parent_key`` (or the nearest ancestor run).
    """

    directory: Path
    meta: dict[str, Any]


@dataclass
class Unit:
    """One piece of work for a loader: the files that make up one read."""

    loader: Loader
    paths: list[Path]
    root: Path
    given_file: bool = False
    size: int = 0


@dataclass
class Context:
    """Options of one :func:`rlexplore.load` call, passed to every loader."""

    options: dict[str, Any] = field(default_factory=dict)
    on_bytes: Callable[[int], None] | None = None
    pure_python: bool = False

    def run_name(self, run_dir: Path, root: Path, given_file: Path | None = None) -> str:
        """TensorBoard's convention: the run directory relative to the root.

        A file directly in the root is named by its stem (per-file formats pass it as
        `given_file`); otherwise the root is named after its own directory name.
        """
        try:
            rel = os.path.relpath(run_dir, root)
        except ValueError:
            rel = run_dir.name
        if rel == "." or rel.startswith(".."):
            if given_file is not None:
                return given_file.stem if rel == "." else run_dir.name
            return (root.resolve().name or str(root)) if rel == "." else run_dir.name
        return rel.replace(os.sep, "/")

    def progress(self, n: int) -> None:
        """Report ``n`` more bytes read to the progress callback."""
        if self.on_bytes is not None and n:
            self.on_bytes(n)


class Loader:
    """Base class of the format plug-ins (see the module docstring)."""

    name: ClassVar[str] = ""
    #: a short human description, shown by ``rlexplore.io.formats()``
    description: ClassVar[str] = ""
    #: lower numbers are asked first by ``format="auto"``
    priority: ClassVar[int] = 50

    def sniff(self, path: Path, head: bytes) -> bool:  # pragma: no cover - abstract
        """Whether this loader reads ``path``, judged from its first bytes ``head``."""
        return False

    def claim_dir(self, path: Path) -> bool:
        """Whether `path` is a directory this format reads as a whole."""
        return False

    def group(self, paths: list[Path], root: Path, given_file: bool) -> list[Unit]:
        """Split the files this format claimed under `root` into units of work."""
        return [Unit(self, [p], root, given_file, _size(p)) for p in paths]

    def read(self, unit: Unit, ctx: Context) -> Iterable[Table | MetaOnly]:  # pragma: no cover
        """Read one unit: yield its tables (and metadata-only entries)."""
        raise NotImplementedError


_REGISTRY: dict[str, Loader] = {}


def register(loader: Loader) -> Loader:
    """Register a loader instance under its ``name`` (replacing one of that name)."""
    if not loader.name:
        raise ValueError("a loader needs a name")
    _REGISTRY[loader.name] = loader
    return loader


def loaders() -> list[Loader]:
    """The registered loaders, in the order ``format="auto"`` asks them."""
    return sorted(_REGISTRY.values(), key=lambda lo: lo.priority)


def get_loader(name: str) -> Loader:
    """The registered loader called ``name``; an error lists the valid names."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise RLExploreError(
            f"unknown format {name!r}; known formats: {', '.join(sorted(_REGISTRY))} or 'auto'"
        ) from None


def read_head(path: Path, n: int = HEAD_BYTES) -> bytes:
    """The first ``n`` bytes of ``path``, for sniffing."""
    with open(path, "rb") as f:
        return f.read(n)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def table_from_records(
    key: Hashable,
    name: str,
    metric_names: list[str],
    metric_idx: list[int] | np.ndarray,
    steps: list[int] | np.ndarray,
    values: list[float] | np.ndarray,
    walls: list[float] | np.ndarray | None,
    entry: FileEntry,
    **kw: Any,
) -> Table:
    """A Table from per-point Python lists (small formats), covering one file entry."""
    t = Table(
        key,
        name,
        metric_names,
        np.asarray(metric_idx, dtype=np.int32),
        np.asarray(steps, dtype=np.int64),
        np.asarray(values, dtype=np.float64),
        None if walls is None else np.asarray(walls, dtype=np.float64),
        **kw,
    )
    t.files.append((entry, 0, len(t)))
    entry.points += len(t)
    if name not in entry.runs:
        entry.runs.append(name)
    return t


class Interner:
    """Metric names → small integer ids, in first-seen order."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._ids: dict[str, int] = {}

    def __call__(self, name: str) -> int:
        """The id of ``name``, a new one if it is new."""
        i = self._ids.get(name)
        if i is None:
            i = self._ids[name] = len(self.names)
            self.names.append(name)
        return i
