"""Record formats: JSONL, JSON, CSV (long, wide and W&B panel exports), verl console logs.

JSONL: one object a line, the step in ``step``, ``global_step``, ``_step``,
``current_steps``, … (or ``step_key=``); nested objects are flattened with ``/``; verl's
file logger shape ``{"step": N, "data": {...}}`` is unwrapped. A :class:`JSONLReader`
reads a file as a stream from a byte offset and stops after the last complete line, so a
line being written waits for the next read: the same reader serves a load and every
poll of :class:`rlexplore.live.Follower`.

Bad records are skipped one by one and counted in the report: a malformed line, a step
that is not a whole number or does not fit int64 (steps are kept exact, never passed
through float), a value too large for float64, a record nested deeper than
:data:`~rlexplore.io.base.MAX_DEPTH`.

A JSON file holding one object without a step (``args.json``, ``config.json``, a verl or
TRL config) is not a run: its flat scalar fields become the ``hp.*`` coordinates of the
runs of its directory.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..dataset.build import hparam_coords
from .base import (
    ANSI,
    BOM,
    MAX_DEPTH,
    Context,
    Cursor,
    FileEntry,
    Interner,
    Loader,
    MetaOnly,
    Reader,
    Table,
    Unit,
    decode_text,
    depth,
    first_line,
    first_lines,
    is_binary,
    literal_dict,
    register,
    step_problem,
    table_from_records,
    text_head,
    to_number,
    to_step,
    value_problem,
)

STEP_KEYS = (
    "step",
    "global_step",
    "_step",
    "current_steps",
    "train/global_step",
    "iteration",
    "iter",
    "update",
    "Step",
)
WALL_KEYS = ("_timestamp", "wall_time", "timestamp")
MAX_JSON_SNIFF = 64 << 20
STEP_KEY_WINDOW = 50  # records looked at to choose the step key
SNIFF_LINES = 6  # JSONL: lines looked at (most must be objects; a corrupt first one is fine)
#: a JSON object without a step is a config when its name holds one of these words
CONFIG_WORDS = ("config", "args", "hparam", "hyperparam", "param", "setting", "cfg")


# --------------------------------------------------------------------------- shared


class _Collector:
    """Accumulates points of one run from records (dicts)."""

    def __init__(self, entry: FileEntry, step_key: str | None) -> None:
        self.entry = entry
        self.step_key = step_key
        self.metrics = Interner()
        self.m: list[int] = []
        self.s: list[int] = []
        self.v: list[float] = []
        self.w: list[float] = []
        self.has_wall = False
        self.index = 0

    def choose_step_key(self, records: list[dict[str, Any]]) -> None:
        """Pick the step field from the first records (unless given)."""
        if self.step_key is not None:
            return
        for key in STEP_KEYS:
            if any(
                to_step(_unwrap(r).get(key)) is not None or to_step(r.get(key)) is not None
                for r in records[:STEP_KEY_WINDOW]
            ):
                self.step_key = key
                return
        self.step_key = ""
        self.entry.note(
            "no step key: the record index is the step (pass step_key= to choose a field)"
        )

    def add(self, rec: dict[str, Any]) -> None:
        """Add the points of one record (bad records and values are counted, not raised)."""
        entry = self.entry
        step_val = rec.get(self.step_key) if self.step_key else None
        data = _unwrap(rec)
        items = _flatten(data)
        if items is None:
            entry.skip("records nested too deeply")
            return
        if self.step_key and step_val is None:
            step_val = data.get(self.step_key)
        if self.step_key:
            step = to_step(step_val)
            if step is None:
                entry.skip(
                    step_problem(step_val) or f"records without a whole-number {self.step_key!r}"
                )
                return
        else:
            step = self.index
        self.index += 1
        wall = math.nan
        for wk in WALL_KEYS:
            x = to_number(data.get(wk))
            if x is not None and 1e8 < x < 1e13:
                wall = x / 1000.0 if x > 1e11 else x
                self.has_wall = True
                break
        for key, v in items:
            if key == self.step_key or key in WALL_KEYS:
                continue
            if isinstance(v, list):
                entry.skip("non-scalar values (lists)")
                continue
            if isinstance(v, dict):  # a W&B media or histogram object
                entry.skip("non-scalar values (objects)")
                continue
            x = to_number(v)
            if x is None:
                entry.skip(value_problem(v))
                continue
            self.m.append(self.metrics(key))
            self.s.append(step)
            self.v.append(x)
            self.w.append(wall)

    def table(self, key: Any, name: str, meta: dict[str, Any], alt: str) -> Table | None:
        if not self.s:
            return None
        return table_from_records(
            key,
            name,
            self.metrics.names,
            self.m,
            self.s,
            self.v,
            self.w if self.has_wall else None,
            self.entry,
            meta=meta,
            alt=alt,
        )


def _unwrap(rec: dict[str, Any]) -> dict[str, Any]:
    """Verl's file logger writes {"step": N, "data": {...}}."""
    data = rec.get("data")
    if isinstance(data, dict) and set(rec) <= {"step", "data", "global_step", "timestamp"}:
        out = dict(data)
        for k in ("step", "global_step", "timestamp"):
            if k in rec and k not in out:
                out[k] = rec[k]
        return out
    return rec


