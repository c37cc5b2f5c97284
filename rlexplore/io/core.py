"""The loading machinery: find the logs, read them (in threads), build the Dataset.

:func:`discover` finds the units of work (walking directories, sniffing files),
:func:`read_unit` reads one with its loader and :func:`reduce_unit` reduces what it gave,
:func:`build` makes the Dataset and its load report. :func:`load_dataset` chains them;
:mod:`rlexplore.io.api` (``rlexplore.load``) and :class:`rlexplore.live.Follower` use
these public steps.
"""

from __future__ import annotations

import contextlib
import glob as _glob
import os
import re
import sys
import threading
import warnings
from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xarray as xr

from ..dataset.blocks import (
    Block,
    assemble,
    launch_bounds,
    merge_blocks,
    reduce_table,
    split_table,
)
from ..dataset.report import LoadReport
from ..dataset.schema import validate
from ..errors import RLExploreError, RLExploreWarning
from .base import (
    Context,
    FileEntry,
    Loader,
    MetaOnly,
    Unit,
    get_loader,
    loaders,
    read_head,
    special_kind,
    storable,
)

RESTARTS = ("supersede", "split", "keep")
SKIP_DIRS = {"__pycache__", "node_modules", ".git", ".hg", ".svn", ".ipynb_checkpoints", ".trash"}
_WARN_REASONS = ("checksum", "corrupt", "malformed", "unreadable", "error")


@dataclass
class UnitResult:
    """What one unit of work produced, reduced: report entries, run blocks, metadata."""

    entries: list[FileEntry] = field(default_factory=list)
    runs: list[tuple[Hashable, str, str, Block, dict[str, Any], list[FileEntry]]] = field(
        default_factory=list
    )
    meta_only: list[MetaOnly] = field(default_factory=list)


def load_dataset(
    source: Any,
    *,
    format: str = "auto",
    rename: Mapping[str, str] | Callable[[str], str] | None = None,
    restarts: str = "supersede",
    step_key: str | None = None,
    logging_steps: int | None = None,
    progress: bool | None = None,
    workers: int | None = None,
    _pure_python: bool = False,
) -> xr.Dataset:
    """:func:`rlexplore.load` into memory (without ``to=``); the options are load's."""
    if restarts not in RESTARTS:
        raise RLExploreError(f"restarts must be one of {RESTARTS}, got {restarts!r}")
    if rename is not None and not (callable(rename) or isinstance(rename, Mapping)):
        raise RLExploreError("rename must be a mapping {old: new} or a function old -> new")
    fmt_loader = None if format == "auto" else get_loader(format)
    units, ignored, problems = discover(source, fmt_loader)
    if sum(u.size for u in units) > 64 << 20:
        _tune_allocator()
    options = {"step_key": step_key, "logging_steps": logging_steps}
    total = sum(u.size for u in units)
    bar = _progress_bar(total, progress)
    lock = threading.Lock()

    def on_bytes(n: int) -> None:
        if bar is not None:
            with lock:
                bar.update(n)

    ctx = Context(options=options, on_bytes=on_bytes, pure_python=_pure_python)
    n_workers = max(1, workers or os.cpu_count() or 1)
    try:
        if n_workers == 1 or len(units) <= 1:
            results = [read_unit(u, ctx, restarts) for u in units]
        else:
            with ThreadPoolExecutor(max_workers=min(n_workers, len(units))) as pool:
                results = list(pool.map(lambda u: read_unit(u, ctx, restarts), units))
    finally:
        if bar is not None:
            bar.close()
    given = source if isinstance(source, (list, tuple, set)) else [source]
    return validate(build(results, problems, ignored, rename, restarts, sources=list(given)))


# --------------------------------------------------------------------------- discovery


