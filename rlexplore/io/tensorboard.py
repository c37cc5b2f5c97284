"""TensorBoard event files (``events.out.tfevents.*``).

A run is a directory: its event files are read in name order (their names start with
the creation time) and merged, as TensorBoard does. Scalars written as ``simple_value``
and as tensors of the scalars plugin are read; wall times are kept. Hyperparameters
come from the hparams plugin (``_hparams_/session_start_info``) and from the JSON that
the HuggingFace Trainer writes as ``args/text_summary``. A directory whose files hold no
scalar (for instance the ``<timestamp>/`` sub-directory of an hparams summary) is not a
run: its hyperparameters go to the nearest enclosing run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..dataset.build import hparam_coords
from . import tfrecord
from .base import (
    Context,
    Cursor,
    FileEntry,
    Loader,
    MetaOnly,
    Reader,
    Table,
    Unit,
    file_size,
    register,
)

_NAME = re.compile(r"tfevents\.(\d+)\.(.+)\.(\d+)\.(\d+)")
_SKIP_REASONS = {
    "bad_checksum": "records with a bad checksum",
    "corrupt_bytes": "corrupt bytes (framing lost, resynchronised)",
    "malformed": "malformed records (not an Event)",
    "truncated_bytes": "bytes of an incomplete final record",
    "histograms": "histograms (not scalars)",
    "images": "images (not scalars)",
    "audio": "audio (not scalars)",
    "tensors": "tensors of other plugins (not scalars)",
    "bad_scalars": "scalar-plugin tensors that are not one number",
}


def launch_key(path: Path) -> str:
    """Which process wrote an event file: host and pid from its name, when present."""
    m = _NAME.search(path.name)
    return f"{m.group(2)}.{m.group(3)}" if m else path.name


class TensorBoardLoader(Loader):
    """TensorBoard event files: a run is a directory, read through a :class:`TensorBoardReader`."""

    name = "tensorboard"
    description = "TensorBoard event files (events.out.tfevents.*): simple_value and scalar tensors"
    priority = 10

    def sniff(self, path: Path, head: bytes) -> bool:
        """Whether this format reads `path` (see :meth:`Loader.sniff`)."""
        if "tfevents" in path.name and (not head or tfrecord.looks_like_tfrecord(head)):
            return True
        return tfrecord.looks_like_tfrecord(head) and b"brain.Event" in head[:256]

    def group(self, paths: list[Path], root: Path, given_file: bool) -> list[Unit]:
        """One unit per run directory, its event files in name order (their creation order)."""
        by_dir: dict[Path, list[Path]] = {}
        for p in paths:
            by_dir.setdefault(p.parent, []).append(p)
        return [
            Unit(
                self,
                sorted(files, key=lambda p: p.name),
                root,
                given_file,
                sum(file_size(p) for p in files),
            )
            for _, files in sorted(by_dir.items(), key=lambda kv: str(kv[0]))
        ]

    def reader(self, unit: Unit, ctx: Context) -> TensorBoardReader:
        """A resumable reader of the run directory's event files."""
        return TensorBoardReader(ctx.pure_python)


@dataclass
class _FileState:
    """What was read of one event file: its cursor, columns, counts and hyperparameters."""

    cursor: Cursor = field(default_factory=Cursor)
    chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=list
    )
    points: int = 0
    stats: dict[str, int] = field(default_factory=dict)
    starts: list[tuple[int, int]] = field(default_factory=list)  # (point index in file, step)
    hparams: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str = ""