def _flatten(d: dict[str, Any], max_depth: int = MAX_DEPTH) -> list[tuple[str, Any]] | None:
    """``(a/b/c, value)`` of nested objects, in order; None when they nest past `max_depth`.

    Iterative, so that no record can exhaust Python's stack (W&B media objects, which
    carry a ``_type``, stay whole).
    """
    out: list[tuple[str, Any]] = []
    stack = [(iter(d.items()), "", 1)]
    while stack:
        items, prefix, level = stack[-1]
        for k, v in items:
            name = f"{prefix}{k}"
            if isinstance(v, dict) and "_type" not in v:
                if level >= max_depth:
                    return None
                stack.append((iter(v.items()), name + "/", level + 1))
                break
            out.append((name, v))
        else:
            stack.pop()
    return out


def _is_whole(v: Any) -> bool:
    return to_step(v) is not None


def _name_for(ctx: Context, unit: Unit, path: Path) -> str:
    return ctx.run_name(path.parent, unit.root, path)


# --------------------------------------------------------------------------- JSONL


@dataclass
class JSONLReader:
    """A resumable reader of one JSONL file: what was read so far, and where to go on.

    Each :meth:`read` parses the complete lines after :attr:`offset` as a stream (one
    line in memory at a time) and feeds their points to the run's collector, so memory
    is bounded by the points kept, not by the file size. The step key is chosen from
    the first :data:`STEP_KEY_WINDOW` records, as a fresh read of the file would.
    """

    path: Path
    step_key: str | None = None
    offset: int = 0
    line_no: int = 0
    entry: FileEntry = field(init=False)
    bad_lines: list[int] = field(default_factory=list)
    _window: list[dict[str, Any]] = field(default_factory=list)
    _collector: _Collector | None = None

    def __post_init__(self) -> None:
        self.entry = FileEntry(str(self.path), JSONLLoader.name)

    def read(self, *, final: bool = True) -> int:
        """Read the complete lines after :attr:`offset`; return the bytes consumed.

        With ``final=False`` a last line without its newline is left for a later call
        (a writer may be in the middle of it); with ``final=True`` it is parsed too.
        """
        start = self.offset
        for rec in self.records(final):
            if self._collector is None:
                self._window.append(rec)
                if len(self._window) >= STEP_KEY_WINDOW:
                    self._decide()
            else:
                self._collector.add(rec)
        if final and self._collector is None and self._window:
            self._decide()
        return self.offset - start

    def _decide(self) -> None:
        col = _Collector(self.entry, self.step_key)
        col.choose_step_key(self._window)
        for rec in self._window:
            col.add(rec)
        self._window = []
        self._collector = col

    def records(self, final: bool) -> Iterator[dict[str, Any]]:
        """The JSON objects of the complete lines after :attr:`offset`, moving it on.

        Bad lines are counted in :attr:`entry` (and numbered in :attr:`bad_lines`).
        """
        entry = self.entry
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            for line in f:
                complete = line.endswith(b"\n")
                if not complete and not final:
                    break
                self.offset += len(line)
                self.line_no += 1
                s = line.strip()
                if self.line_no == 1 and s.startswith(BOM):
                    s = s[len(BOM) :].strip()
                if not s:
                    continue
                try:
                    rec = json.loads(s.decode("utf-8", "replace"))
                except RecursionError:
                    entry.skip("records nested too deeply")
                    continue
                except ValueError:
                    entry.skip("malformed JSON lines" if complete else "incomplete last line")
                    if len(self.bad_lines) < 10:
                        self.bad_lines.append(self.line_no)
                    continue
                if not isinstance(rec, dict):
                    entry.skip("lines that are not JSON objects")
                    continue
                yield rec

    def table(self, name: str, alt: str) -> tuple[FileEntry, Table | None]:
        """A copy of the report entry so far, and the table of every point read so far.

        Until the step key is decided (fewer than :data:`STEP_KEY_WINDOW` records and
        not final) the records seen are collected in a throw-away collector.
        """
        col = self._collector
        if col is None and self._window:
            col = _Collector(FileEntry(str(self.path), JSONLLoader.name), self.step_key)
            col.choose_step_key(self._window)
            for rec in self._window:
                col.add(rec)
        entry = copy.deepcopy(self.entry if col is None else col.entry)
        if col is not None and col.entry is not self.entry:  # the throw-away one
            for why, n in self.entry.skipped.items():
                entry.skip(why, n)
        if self.bad_lines:
            entry.note(f"unreadable lines: {', '.join(map(str, self.bad_lines))}")
        if col is None:
            entry.note("no JSON records")
            return entry, None
        if not col.s:
            return entry, None
        t = table_from_records(
            (JSONLLoader.name, str(self.path.resolve())),
            name,
            list(col.metrics.names),
            col.m,
            col.s,
            col.v,
            col.w if col.has_wall else None,
            entry,
            meta={"source": str(self.path), "format": JSONLLoader.name},
            alt=alt,
        )
        return entry, t