def discover(
    source: Any,
    fmt: Loader | None,
    sniff: Callable[[Path, Loader | None, list[FileEntry]], Loader | None] | None = None,
) -> tuple[list[Unit], list[str], list[FileEntry]]:
    """Find the files to read: units of work, ignored files, problems found on the way.

    Directories are walked recursively, following symbolic links as TensorBoard does
    (a directory reached twice, through a link loop or two links, is read once);
    unreadable directories and files, FIFOs, sockets and devices are reported, and
    special files are never opened. `sniff` decides the loader of each walked file
    (default :func:`sniff_file`; :class:`rlexplore.live.Follower` caches decisions).
    """
    items = list(source) if isinstance(source, (list, tuple, set)) else [source]
    if not items:
        raise RLExploreError("no source given")
    claimed: dict[tuple[int, str, bool], tuple[Loader, Path, list[Path]]] = {}
    units: list[Unit] = []
    ignored: list[str] = []
    problems: list[FileEntry] = []

    def add(loader: Loader, root: Path, path: Path, given: bool) -> None:
        key = (id(loader), str(root), given)
        claimed.setdefault(key, (loader, root, []))[2].append(path)

    def walked(path: Path, problems: list[FileEntry]) -> Loader | None:
        if sniff is not None:
            return sniff(path, fmt, problems)
        return sniff_file(path, fmt, problems, given=False)

    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise RLExploreError(f"a source must be a path or a glob, got {type(item).__name__}")
        text = os.fspath(item)
        path = Path(text).expanduser()
        if path.exists() or path.is_symlink():
            matches, root = [path], (path if path.is_dir() else path.parent)
        elif any(c in text for c in "*?["):
            matches = sorted(Path(p) for p in _glob.glob(os.path.expanduser(text), recursive=True))
            if not matches:
                raise RLExploreError(f"{text}: no file matches this pattern")
            root = _glob_root(text)
        else:
            raise RLExploreError(f"{text}: no such file or directory")
        for m in matches:
            if m.is_dir():
                _walk(m, fmt, add, units, ignored, problems, walked)
            else:
                loader = sniff_file(m, fmt, problems, given=True)
                if loader is None:
                    if not any(p.path == storable(str(m)) for p in problems):
                        problems.append(_unknown(m))
                    continue
                if loader.claim_dir(m):  # a file that stands for a directory format
                    units.append(Unit(loader, [m], root, True, _tree_size(m)))
                else:
                    add(loader, root if path.is_dir() or len(matches) > 1 else m.parent, m, True)
    for loader, root, paths in claimed.values():
        given = any(k[2] for k in claimed if k[0] == id(loader) and k[1] == str(root))
        units.extend(loader.group(paths, root, given))
    return units, ignored, problems


def _walk(
    root: Path,
    fmt: Loader | None,
    add: Callable[[Loader, Path, Path, bool], None],
    units: list[Unit],
    ignored: list[str],
    problems: list[FileEntry],
    sniff: Callable[[Path, list[FileEntry]], Loader | None],
) -> None:
    dir_loaders = [
        lo for lo in ([fmt] if fmt else loaders()) if type(lo).claim_dir is not Loader.claim_dir
    ]

    def unreadable(err: OSError) -> None:
        entry = FileEntry(str(err.filename or root), "unknown")
        entry.skip(f"unreadable directory ({err.strerror or err})")
        problems.append(entry)

    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable, followlinks=True):
        here = Path(dirpath)
        try:
            st = here.stat()
            ident = (st.st_dev, st.st_ino)
        except OSError:
            ident = None
        if ident is not None:
            if ident in seen:  # a symlink loop, or a directory linked twice: read once
                if here.is_symlink():
                    entry = FileEntry(str(here), "unknown")
                    entry.note("a link to a directory already read (symlink loop?): not read again")
                    problems.append(entry)
                dirnames[:] = []
                continue
            seen.add(ident)
        claimer = next((lo for lo in dir_loaders if _safe_claim(lo, here)), None)
        if claimer is not None:
            units.append(Unit(claimer, [here], root, False, _tree_size(here)))
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            p = here / name
            if name.startswith("."):
                continue
            kind = special_kind(p)
            if kind is not None:
                entry = FileEntry(str(p), "unknown")
                entry.skip(f"not read: {kind}")
                problems.append(entry)
                continue
            loader = sniff(p, problems)
            if loader is None:
                ignored.append(storable(str(p)))
            else:
                add(loader, root, p, False)