class TensorBoardReader(Reader):
    """The event files of one run directory, read from where the last read stopped.

    One parser serves every file of the run, so tags keep one id. The files are read in
    name order; each file keeps its own columns, so the run's records are in file order
    however the polls interleave, as a fresh read has them.
    """

    def __init__(self, pure_python: bool = False) -> None:
        self.parser = tfrecord.new_parser(pure_python)
        self.tags: list[str] = []
        self.files: dict[Path, _FileState] = {}

    def read(self, unit: Unit, ctx: Context, *, final: bool) -> int:
        """Read the complete records added to each event file; return the bytes consumed."""
        consumed = 0
        for path in unit.paths:
            state = self.files.get(path)
            if state is None or state.cursor.restart_needed(path):
                state = self.files[path] = _FileState()
                state.cursor.restart_needed(path)  # note the file's identity
            if state.chunks and file_size(path) == state.cursor.offset:
                continue
            start = state.cursor.offset
            try:
                cols = tfrecord.read_event_file(
                    str(path),
                    self.parser,
                    start=start,
                    final=final,
                    keep=True,
                    on_bytes=ctx.progress,
                )
            except OSError as err:
                state.error = f"unreadable file ({err.strerror or err})"
                continue
            state.error = ""
            self.tags.extend(cols.tags)
            tag, step, value, wall = tfrecord.take_columns(self.parser)
            state.starts.extend((state.points + p, st) for p, st in cols.session_starts)
            if step.size:
                state.chunks.append((tag, step, value, wall))
                state.points += int(step.size)
            for k, v in cols.stats.items():
                state.stats[k] = state.stats.get(k, 0) + int(v)
            entry = FileEntry(str(path), TensorBoardLoader.name)
            _collect_hparams(cols, self.tags, state.hparams, entry)
            state.notes.extend(n for n in entry.notes if n not in state.notes)
            state.cursor.offset = cols.end_offset
            consumed += cols.end_offset - start
        for gone in set(self.files) - set(unit.paths):
            del self.files[gone]
        return consumed

    def produce(self, unit: Unit, ctx: Context) -> list[Table | MetaOnly | FileEntry]:
        """The run's table (all files in name order) and one report entry per file."""
        run_dir = unit.paths[0].parent
        entries: list[FileEntry] = []
        hparams: dict[str, Any] = {}
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        files: list[tuple[FileEntry, int, int]] = []
        launches: list[int] = []
        starts: list[tuple[int, int]] = []
        offset, prev_launch = 0, None
        for path in unit.paths:
            state = self.files.get(path, _FileState())
            entry = FileEntry(str(path), TensorBoardLoader.name)
            entries.append(entry)
            if state.error:
                entry.skip(state.error)
                continue
            entry.points = state.points
            for key, why in _SKIP_REASONS.items():
                entry.skip(why, state.stats.get(key, 0))
            if state.stats.get("truncated_bytes"):
                entry.note(
                    "the file ends with an incomplete record (a job killed mid-write?);"
                    " every complete record before it was read"
                )
            if state.stats.get("records", 0) == 0 and not state.stats.get("corrupt_bytes"):
                entry.note("empty file" if file_size(path) == 0 else "no complete record")
            elif state.points == 0:
                entry.note("no scalars")
            for note in state.notes:
                entry.note(note)
            hparams.update(state.hparams)
            if not state.points:
                continue
            parts.extend(state.chunks)
            starts.extend((offset + p, st) for p, st in state.starts)
            files.append((entry, offset, offset + state.points))
            launch = launch_key(path)
            if prev_launch is not None and launch != prev_launch:
                launches.append(offset)
            prev_launch = launch
            offset += state.points
        if offset == 0:
            if hparams:
                return [*entries, MetaOnly(run_dir, hparam_coords(hparams))]
            return list(entries)
        name = ctx.run_name(run_dir, unit.root)
        for entry, _, _ in files:
            entry.runs.append(name)
        cols = [_join([p[i] for p in parts]) for i in range(4)]
        table = Table(
            key=(TensorBoardLoader.name, str(run_dir.resolve())),
            name=name,
            metrics=list(self.tags),
            metric=cols[0],
            step=cols[1],
            value=cols[2],
            wall_time=cols[3],
            meta={
                "source": str(run_dir),
                "format": TensorBoardLoader.name,
                **hparam_coords(hparams),
            },
            alt=f" ({TensorBoardLoader.name})",
            files=files,
            session_starts=starts,
            launches=launches,
        )
        return [*entries, table]


def _join(arrays: list[np.ndarray]) -> np.ndarray:
    """One array from parts, without a copy when there is only one."""
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def _collect_hparams(
    cols: tfrecord.EventColumns, tags: list[str], hparams: dict[str, Any], entry: FileEntry
) -> None:
    for tag_id, kind, _step, _wall, content, text in cols.extras:
        tag = tags[tag_id] if 0 <= tag_id < len(tags) else ""
        if kind == tfrecord.KIND_HPARAMS and tag.endswith("session_start_info"):
            hparams.update(tfrecord.decode_hparams_plugin_data(content))
        elif kind == tfrecord.KIND_TEXT and tag in ("args/text_summary", "args"):
            try:
                args = json.loads(text.decode("utf-8", "replace"))
            except ValueError:
                entry.note(f"text summary {tag!r} is not JSON; not used as hyperparameters")
                continue
            if isinstance(args, dict):
                hparams.update({k: _plain(v) for k, v in args.items() if _plain(v) is not None})


def _plain(v: Any) -> Any:
    """Hyperparameter values as numbers or strings (lists and None become text or go)."""
    if v is None:
        return None
    if isinstance(v, dict):
        out = {k: _plain(x) for k, x in v.items()}
        return {k: x for k, x in out.items() if x is not None} or None
    if isinstance(v, (bool, int, float, str)):
        return v
    return json.dumps(v)


register(TensorBoardLoader())
