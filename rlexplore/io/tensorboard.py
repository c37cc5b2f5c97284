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
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..dataset.build import hparam_coords
from . import tfrecord
from .base import Context, FileEntry, Loader, MetaOnly, Table, Unit, _size, register

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
    name = "tensorboard"
    description = "TensorBoard event files (events.out.tfevents.*): simple_value and scalar tensors"
    priority = 10

    def sniff(self, path: Path, head: bytes) -> bool:
        if "tfevents" in path.name and (not head or tfrecord.looks_like_tfrecord(head)):
            return True
        return tfrecord.looks_like_tfrecord(head) and b"brain.Event" in head[:256]

    def group(self, paths: list[Path], root: Path, given_file: bool) -> list[Unit]:
        by_dir: dict[Path, list[Path]] = {}
        for p in paths:
            by_dir.setdefault(p.parent, []).append(p)
        return [
            Unit(
                self,
                sorted(files, key=lambda p: p.name),
                root,
                given_file,
                sum(_size(p) for p in files),
            )
            for _, files in sorted(by_dir.items(), key=lambda kv: str(kv[0]))
        ]

    def read(self, unit: Unit, ctx: Context) -> Iterable[Table | MetaOnly]:
        run_dir = unit.paths[0].parent
        parser = tfrecord.new_parser(ctx.pure_python)
        tags: list[str] = []
        parts: list[tfrecord.EventColumns] = []
        entries: list[FileEntry] = []
        hparams: dict[str, Any] = {}
        for path in unit.paths:
            entry = FileEntry(str(path), self.name)
            entries.append(entry)
            try:
                cols = tfrecord.read_event_file(str(path), parser, on_bytes=ctx.progress, keep=True)
            except OSError as err:
                entry.skip(f"unreadable file ({err.strerror or err})")
                parts.append(tfrecord.EventColumns())
                continue
            tags.extend(cols.tags)
            entry.points = int(cols.stats.get("points", 0))
            for key, why in _SKIP_REASONS.items():
                entry.skip(why, cols.stats.get(key, 0))
            if cols.stats.get("truncated_bytes"):
                entry.note(
                    "the file ends with an incomplete record (a job killed mid-write?);"
                    " every complete record before it was read"
                )
            if cols.stats.get("records", 0) == 0 and not cols.stats.get("corrupt_bytes"):
                entry.note("empty file" if _size(path) == 0 else "no complete record")
            elif entry.points == 0:
                entry.note("no scalars")
            _collect_hparams(cols, tags, hparams, entry)
            parts.append(cols)
        metric, step, value, wall = tfrecord.take_columns(parser)
        n = int(step.size)
        meta = {"source": str(run_dir), "format": self.name, **hparam_coords(hparams)}
        if n == 0:
            if hparams:
                return [*entries, MetaOnly(run_dir, hparam_coords(hparams))]
            return entries
        name = ctx.run_name(run_dir, unit.root)
        files, launches, starts = [], [], []
        offset = 0
        prev_launch = None
        for cols, entry, path in zip(parts, entries, unit.paths):
            k = entry.points
            starts.extend(cols.session_starts)  # already index the accumulated columns
            if not k:
                continue
            files.append((entry, offset, offset + k))
            key = launch_key(path)
            if prev_launch is not None and key != prev_launch:
                launches.append(offset)
            prev_launch = key
            offset += k
            entry.runs.append(name)
        parts.clear()
        table = Table(
            key=(self.name, str(run_dir.resolve())),
            name=name,
            metrics=tags,
            metric=metric,
            step=step,
            value=value,
            wall_time=wall,
            meta=meta,
            alt=f" ({self.name})",
            files=files,
            session_starts=starts,
            launches=launches,
        )
        return [*entries, table]


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
