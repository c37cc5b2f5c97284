"""The loader plug-in protocol: what every log format implements.

A *loader* answers two questions about files on disk:

- ``sniff(path, head)``: can I open this file? Decided from its content (`head` holds its
  first bytes), not only from its name;
- ``read(unit, ctx)``: read it into tidy long :class:`Table` objects, one per run, with
  per-file :class:`FileEntry` report entries (points read, skipped and why).

Formats stored as directories (an MLflow store, a W&B offline run) also implement
``claim_dir(path)``; formats whose runs span several files (TensorBoard: every event file
of a directory) group their files in ``group(paths, ctx)``. Formats that are appended
to return a resumable :class:`Reader` from ``reader(unit, ctx)``: it reads from where it
stopped, and serves a load and every poll of :class:`rlexplore.live.Follower`. One
builder (:mod:`rlexplore.dataset.blocks`) turns all tables into the Dataset.
"""

from __future__ import annotations

import ast
import math
import os
import re
import stat
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..dataset.blocks import Table as Table
from ..dataset.report import FileEntry as FileEntry
from ..dataset.schema import storable as storable
from ..errors import RLExploreError

HEAD_BYTES = 4096
#: how far a sniffer may read to find the first complete record (a line of a JSONL file)
FIRST_RECORD_LIMIT = 16 << 20
#: records nested deeper than this are skipped (and counted), never a RecursionError
MAX_DEPTH = 64
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
BOM = b"\xef\xbb\xbf"


@dataclass
class MetaOnly:
    """Run metadata found without points (a TensorBoard hparams sub-directory, a config).

    It is attached to the nearest enclosing TensorBoard run; a config (``config=True``)
    to every run of its directory, else to the nearest run above it, else to the runs
    below it.
    """

    directory: Path
    meta: dict[str, Any]
    config: bool = False


@dataclass
class Unit:
    """One piece of work for a loader: the files that make up one read."""

    loader: Loader
    paths: list[Path]
    root: Path
    given_file: bool = False
    size: int = 0
    #: older copies of the same log (checkpoint copies of a trainer_state.json), newest first
    older: list[Path] = field(default_factory=list)


@dataclass
class Context:
    """Options of one :func:`rlexplore.load` call, passed to every loader."""

    options: dict[str, Any] = field(default_factory=dict)
    on_bytes: Callable[[int], None] | None = None
    pure_python: bool = False

    def run_name(self, run_dir: Path, root: Path, given_file: Path | None = None) -> str:
        """TensorBoard's convention: see :func:`run_name`."""
        return _relative_name(run_dir, root, given_file)

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
        return [Unit(self, [p], root, given_file, file_size(p)) for p in paths]

    def read(self, unit: Unit, ctx: Context) -> Iterable[Table | MetaOnly | FileEntry]:
        """Read one unit: its report entries, tables and metadata-only entries.

        Formats with a :meth:`reader` read through it: a fresh reader reads everything
        once (``final=True``).
        """
        reader = self.reader(unit, ctx)
        if reader is None:  # pragma: no cover - a loader implements read or reader
            raise NotImplementedError
        reader.read(unit, ctx, final=True)
        return reader.produce(unit, ctx)

    def reader(self, unit: Unit, ctx: Context) -> Reader | None:
        """A resumable reader of `unit`, for formats that are appended to (else None).

        Formats without one are rewritten rather than appended to (a trainer_state.json,
        a CSV): :class:`rlexplore.live.Follower` reads them whole again when they change.
        """
        return None


class Reader:
    """A resumable read of one :class:`Unit`: where it is, and what it has read so far.

    The model is TensorBoard's ``EventAccumulator.Reload()``: one reader serves the first
    read and every later poll. :meth:`read` goes on from where the last call stopped,
    consuming only complete records (with ``final=False`` a record being written waits
    for the next call); a file that shrank or was replaced is read again from its start.
    :meth:`produce` gives what :meth:`Loader.read` gives for everything read so far, so
    following a growing log ends in exactly what a fresh load gives.
    """

    def read(self, unit: Unit, ctx: Context, *, final: bool) -> int:  # pragma: no cover
        """Read the complete records added to the unit's files; return the bytes consumed."""
        raise NotImplementedError

    def produce(self, unit: Unit, ctx: Context) -> list[Table | MetaOnly | FileEntry]:
        """The report entries and tables of everything read so far."""
        raise NotImplementedError  # pragma: no cover