def read_jsonl(
    path: str | Path, *, start: int = 0, final: bool = True
) -> tuple[list[dict[str, Any]], int, dict[str, int], list[int]]:
    """Parse the complete lines of a JSONL file from byte offset `start`.

    A list of every record, for callers that want them all; loading streams the file
    through a :class:`JSONLReader` instead.

    Returns
    -------
    records, end_offset, skipped, bad_lines
        ``end_offset`` is the offset after the last complete line; with
        ``final=False`` an unterminated last line is left for a later call.
        ``skipped`` counts skipped lines by reason; ``bad_lines`` gives (up to 10)
        their numbers, counted from `start`.
    """
    reader = JSONLReader(Path(path))
    reader.offset = start
    records = list(reader.records(final))
    return records, reader.offset, dict(reader.entry.skipped), list(reader.bad_lines)


class JSONLLoader(Loader):
    """JSON Lines, read as a stream (see :class:`JSONLReader`)."""

    name = "jsonl"
    description = "JSON Lines: one object a line (W&B history, verl file logger, LLaMA-Factory …)"
    priority = 40

    def sniff(self, path: Path, head: bytes) -> bool:
        """A JSONL file: most of its first lines (however long) are JSON objects.

        The first object must hold a number. A file that is one JSON object without a
        step (a config), and a Trainer state, are not JSONL runs.
        """
        if is_binary(head):
            return False
        lines = first_lines(path, head, SNIFF_LINES)
        if lines and lines[0].startswith(BOM):
            lines[0] = lines[0][len(BOM) :]
        parsed = [_json_object(line) for line in lines]
        good = [r for r in parsed if r is not None]
        if not good or len(good) * 2 < len(parsed):
            return False
        first = good[0]
        if _is_trainer_state(first) or _is_config(path, first, head) or _is_sample_dump(first):
            return False
        return any(
            to_number(v) is not None
            for _, v in _flatten(_unwrap(first)) or []
            if not isinstance(v, (dict, list))
        )

    def reader(self, unit: Unit, ctx: Context) -> JSONLFileReader:
        """A resumable reader of the unit's file."""
        return JSONLFileReader(ctx.options.get("step_key"))