def _safe_claim(loader: Loader, path: Path) -> bool:
    try:
        return loader.claim_dir(path)
    except (OSError, ValueError, RecursionError):
        return False


def sniff_file(
    path: Path, fmt: Loader | None, problems: list[FileEntry], given: bool
) -> Loader | None:
    """The loader that reads `path` (None when none does); problems go to `problems`.

    A file that cannot be read, and a FIFO, socket or device (never opened), is
    reported in `problems`. With `fmt` given, a file given by name is read with it
    whatever it looks like; a walked file only when `fmt` recognises it.
    """
    kind = special_kind(path)
    if kind is not None:
        entry = FileEntry(str(path), "unknown")
        entry.skip(f"not read: {kind}")
        problems.append(entry)
        return None
    try:
        head = read_head(path)
    except OSError as err:
        entry = FileEntry(str(path), fmt.name if fmt else "unknown")
        entry.skip(f"unreadable file ({err.strerror or err})")
        problems.append(entry)
        return None
    if fmt is not None:
        if given:
            return fmt  # the user said which format this file is
        return fmt if _safe_sniff(fmt, path, head) else None
    for loader in loaders():
        if _safe_sniff(loader, path, head):
            return loader
    if given and not head:
        entry = FileEntry(str(path), "unknown")
        entry.note("empty file")
        problems.append(entry)
    return None


def _safe_sniff(loader: Loader, path: Path, head: bytes) -> bool:
    try:
        return bool(loader.sniff(path, head))
    except (OSError, ValueError, UnicodeError, RecursionError, MemoryError):
        return False


def _unknown(path: Path) -> FileEntry:
    entry = FileEntry(str(path), "unknown")
    entry.note("not a log format rlexplore knows (see rlexplore.io.formats())")
    return entry


def _glob_root(pattern: str) -> Path:
    parts = Path(os.path.expanduser(pattern)).parts
    keep = []
    for part in parts:
        if any(c in part for c in "*?["):
            break
        keep.append(part)
    return Path(*keep) if keep else Path(".")


def _tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            with contextlib.suppress(OSError):
                total += os.path.getsize(os.path.join(dirpath, f))
    return total


# --------------------------------------------------------------------------- reading


def read_unit(unit: Unit, ctx: Context, restarts: str) -> UnitResult:
    """Read one unit with its loader and reduce it (a broken file is reported, not raised)."""
    try:
        produced = list(unit.loader.read(unit, ctx))
    except RLExploreError as err:
        return UnitResult(entries=[_failed(unit, str(err))])
    except MemoryError:
        raise
    except Exception as err:  # noqa: BLE001 - a broken file must not break the load
        return UnitResult(entries=[_failed(unit, f"error: {type(err).__name__}: {err}")])
    return reduce_unit(produced, restarts)


def reduce_unit(produced: list[Any], restarts: str) -> UnitResult:
    """Reduce what a loader or a :class:`~rlexplore.io.base.Reader` produced for one unit.

    Each table becomes its run's dense block (restarts applied), so the tables can be
    freed; `produced` is emptied.
    """
    res = UnitResult()
    seen: set[int] = set()

    def note_entry(e: FileEntry) -> None:
        if id(e) not in seen:
            seen.add(id(e))
            res.entries.append(e)

    for item in produced:
        if isinstance(item, FileEntry):
            note_entry(item)
            continue
        if isinstance(item, MetaOnly):
            res.meta_only.append(item)
            continue
        tables = [item]
        if restarts == "split":
            tables = split_table(item, launch_bounds(item))
        for t in tables:
            entries = [e for e, _, _ in t.files]
            for e in entries:
                note_entry(e)
            if len(t) == 0:
                continue
            block = reduce_table(t, restarts=restarts != "keep")
            res.runs.append((t.key, t.name, t.alt, block, dict(t.meta), entries))
        tables.clear()
    produced.clear()
    return res


