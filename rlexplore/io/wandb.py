"""Weights & Biases offline run directories (``run-*.wandb``), through the ``wandb`` package.

The ``.wandb`` file is W&B's transaction log: a LevelDB-style log (32 KiB blocks of
CRC-checked chunks) of ``wandb_internal_pb2.Record`` protobufs. The framing is read
here; the records are decoded with the ``wandb`` package (``pip install
'rlexplore[wandb]'``). History rows give the points (``_step`` is the step,
``_timestamp`` the wall time); the run's config gives ``hp.*`` coordinates.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..dataset.build import hparam_coords
from ..errors import missing_extra
from .base import (
    Context,
    FileEntry,
    Interner,
    Loader,
    Table,
    Unit,
    register,
    table_from_records,
    to_number,
    to_step,
)

HEADER = b":W&B"
BLOCK = 32768
CHUNK_HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4
_TYPE_CRC = [zlib.crc32(bytes([t])) for t in range(5)]


def read_wandb_log(data: bytes) -> tuple[list[bytes], dict[str, int]]:
    """The records of a ``.wandb`` transaction log, and counts of what was skipped."""
    stats = {"bad_checksum": 0, "truncated_bytes": 0, "malformed": 0}
    if not data.startswith(HEADER) or len(data) < 7:
        raise ValueError("not a W&B transaction log (no :W&B header)")
    records: list[bytes] = []
    pos = 7
    pending: list[bytes] | None = None
    n = len(data)
    while pos < n:
        left = BLOCK - pos % BLOCK
        if left < CHUNK_HEADER:
            pos += left  # block trailer padding
            continue
        if n - pos < CHUNK_HEADER:
            stats["truncated_bytes"] += n - pos
            break
        crc = int.from_bytes(data[pos : pos + 4], "little")
        length = int.from_bytes(data[pos + 4 : pos + 6], "little")
        kind = data[pos + 6]
        if kind == 0 and length == 0 and crc == 0:
            pos += left  # zero padding to the end of the block
            continue
        start = pos + CHUNK_HEADER
        if start + length > n:
            stats["truncated_bytes"] += n - pos
            break
        if length > left - CHUNK_HEADER or kind not in (FULL, FIRST, MIDDLE, LAST):
            stats["malformed"] += 1
            pos += left  # skip the rest of this block
            pending = None
            continue
        chunk = data[start : start + length]
        pos = start + length
        if zlib.crc32(chunk, _TYPE_CRC[kind]) & 0xFFFFFFFF != crc:
            stats["bad_checksum"] += 1
            pending = None
            continue
        if kind == FULL:
            records.append(chunk)
            pending = None
        elif kind == FIRST:
            pending = [chunk]
        elif pending is not None:
            pending.append(chunk)
            if kind == LAST:
                records.append(b"".join(pending))
                pending = None
    return records, stats


class WandbOfflineLoader(Loader):
    """A W&B offline run directory (``run-*.wandb``), decoded with the ``wandb`` package."""

    name = "wandb_offline"
    description = "W&B offline run directory (run-*.wandb, via the wandb package)"
    priority = 7

    def sniff(self, path: Path, head: bytes) -> bool:
        """Whether this format reads `path` (see :meth:`Loader.sniff`)."""
        return head.startswith(HEADER)

    def claim_dir(self, path: Path) -> bool:
        """Whether `path` is a directory of this format (see :meth:`Loader.claim_dir`)."""
        if path.is_file():
            return False
        try:
            return any(p.suffix == ".wandb" and p.name.startswith("run-") for p in path.iterdir())
        except OSError:
            return False

    def read(self, unit: Unit, ctx: Context) -> Iterable[Table | FileEntry]:
        """Read one unit (see :meth:`Loader.read`)."""
        top = unit.paths[0]
        files = (
            [top] if top.is_file() else sorted(p for p in top.glob("run-*.wandb") if p.is_file())
        )
        out: list[Any] = []
        for f in files:
            out.extend(self._read_file(f, ctx))
        return out

    def _read_file(self, path: Path, ctx: Context) -> list[Any]:
        entry = FileEntry(str(path), self.name)
        try:
            from wandb.proto import wandb_internal_pb2 as pb
        except ImportError:
            raise missing_extra("wandb", "wandb") from None
        data = path.read_bytes()
        ctx.progress(len(data))
        try:
            raw_records, stats = read_wandb_log(data)
        except ValueError as err:
            entry.skip(f"error: {err}")
            return [entry]
        entry.skip("chunks with a bad checksum", stats["bad_checksum"])
        entry.skip("malformed chunks", stats["malformed"])
        entry.skip("bytes of an incomplete final record", stats["truncated_bytes"])
        metrics = Interner()
        m_idx, steps, values, walls = [], [], [], []
        run_id = path.stem[len("run-") :] if path.stem.startswith("run-") else path.stem
        name = None
        config: dict[str, Any] = {}
        for raw in raw_records:
            rec = pb.Record()  # type: ignore[attr-defined]
            try:
                rec.ParseFromString(raw)
            except Exception:  # noqa: BLE001 - protobuf's DecodeError
                entry.skip("malformed records")
                continue
            kind = rec.WhichOneof("record_type")
            if kind == "run":
                run_id = rec.run.run_id or run_id
                name = rec.run.display_name or name
                _config_items(rec.run.config.update, config)
            elif kind == "config":
                _config_items(rec.config.update, config)
            elif kind == "history":
                row: dict[str, Any] = {}
                for item in rec.history.item:
                    key = "/".join(item.nested_key) if item.nested_key else item.key
                    try:
                        row[key] = json.loads(item.value_json)
                    except (ValueError, RecursionError):
                        entry.skip("malformed values")
                step = row.pop("_step", None)
                if step is None and rec.history.HasField("step"):
                    step = rec.history.step.num
                step = to_step(step) if isinstance(step, (int, float)) else None
                if step is None:
                    entry.skip("history rows without a whole-number int64 step")
                    continue
                wall = to_number(row.pop("_timestamp", None))
                for key, v in _flat(row):
                    if isinstance(v, (dict, list)):
                        entry.skip("non-scalar values (media, histograms, lists)")
                        continue
                    x = to_number(v)
                    if x is None:
                        entry.skip("null values" if v is None else "non-numeric values")
                        continue
                    m_idx.append(metrics(key))
                    steps.append(step)
                    values.append(x)
                    walls.append(math.nan if wall is None else wall)
        meta = {
            "source": str(path.parent),
            "format": self.name,
            "run_id": run_id,
            **hparam_coords({k: v for k, v in config.items() if not k.startswith("_")}),
        }
        if not steps:
            entry.note("no history rows")
            return [entry]
        return [
            entry,
            table_from_records(
                ("wandb", name or run_id),
                name or run_id,
                metrics.names,
                m_idx,
                steps,
                values,
                walls,
                entry,
                meta=meta,
                alt=f" ({run_id})",
            ),
        ]


def _config_items(items: Iterable[Any], config: dict[str, Any]) -> None:
    for item in items:
        key = "/".join(item.nested_key) if item.nested_key else item.key
        try:
            v = json.loads(item.value_json)
        except (ValueError, RecursionError):
            continue
        if isinstance(v, dict) and set(v) >= {"value"} and set(v) <= {"value", "desc"}:
            v = v["value"]
        if isinstance(v, (list, tuple)):
            v = json.dumps(v)
        if v is not None:
            config[key] = v


def _flat(d: dict[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for k, v in d.items():
        if isinstance(v, dict) and "_type" not in v:
            yield from _flat(v, f"{prefix}{k}/")
        else:
            yield f"{prefix}{k}", v


register(WandbOfflineLoader())