class JSONLFileReader(Reader):
    """The :class:`Reader` of a JSONL unit: a :class:`JSONLReader`, anew if the file is replaced."""

    def __init__(self, step_key: str | None) -> None:
        self.step_key = step_key
        self.state: JSONLReader | None = None
        self.cursor = Cursor()

    def read(self, unit: Unit, ctx: Context, *, final: bool) -> int:
        """Read the complete lines appended since the last read."""
        path = unit.paths[0]
        if self.state is None or self.cursor.restart_needed(path):
            self.state = JSONLReader(path, self.step_key)
            self.cursor = Cursor()
            self.cursor.restart_needed(path)
        n = self.state.read(final=final)
        self.cursor.offset = self.state.offset
        ctx.progress(n)
        return n

    def produce(self, unit: Unit, ctx: Context) -> list[Table | MetaOnly | FileEntry]:
        """The report entry and the table of every line read so far."""
        path = unit.paths[0]
        if self.state is None:
            self.state = JSONLReader(path, self.step_key)
        entry, t = self.state.table(_name_for(ctx, unit, path), "/" + path.stem)
        out: list[Table | MetaOnly | FileEntry] = [entry]
        return out + ([t] if t is not None else [])


def _json_object(line: bytes) -> dict[str, Any] | None:
    """A line parsed as a JSON object of bounded depth, or None."""
    try:
        rec = json.loads(decode_text(line))
    except (ValueError, RecursionError):
        return None
    return rec if isinstance(rec, dict) and depth(rec) <= MAX_DEPTH else None


def _is_sample_dump(first: dict[str, Any]) -> bool:
    """A rollout dump (verl's ``<step>.jsonl``: prompt and completion text per line).

    Its numbers are per-sample rewards, not a run's metrics: :func:`rlexplore.load_samples`
    reads it, and :func:`rlexplore.sample_metrics` turns it into curves.
    """
    return isinstance(first.get("input"), str) and isinstance(first.get("output"), str)


def _is_config(path: Path, first: dict[str, Any], head: bytes) -> bool:
    """A file holding one JSON object without a step: a config, not a run."""
    if any(to_step(first.get(k)) is not None for k in STEP_KEYS):
        return False
    if any(to_step(_unwrap(first).get(k)) is not None for k in STEP_KEYS):
        return False
    if _config_name(path):
        return True
    try:
        size = path.stat().st_size
    except OSError:
        return False
    return size <= len(head) and head.strip().count(b"\n") == 0


class JSONLoader(Loader):
    """JSON documents: a list of records, one record (a W&B summary), or a config."""

    name = "json"
    description = (
        "JSON: a list of records with a step key, one record (W&B summary), or a config "
        "object (args.json, config.json: its scalars become the run's hp.*)"
    )
    priority = 30

    def sniff(self, path: Path, head: bytes) -> bool:
        """A JSON document with records that have a step, or a config object."""
        h = head[len(BOM) :] if head.startswith(BOM) else head
        h = h.lstrip()
        if not h.startswith((b"[", b"{")):
            return False
        if path.stat().st_size > MAX_JSON_SNIFF:
            return False
        lines = first_lines(path, head, 2)
        if len(lines) == 2 and _json_object(lines[0]) is not None:
            return False  # one object a line: JSONL, not one document (and not read whole)
        doc = _parse(path.read_bytes())
        if isinstance(doc, _Bad):
            return False
        recs = _json_records(doc)
        if recs:
            return any(any(_is_whole(r.get(k)) for k in STEP_KEYS) for r in recs[:50])
        return _config_fields(doc, path) is not None

    def read(self, unit: Unit, ctx: Context) -> Iterable[Table | FileEntry | MetaOnly]:
        """Read the whole document."""
        path = unit.paths[0]
        entry = FileEntry(str(path), self.name)
        raw = path.read_bytes()
        ctx.progress(len(raw))
        doc = _parse(raw)
        if isinstance(doc, _Bad):
            entry.skip(doc.why)
            return [entry]
        recs = _json_records(doc)
        if not recs:
            hp = _config_fields(doc, path)
            if hp is not None:
                entry.format = "config"
                entry.note(
                    f"a config, not a run: {len(hp)} scalar fields become hp.* of the "
                    "runs in its directory"
                )
                return [entry, MetaOnly(path.parent, hparam_coords(hp), config=True)]
            if isinstance(doc, dict) and "global_step" in doc and "log_history" not in doc:
                entry.note("a trainer_state.json without log_history: no logged values")
            else:
                entry.note("no records with a step")
            return [entry]
        if isinstance(doc, dict) and "_wandb" in doc:
            entry.note("a W&B run summary: the last value of each metric, placed at _step")
        col = _Collector(entry, ctx.options.get("step_key"))
        col.choose_step_key(recs)
        for rec in recs:
            col.add(rec)
        t = col.table(
            (self.name, str(path.resolve())),
            _name_for(ctx, unit, path),
            {"source": str(path), "format": self.name},
            "/" + path.stem,
        )
        return [entry] + ([t] if t is not None else [])