@dataclass
class Cursor:
    """Where the reading of one append-only file stands.

    ``offset`` is the byte after the last complete record read; ``ident`` (device, inode)
    tells a file replaced by another under the same name.
    """

    offset: int = 0
    ident: tuple[int, int] | None = None

    def restart_needed(self, path: Path) -> bool:
        """Whether `path` shrank below the offset or is another file now."""
        try:
            st = path.stat()
        except OSError:
            return False
        ident = (st.st_dev, st.st_ino)
        if self.ident is None:
            self.ident = ident
            return False
        return st.st_size < self.offset or ident != self.ident


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


def run_name(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> str:
    r"""The run name :func:`rlexplore.load` gives a file or directory found under `root`.

    TensorBoard's convention: a directory is named by its path relative to `root`
    (``"a/b"``, with ``/`` on every platform); `root` itself by its own name. A file
    directly in `root` (or given itself as the root) is named by its stem; a file
    deeper down by its directory's relative path, as the runs of per-file formats
    (JSONL, CSV, console logs) are. A path outside `root` is named by its last part.
    Bytes that are not valid UTF-8 in a name are escaped (``\xff``), so the name can
    be stored in netCDF and Zarr.

    Parameters
    ----------
    path : str or path
        A run directory, or a log file.
    root : str or path
        The directory given to :func:`rlexplore.load` (or the file itself).

    Returns
    -------
    str

    Examples
    --------
    >>> run_name("logs/grpo/seed1", "logs")
    'grpo/seed1'
    >>> run_name("logs/metrics.jsonl", "logs")
    'metrics'
    >>> run_name("logs/a/metrics.jsonl", "logs")
    'a'
    """
    p, r = Path(os.fspath(path)), Path(os.fspath(root))
    if p.is_file() or (not p.exists() and p.suffix in _FILE_SUFFIXES):
        return _relative_name(p.parent, p.parent if p == r else r, p)
    return _relative_name(p, r, None)


_FILE_SUFFIXES = {".jsonl", ".json", ".csv", ".log", ".txt", ".out"}


def _relative_name(run_dir: Path, root: Path, given_file: Path | None) -> str:
    try:
        rel = os.path.relpath(run_dir, root)
    except ValueError:
        rel = run_dir.name
    if rel == "." or rel.startswith(".."):
        if given_file is not None:
            name = given_file.stem if rel == "." else run_dir.name
        else:
            name = (root.resolve().name or str(root)) if rel == "." else run_dir.name
    else:
        name = rel.replace(os.sep, "/")
    return storable(name)


def special_kind(path: Path) -> str | None:
    """What `path` is when it is not a regular file or directory (never opened): or None."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def read_head(path: Path, n: int = HEAD_BYTES) -> bytes:
    """The first ``n`` bytes of ``path``, for sniffing (special files are never opened).

    Raises
    ------
    OSError
        When `path` cannot be read, or is a FIFO, socket or device (reading one could
        block forever or never end).
    """
    kind = special_kind(path)
    if kind is not None:
        raise OSError(f"{kind}, not read")
    with open(path, "rb") as f:
        return f.read(n)


def first_lines(
    path: Path, head: bytes, n: int = 1, limit: int = FIRST_RECORD_LIMIT
) -> list[bytes]:
    """The first `n` non-blank lines of `path` (without newlines), however long, to `limit`.

    `head` is the file's first bytes as sniffing read them; the file is read further only
    while fewer than `n` complete lines are in what was read. A last line without a
    newline counts when the file ends there; nothing past `limit` bytes is read, and
    reading stops at binary data.
    """
    data = head
    start = 0
    lines: list[bytes] = []
    while True:
        nl = data.find(b"\n", start)
        while nl >= 0:
            line = data[start:nl].strip()
            start = nl + 1
            if line:
                lines.append(line)
                if len(lines) >= n:
                    return lines
            nl = data.find(b"\n", start)
        if len(data) >= limit:
            return lines
        with open(path, "rb") as f:
            f.seek(len(data))
            more = f.read(min(max(len(data), 1 << 16), limit - len(data)))
        if not more:
            last = data[start:].strip()
            return lines + [last] if last else lines
        if is_binary(more):  # binary data after a text header (safetensors, say): stop
            return lines
        data += more


def first_line(path: Path, head: bytes, limit: int = FIRST_RECORD_LIMIT) -> bytes | None:
    """The first non-blank line of `path` (see :func:`first_lines`), or None."""
    lines = first_lines(path, head, 1, limit)
    return lines[0] if lines else None


def is_binary(head: bytes) -> bool:
    """Whether a file's head looks binary: more than a few NUL bytes.

    A stray NUL (one damaged byte of a text log) leaves the file text, so that its
    other records are still read.
    """
    return head.count(b"\x00") > 8


#: ANSI escape sequences (terminal colours) in console logs
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
SNIFF_TEXT_BYTES = 8 << 20


def text_head(path: Path, head: bytes, n: int = SNIFF_TEXT_BYTES) -> str | None:
    """The first `n` bytes of a text file as str, None for binary files."""
    if is_binary(head):
        return None
    with open(path, "rb") as f:
        data = f.read(n)
    return data.decode("utf-8", "replace")


def literal_dict(text: str) -> Any:
    """Parse a printed dict at the start of `text` (ignoring what follows its end)."""
    end = _matching_brace(text)
    if end < 0:
        return None
    try:
        return ast.literal_eval(text[: end + 1])
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def _matching_brace(text: str) -> int:
    level = 0
    quote = None
    esc = False
    for i, c in enumerate(text):
        if quote:
            if esc:
                esc = False
            elif c == "\\":
                esc = True
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "{":
            level += 1
        elif c == "}":
            level -= 1
            if level == 0:
                return i
    return -1


def decode_text(raw: bytes) -> str:
    """Bytes of a text file as str: a UTF-8 BOM dropped, undecodable bytes replaced."""
    if raw.startswith(BOM):
        raw = raw[len(BOM) :]
    return raw.decode("utf-8", "replace")


def to_number(v: Any) -> float | None:
    """A logged value as a float: numbers, bools and numeric strings; None otherwise.

    An integer too large for a float64 (``10**400``) is None too: it cannot be stored.
    """
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, float):
        return v
    if isinstance(v, int):
        try:
            return float(v)
        except OverflowError:
            return None
    if isinstance(v, str):
        s = v.strip()
        m = _NP_WRAPPED.match(s)
        if m:
            s = m.group(1)
        try:
            return float(s)
        except (ValueError, OverflowError):
            return None
    return None


_NP_WRAPPED = re.compile(r"^(?:np|numpy)\.\w+\((.*)\)$")


def to_step(v: Any) -> int | None:
    """A step as an exact int64, or None (missing, not a whole number, out of range).

    Integers and their text (``"9007199254740993"``) are taken exactly, with no float
    round trip; floats (``3.0``) only when whole.
    """
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int):
        n = v
    elif isinstance(v, float):
        if not math.isfinite(v) or v != int(v):
            return None
        n = int(v)
    elif isinstance(v, str):
        s = v.strip()
        try:
            n = int(s)
        except ValueError:
            x = to_number(s)
            if x is None or not math.isfinite(x) or x != int(x):
                return None
            n = int(x)
    else:
        x = to_number(v)
        if x is None or not math.isfinite(x) or x != int(x):
            return None
        n = int(x)
    return n if INT64_MIN <= n <= INT64_MAX else None


def value_problem(v: Any) -> str:
    """Why `v` is not a storable value (for the report), when :func:`to_number` gave None."""
    if v is None:
        return "null values"
    if isinstance(v, int) and not isinstance(v, bool):
        return "out-of-range values (beyond float64)"
    return "non-numeric values"


def step_problem(v: Any) -> str:
    """Why `v` is not a step (for the report), when :func:`to_step` gave None."""
    if isinstance(v, (int, str)) and not isinstance(v, bool):
        try:
            int(v.strip() if isinstance(v, str) else v)
            return "out-of-range steps (beyond int64)"
        except ValueError:
            pass
    x = to_number(v)
    if x is not None and math.isfinite(x) and x == int(x):
        return "out-of-range steps (beyond int64)"
    return ""


def depth(obj: Any, limit: int = MAX_DEPTH) -> int:
    """Nesting depth of parsed JSON `obj`, counted up to `limit` + 1 (no recursion)."""
    best = 0
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        o, d = stack.pop()
        if isinstance(o, (dict, list)):
            best = max(best, d)
            if best > limit:
                return best
            stack.extend((x, d + 1) for x in (o.values() if isinstance(o, dict) else o))
    return best


def file_size(path: Path) -> int:
    """The size of `path` in bytes (0 when it cannot be read)."""
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