def _failed(unit: Unit, why: str) -> FileEntry:
    path = unit.paths[0] if len(unit.paths) == 1 else unit.paths[0].parent
    entry = FileEntry(str(path), unit.loader.name)
    entry.skip(why if why.startswith(("error", "unreadable")) else f"error: {why}")
    return entry


def build(
    results: list[UnitResult],
    problems: list[FileEntry],
    ignored: list[str],
    rename: Any,
    restarts: str,
    sources: Sequence[str | os.PathLike[str]] = (),
) -> xr.Dataset:
    """The Dataset of reduced units: runs merged by key, named, renamed; the report attached.

    Raises
    ------
    RLExploreError
        When no unit has any point (the message lists every file and why).
    """
    entries = [e for r in results for e in r.entries] + problems
    # one run per key, in order of first appearance
    order: list[Hashable] = []
    runs: dict[Hashable, dict[str, Any]] = {}
    for r in results:
        for key, name, alt, block, meta, run_entries in r.runs:
            if key not in runs:
                order.append(key)
                runs[key] = {
                    "name": name,
                    "alt": alt,
                    "block": block,
                    "meta": dict(meta),
                    "entries": list(run_entries),
                }
            else:
                cur = runs[key]
                cur["block"] = merge_blocks(cur["block"], block)
                cur["meta"].update(meta)
                cur["entries"].extend(e for e in run_entries if e not in cur["entries"])
    for r in results:
        for mo in sorted(r.meta_only, key=lambda m: not m.config):
            for target in _meta_targets(mo, runs):
                meta = runs[target]["meta"]
                if mo.config:  # a run's own hyperparameters win over a config file's
                    meta.update({k: v for k, v in mo.meta.items() if k not in meta})
                else:
                    meta.update(mo.meta)
    if not order:
        raise RLExploreError(_nothing_loaded(entries, ignored))
    names = _unique_names([(runs[k]["name"], runs[k]["alt"]) for k in order])
    final: dict[str, dict[str, Any]] = {}
    final_order: list[str] = []
    for key, name in zip(order, names):
        run = runs.pop(key)
        new = _rename(name, rename)
        for e in run["entries"]:
            e.runs = [new if x == run["name"] else x for x in e.runs]
            if new not in e.runs:
                e.runs.append(new)
        if new in final:  # renamed onto another run: merge (later wins)
            final[new]["block"] = merge_blocks(final[new]["block"], run["block"])
            final[new]["meta"].update(run["meta"])
        else:
            final[new] = run
            final_order.append(new)
    for e in entries:  # names given before disambiguation that are gone now
        e.runs = [x for x in dict.fromkeys(e.runs) if x in final]
    warning = _maybe_warn(entries)
    report = LoadReport(
        files=entries,
        sources=[storable(os.fspath(s)) for s in sources],
        ignored=len(ignored),
        ignored_examples=ignored[:10],
        options={"restarts": restarts},
        warnings=[warning] if warning else [],
    )
    blocks = [final[n]["block"] for n in final_order]
    meta = {
        storable(n): {storable(k): storable(v) if isinstance(v, str) else v for k, v in m.items()}
        for n, m in ((n, final[n]["meta"]) for n in final_order)
    }
    final.clear()
    return assemble([storable(n) for n in final_order], blocks, meta, report)


def _meta_targets(mo: MetaOnly, runs: dict[Hashable, dict[str, Any]]) -> list[Hashable]:
    """The runs a metadata-only entry belongs to (see :class:`MetaOnly`)."""
    d = mo.directory.resolve()
    if not mo.config:
        by_dir = {}
        for key in runs:
            if isinstance(key, tuple) and len(key) == 2 and key[0] == "tensorboard":
                by_dir[key[1]] = key
        for parent in [d, *d.parents]:
            if str(parent) in by_dir:
                return [by_dir[str(parent)]]
        return []
    dirs: dict[Hashable, Path] = {key: _run_dir_of(run["meta"]) for key, run in runs.items()}
    for parent in [d, *d.parents]:
        found = [k for k, rd in dirs.items() if rd == parent]
        if found:
            return found
    return [k for k, rd in dirs.items() if d in rd.parents]