@dataclass
class _Bad:
    why: str


def _parse(raw: bytes) -> Any:
    """A JSON document, or :class:`_Bad` saying why not (never a RecursionError)."""
    try:
        return json.loads(decode_text(raw))
    except RecursionError:
        return _Bad("documents nested too deeply")
    except ValueError as err:
        return _Bad(f"malformed JSON ({err})")


def _json_records(doc: Any) -> list[dict[str, Any]]:
    if isinstance(doc, list):
        return [r for r in doc if isinstance(r, dict)]
    if isinstance(doc, dict):
        if "log_history" in doc or _is_trainer_state(doc):
            return []
        if any(to_step(doc.get(k)) is not None for k in STEP_KEYS):
            return [{k: v for k, v in doc.items() if k != "_wandb"}]
    return []


def _is_trainer_state(doc: dict[str, Any]) -> bool:
    """A Trainer state (with or without log_history): never a record."""
    return "global_step" in doc and bool(
        {"best_metric", "is_world_process_zero", "trial_name", "log_history"} & set(doc)
    )


def _config_name(path: Path) -> bool:
    """Whether the name says config (``args.json``, ``config.json``, ``hparams.json`` …).

    Other objects without a step (``all_results.json``, ``eval_results.json``) are final
    results, neither runs nor hyperparameters.
    """
    stem = path.stem.lower()
    return any(w in stem for w in CONFIG_WORDS)


def _config_fields(doc: Any, path: Path) -> dict[str, Any] | None:
    """The flat scalar fields of a config object (one object without a step), or None."""
    if not isinstance(doc, dict) or not doc or not _config_name(path) or depth(doc) > MAX_DEPTH:
        return None
    if _is_trainer_state(doc) or any(k in doc for k in STEP_KEYS if k != "update"):
        return None
    flat = {}
    for key, v in _flatten(doc) or []:
        text = isinstance(v, str) and len(v) <= 200
        if isinstance(v, bool) or text or to_number(v) is not None and not isinstance(v, str):
            flat[key] = v
    return flat or None


# --------------------------------------------------------------------------- CSV

_WANDB_SEP = " - "


class CSVLoader(Loader):
    """CSV tables: long, wide, and W&B panel exports."""

    name = "csv"
    description = "CSV: long (run, metric, step, value), wide (a step column), W&B panel export"
    priority = 45

    def sniff(self, path: Path, head: bytes) -> bool:
        """A CSV whose header (however long; a BOM is fine) names a step column."""
        cols = _header(path, head)
        if cols is None or len(cols) < 2:
            return False
        names = {c.strip() for c in cols}
        return (
            _is_wandb_header(cols)
            or {"run", "metric", "step", "value"} <= names
            or any(k in names for k in STEP_KEYS)
        )

    def read(self, unit: Unit, ctx: Context) -> Iterable[Table | FileEntry]:
        """Read the whole table."""
        path = unit.paths[0]
        raw = path.read_bytes()
        ctx.progress(len(raw))
        rows, bad = _csv_rows(decode_text(raw).replace("\x00", ""))
        is_wandb = bool(rows) and _is_wandb_header(rows[0])
        entry = FileEntry(str(path), "wandb_csv" if is_wandb else self.name)
        entry.skip("malformed CSV rows (a field over 128 KiB, say)", bad)
        if len(rows) < 2:
            entry.note("no data rows")
            return [entry]
        header = [c.strip() for c in rows[0]]
        body = rows[1:]
        if is_wandb:
            return [entry, *_read_wandb_csv(header, body, entry, path)]
        if {"run", "metric", "step", "value"} <= set(header):
            return [entry, *_read_long_csv(header, body, entry, path)]
        return [entry, *_read_wide_csv(header, body, entry, path, ctx, unit)]