def _run_dir_of(meta: dict[str, Any]) -> Path:
    """The directory a run's source sits in (a checkpoint copy belongs to its run)."""
    src = Path(str(meta.get("source", "")))
    d = src if src.is_dir() else src.parent
    if re.match(r"^checkpoint-\d+$", d.name):
        d = d.parent
    return d.resolve()


def _unique_names(pairs: list[tuple[str, str]]) -> list[str]:
    counts: dict[str, int] = {}
    for name, _ in pairs:
        counts[name] = counts.get(name, 0) + 1
    out = [name if counts[name] == 1 else name + alt for name, alt in pairs]
    result = _number_repeats(out)
    # a suffixed name could collide with a real one; suffix again until unique
    while len(set(result)) < len(result):
        result = _number_repeats(result)
    return result


def _number_repeats(names: list[str]) -> list[str]:
    """Names with their second, third and later occurrences suffixed " [2]", " [3]" and so on."""
    seen: dict[str, int] = {}
    result = []
    for name in names:
        k = seen.get(name, 0)
        seen[name] = k + 1
        result.append(name if k == 0 else f"{name} [{k + 1}]")
    return result


def _rename(name: str, rename: Any) -> str:
    if rename is None:
        return name
    new = rename(name) if callable(rename) else rename.get(name, name)
    if not isinstance(new, str) or not new:
        raise RLExploreError(
            f"rename gave {new!r} for run {name!r}; run names must be non-empty strings"
        )
    return new


def _nothing_loaded(entries: list[FileEntry], ignored: list[str]) -> str:
    lines = ["no scalar values could be loaded:"]
    for e in entries[:20]:
        why = "; ".join([f"{k} ({v})" for k, v in e.skipped.items()] + e.notes) or "no scalars"
        lines.append(f"- {e.path} [{e.format}]: {why}")
    if ignored:
        lines.append(f"- {len(ignored)} files of no known log format, e.g. {ignored[0]}")
    if len(lines) == 1:
        lines.append("- no files found")
    return "\n".join(lines)


def _maybe_warn(entries: list[FileEntry]) -> str:
    """Warn once about corrupt or unreadable input; return the warning's text ('' if none)."""
    bad = []
    for e in entries:
        reasons = [
            f"{n} {why}" for why, n in e.skipped.items() if any(w in why for w in _WARN_REASONS)
        ]
        if reasons:
            bad.append(f"{e.path}: " + ", ".join(reasons))
    if bad:
        more = f" (and {len(bad) - 3} more files)" if len(bad) > 3 else ""
        text = (
            "some input could not be read: " + "; ".join(bad[:3]) + more + ". "
            "See rlexplore.report(ds)."
        )
        warnings.warn(text, RLExploreWarning, stacklevel=5)
        return text
    return ""


_TUNED = False


def _tune_allocator() -> None:
    """Return large freed arrays to the system at once (glibc only, once per process).

    glibc raises its mmap threshold after the first large free, so the many 10-100 MB
    temporary arrays of a big load end up on the heap, whose freed space the process
    keeps: the resident peak then doubles. A fixed 4 MiB threshold (as with
    ``MALLOC_MMAP_THRESHOLD_``) keeps the peak near the final Dataset's size. Set
    ``RLEXPLORE_NO_MALLOPT=1`` to leave the allocator alone.
    """
    global _TUNED
    if (
        _TUNED
        or not sys.platform.startswith("linux")
        or os.environ.get("RLEXPLORE_NO_MALLOPT")
        or "MALLOC_MMAP_THRESHOLD_" in os.environ
    ):
        return
    _TUNED = True
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 4 << 20)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):  # not glibc
        pass


def _progress_bar(total: int, progress: bool | None):
    if progress is False or total <= 0:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc="rlexplore.load",
        delay=0 if progress else 1.0,
        leave=False,
        file=sys.stderr,
    )