class WandbCSVLoader(CSVLoader):
    """W&B panel exports only (``format="wandb_csv"``); ``"auto"`` finds them too."""

    name = "wandb_csv"
    description = "W&B panel CSV export: Step, <run> - <metric>, <run> - <metric>__MIN/__MAX"
    priority = 44

    def sniff(self, path: Path, head: bytes) -> bool:
        """A CSV whose header is ``<x>, <run> - <metric>, …``."""
        cols = _header(path, head)
        return cols is not None and _is_wandb_header(cols)


def _csv_rows(text: str) -> tuple[list[list[str]], int]:
    """The rows of a CSV text, and how many rows were malformed (skipped one by one)."""
    reader = csv.reader(io.StringIO(text))
    rows: list[list[str]] = []
    bad = 0
    while True:
        try:
            rows.append(next(reader))
        except StopIteration:
            return rows, bad
        except csv.Error:
            bad += 1


def _header(path: Path, head: bytes) -> list[str] | None:
    """The header row of a CSV file (the first line, however long), or None."""
    if is_binary(head):
        return None
    line = first_line(path, head)
    if line is None:
        return None
    try:
        return next(csv.reader([decode_text(line)]), None)
    except csv.Error:
        return None


def _is_wandb_header(cols: list[str]) -> bool:
    cols = [c.strip() for c in cols]
    return (
        len(cols) >= 2
        and bool(cols[0])  # the x axis ("Step")
        and _WANDB_SEP not in cols[0]
        and any(_WANDB_SEP in c for c in cols[1:])
        and all(_WANDB_SEP in c for c in cols[1:] if c)
    )


def split_wandb_columns(cols: list[str]) -> list[tuple[str, str]]:
    """``(run, metric)`` of W&B export headers ``<run> - <metric>``.

    Run names often contain " - " (``GRPO - seed1 - train/reward``), metric names
    rarely: each header is split at its last " - ". Then, by consistency across the
    headers, a "run" that is another run's name plus " - <x>" and logs other metrics
    than it is that run, with " - " inside the metric (``run - kl - mean`` next to
    ``run - loss``: run ``run``, metrics ``kl - mean`` and ``loss``).
    """
    pairs = [c.rpartition(_WANDB_SEP)[::2] for c in cols]
    metrics: dict[str, set[str]] = {}
    for run, metric in pairs:
        metrics.setdefault(run, set()).add(metric)

    def owner(run: str) -> str | None:
        head = run
        while _WANDB_SEP in head:
            head = head.rpartition(_WANDB_SEP)[0]
            if head in metrics and metrics[head] != metrics[run]:
                return head
        return None

    out = []
    for run, metric in pairs:
        base = owner(run)
        if base is not None:
            metric = run[len(base) + len(_WANDB_SEP) :] + _WANDB_SEP + metric
            run = base
        out.append((run, metric))
    return out


def _cell(s: str) -> tuple[bool, float | None]:
    """(present, number) of a CSV cell: empty cells are missing."""
    s = s.strip()
    if s == "":
        return False, None
    return True, to_number(s)


def _step_cell(s: str) -> tuple[int | None, str]:
    """The exact int64 step of a CSV cell, or None and why not."""
    step = to_step(s)
    if step is not None:
        return step, ""
    return None, step_problem(s)


def _read_wandb_csv(
    header: list[str], body: list[list[str]], entry: FileEntry, path: Path
) -> list[Table]:
    xname = header[0]
    runs: dict[str, list[tuple[int, str]]] = {}
    named = [(j, c) for j, c in enumerate(header[1:], start=1) if _WANDB_SEP in c]
    for (j, _), (run, metric) in zip(named, split_wandb_columns([c for _, c in named])):
        runs.setdefault(run, []).append((j, metric))
    xs = [_cell(r[0])[1] if r else None for r in body]
    x_steps = [_step_cell(r[0]) if r else (None, "") for r in body]
    x_is_step = xname.lower() in ("step", "_step", "global_step", "train/global_step") or all(
        x is not None for x, _ in x_steps
    )
    tables = []
    for run, cols in runs.items():
        step_col = next((j for j, metric in cols if metric == "_step"), None)
        if x_is_step:
            how = f"the {xname!r} column"
        elif step_col is not None:
            how = f"the {run!r} - _step column"
        else:
            how = "the row number"
            entry.note(
                f"run {run!r}: the x axis {xname!r} is not a step and there is no "
                "_step column; the row number is the step"
            )
        col = _Collector(entry, None)
        for i, row in enumerate(body):
            if x_is_step:
                step, why = x_steps[i]
            elif step_col is not None:
                step, why = _step_cell(row[step_col]) if step_col < len(row) else (None, "")
            else:
                step, why = i, ""
            present_any = False
            for j, metric in cols:
                if j == step_col or j >= len(row):
                    continue
                present, x = _cell(row[j])
                if not present:
                    continue
                if x is None:
                    entry.skip("non-numeric values")
                    continue
                if step is None:
                    entry.skip(why or f"values without a whole-number step ({how})")
                    continue
                present_any = True
                col.m.append(col.metrics(metric))
                col.s.append(step)
                col.v.append(x)
            xv = xs[i]
            if present_any and not x_is_step and xv is not None and step is not None:
                col.m.append(col.metrics(xname))
                col.s.append(step)
                col.v.append(xv)
        if not x_is_step and step_col is not None:
            entry.note(f"x axis {xname!r} is kept as a metric; steps come from _step")
        t = col.table(
            ("wandb", run), run, {"source": str(path), "format": "wandb_csv"}, f" ({path.stem})"
        )
        if t is not None:
            tables.append(t)
    return tables


def _read_long_csv(
    header: list[str], body: list[list[str]], entry: FileEntry, path: Path
) -> list[Table]:
    idx = {c: header.index(c) for c in ("run", "metric", "step", "value")}
    wi = header.index("wall_time") if "wall_time" in header else None
    per_run: dict[str, _Collector] = {}
    for row in body:
        if len(row) < len(header):
            entry.skip("short rows")
            continue
        step, why = _step_cell(row[idx["step"]])
        if step is None:
            entry.skip(why or "rows without a whole-number step")
            continue
        present, x = _cell(row[idx["value"]])
        if not present:
            continue
        if x is None:
            entry.skip("non-numeric values")
            continue
        run = row[idx["run"]]
        col = per_run.setdefault(run, _Collector(entry, None))
        col.m.append(col.metrics(row[idx["metric"]]))
        col.s.append(step)
        col.v.append(x)
        w = _cell(row[wi])[1] if wi is not None else None
        col.w.append(math.nan if w is None else w)
        col.has_wall = col.has_wall or w is not None
    return [
        t
        for run, c in per_run.items()
        if (
            t := c.table(
                ("csv", str(path.resolve()), run),
                run,
                {"source": str(path), "format": "csv"},
                f" ({path.stem})",
            )
        )
    ]


def _read_wide_csv(
    header: list[str], body: list[list[str]], entry: FileEntry, path: Path, ctx: Context, unit: Unit
) -> list[Table]:
    step_key = ctx.options.get("step_key")
    if step_key is None:
        step_key = next((k for k in STEP_KEYS if k in header), None)
    if step_key is None or step_key not in header:
        entry.note("no step column")
        return []
    si = header.index(step_key)
    ri = header.index("run") if "run" in header else None
    wi = header.index("wall_time") if "wall_time" in header else None
    default = _name_for(ctx, unit, path)
    per_run: dict[str, _Collector] = {}
    metric_cols = [(j, c) for j, c in enumerate(header) if j not in (si, ri, wi) and c]
    for row in body:
        if len(row) < len(header):
            row = row + [""] * (len(header) - len(row))
        step, why = _step_cell(row[si])
        if step is None:
            entry.skip(why or "rows without a whole-number step")
            continue
        run = row[ri] if ri is not None else default
        col = per_run.setdefault(run, _Collector(entry, None))
        w = _cell(row[wi])[1] if wi is not None else None
        for j, name in metric_cols:
            present, x = _cell(row[j])
            if not present:
                continue
            if x is None:
                entry.skip("non-numeric values")
                continue
            col.m.append(col.metrics(name))
            col.s.append(step)
            col.v.append(x)
            col.w.append(math.nan if w is None else w)
            col.has_wall = col.has_wall or w is not None
    return [
        t
        for run, c in per_run.items()
        if (
            t := c.table(
                ("csv", str(path.resolve()), run),
                run,
                {"source": str(path), "format": "csv"},
                "/" + path.stem,
            )
        )
    ]


# --------------------------------------------------------------------------- verl console

_VERL_STEP = re.compile(r"(?:^|\s)step:(-?\d+) - (.*)$")
_VERL_DICT = re.compile(r"(Initial|Final) validation metrics: (\{.*\})")
_RAY_PREFIX = re.compile(r"^\s*\([^()]*pid=\d+[^()]*\)\s*")


class VerlConsoleLoader(Loader):
    """verl's console log: ``step:N - key:value - …`` lines."""

    name = "verl_console"
    description = "verl console log (step:N - key:value - …), ANSI codes and Ray prefixes stripped"
    priority = 70

    def sniff(self, path: Path, head: bytes) -> bool:
        """Whether this format reads `path` (see :meth:`Loader.sniff`)."""
        if head.lstrip()[:1] in (b"{", b"["):
            return False
        text = text_head(path, head)
        if text is None:
            return False
        for line in text.splitlines():
            m = _VERL_STEP.search(ANSI.sub("", line))
            if m and ":" in m.group(2):
                return True
        return False

    def read(self, unit: Unit, ctx: Context) -> Iterable[Table | FileEntry]:
        """Read one unit (see :meth:`Loader.read`)."""
        path = unit.paths[0]
        entry = FileEntry(str(path), self.name)
        raw = path.read_bytes()
        ctx.progress(len(raw))
        col = _Collector(entry, None)
        last_step = None
        for line in raw.decode("utf-8", "replace").splitlines():
            line = _RAY_PREFIX.sub("", ANSI.sub("", line)).strip()
            m = _VERL_STEP.search(line)
            if m:
                step = to_step(m.group(1))
                if step is None:
                    entry.skip("out-of-range steps (beyond int64)")
                    continue
                last_step = step
                for item in m.group(2).split(" - "):
                    item = item.strip().rstrip("-").strip()
                    if not item:
                        continue
                    key, sep, val = item.rpartition(":")
                    if not sep or not key:
                        entry.skip("items that are not key:value")
                        continue
                    x = to_number(val)
                    if x is None:
                        entry.skip("non-numeric values")
                        continue
                    col.m.append(col.metrics(key.strip()))
                    col.s.append(step)
                    col.v.append(x)
                continue
            dm = _VERL_DICT.search(line)
            if dm:
                d = literal_dict(dm.group(2))
                if isinstance(d, dict):
                    step = last_step if last_step is not None else 0
                    entry.note(f"{dm.group(1).lower()} validation metrics placed at step {step}")
                    for key, v in d.items():
                        x = to_number(v)
                        if x is None:
                            entry.skip("non-numeric values")
                            continue
                        col.m.append(col.metrics(str(key)))
                        col.s.append(step)
                        col.v.append(x)
        if not col.s:
            entry.note("no step lines")
            return [entry]
        t = col.table(
            (self.name, str(path.resolve())),
            _name_for(ctx, unit, path),
            {"source": str(path), "format": self.name},
            "/" + path.stem,
        )
        return [entry, t]  # type: ignore[list-item]


register(JSONLoader())
register(JSONLLoader())
register(CSVLoader())
register(WandbCSVLoader())
register(VerlConsoleLoader())
