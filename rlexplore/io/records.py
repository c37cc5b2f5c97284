"""Record formats: JSONL, JSON, CSV (long, wide and W&B panel exports), verl console logs.

JSONL: one object a line, the step in ``step``, ``global_step``, ``_step``,
``current_steps``, … (or ``step_key=``); nested objects are flattened with ``/``; verl's
file logger shape ``{"step": N, "data": {...}}`` is unwrapped. :func:`read_jsonl` reads
from a byte offset and returns the offset after the last complete line, so a line being
written waits for the next read.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .base import (
    Context,
    FileEntry,
    Interner,
    Loader,
    Table,
    Unit,
    register,
    table_from_records,
)
from .hf import _ANSI, _literal_dict, _text_head, to_number

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
        if self.step_key is not None:
            return
        for key in STEP_KEYS:
            if any(_is_whole(_unwrap(r).get(key)) or _is_whole(r.get(key)) for r in records[:50]):
                self.step_key = key
                return
        self.step_key = ""
        self.entry.note(
            "no step key: the record index is the step (pass step_key= to choose a field)"
        )

    def add(self, rec: dict[str, Any]) -> None:
        entry = self.entry
        step_val = rec.get(self.step_key) if self.step_key else None
        data = _unwrap(rec)
        if self.step_key and step_val is None:
            step_val = data.get(self.step_key)
        if self.step_key:
            if not _is_whole(step_val):
                entry.skip(f"records without a whole-number {self.step_key!r}")
                return
            step = int(to_number(step_val))  # type: ignore[arg-type]
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
        for key, v in _flatten(data):
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
                entry.skip("null values" if v is None else "non-numeric values")
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


def _flatten(d: dict[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for k, v in d.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict) and "_type" not in v:
            yield from _flatten(v, name + "/")
        else:
            yield name, v


def _is_whole(v: Any) -> bool:
    x = to_number(v) if not isinstance(v, bool) else None
    return x is not None and math.isfinite(x) and x == int(x)


def _name_for(ctx: Context, unit: Unit, path: Path) -> str:
    return ctx.run_name(path.parent, unit.root, path)


# --------------------------------------------------------------------------- JSONL


def read_jsonl(
    path: str | Path, *, start: int = 0, final: bool = True
) -> tuple[list[dict[str, Any]], int, dict[str, int], list[int]]:
    """Parse the complete lines of a JSONL file from byte offset `start`.

    Returns
    -------
    records, end_offset, skipped, bad_lines
        ``end_offset`` is the offset after the last complete line; with
        ``final=False`` an unterminated last line is left for a later call.
        ``skipped`` counts malformed lines; ``bad_lines`` gives (up to 10) their numbers.
    """
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read()
    end = len(data)
    if not final:
        cut = data.rfind(b"\n") + 1
        data = data[:cut]
        end = cut
    records: list[dict[str, Any]] = []
    skipped: dict[str, int] = {}
    bad: list[int] = []
    lines = data.split(b"\n")
    for i, line in enumerate(lines, start=1):
        s = line.strip()
        if not s:
            continue
        try:
            rec = json.loads(s.decode("utf-8", "replace"))
        except ValueError:
            last = i == len(lines) and not data.endswith(b"\n")
            why = "incomplete last line" if last else "malformed JSON lines"
            skipped[why] = skipped.get(why, 0) + 1
            if len(bad) < 10:
                bad.append(i)
            continue
        if not isinstance(rec, dict):
            skipped["lines that are not JSON objects"] = (
                skipped.get("lines that are not JSON objects", 0) + 1
            )
            continue
        records.append(rec)
    return records, start + end, skipped, bad


class JSONLLoader(Loader):
    name = "jsonl"
    description = "JSON Lines: one object a line (W&B history, verl file logger, LLaMA-Factory …)"
    priority = 40

    def sniff(self, path: Path, head: bytes) -> bool:
        if b"\x00" in head:
            return False
        lines = [ln for ln in head.split(b"\n") if ln.strip()]
        if not lines:
            return False
        complete = lines[:-1] if not head.endswith(b"\n") and len(lines) > 1 else lines
        parsed = []
        for ln in complete[:6]:
            try:
                parsed.append(json.loads(ln.decode("utf-8")))
            except (ValueError, UnicodeDecodeError):
                parsed.append(None)
        first = parsed[0]
        good = sum(isinstance(r, dict) for r in parsed)
        if not isinstance(first, dict) or good * 2 < len(parsed):
            return False
        return any(
            to_number(v) is not None
            for _, v in _flatten(_unwrap(first))
            if not isinstance(v, (dict, list))
        )

    def read(self, unit: Unit, ctx: Context) -> Iterable[Table | FileEntry]:
        path = unit.paths[0]
        entry = FileEntry(str(path), self.name)
        records, end, skipped, bad = read_jsonl(path)
        ctx.progress(end)
        for why, n in skipped.items():
            entry.skip(why, n)
        if bad:
            entry.note(f"unreadable lines: {', '.join(map(str, bad))}")
        if not records:
            entry.note("no JSON records")
            return [entry]
        col = _Collector(entry, ctx.options.get("step_key"))
        col.choose_step_key(records)
        for rec in records:
            col.add(rec)
        t = col.table(
            (self.name, str(path.resolve())),
            _name_for(ctx, unit, path),
            {"source": str(path), "format": self.name},
            "/" + path.stem,
        )
        return [entry] + ([t] if t is not None else [])


class JSONLoader(Loader):
    name = "json"
    description = "JSON: a list of records with a step key, or one record (W&B summary)"
    priority = 30

    def sniff(self, path: Path, head: bytes) -> bool:
        h = head.lstrip()
        if not h.startswith((b"[", b"{")):
            return False
        if path.stat().st_size > MAX_JSON_SNIFF:
            return False
        try:
            doc = json.loads(path.read_bytes().decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return False
        recs = _json_records(doc)
        return bool(recs) and any(any(_is_whole(r.get(k)) for k in STEP_KEYS) for r in recs[:50])

    def read(self, unit: Unit, ctx: Context) -> Iterable[Table | FileEntry]:
        path = unit.paths[0]
        entry = FileEntry(str(path), self.name)
        raw = path.read_bytes()
        ctx.progress(len(raw))
        try:
            doc = json.loads(raw.decode("utf-8", "replace"))
        except ValueError as err:
            entry.skip(f"malformed JSON ({err})")
            return [entry]
        recs = _json_records(doc)
        if not recs:
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


def _json_records(doc: Any) -> list[dict[str, Any]]:
    if isinstance(doc, list):
        return [r for r in doc if isinstance(r, dict)]
    if isinstance(doc, dict):
        if "log_history" in doc:
            return []
        if any(k in doc for k in STEP_KEYS):
            return [{k: v for k, v in doc.items() if k != "_wandb"}]
    return []


# --------------------------------------------------------------------------- CSV

_WANDB_COL = re.compile(r"^(.+?) - (.+)$")


class CSVLoader(Loader):
    name = "csv"
    description = "CSV: long (run, metric, step, value), wide (a step column), W&B panel export"
    priority = 45

    def sniff(self, path: Path, head: bytes) -> bool:
        if b"\x00" in head:
            return False
        try:
            first = head.decode("utf-8").splitlines()[0]
        except (UnicodeDecodeError, IndexError):
            return False
        cols = next(csv.reader([first]), [])
        if len(cols) < 2:
            return False
        names = {c.strip() for c in cols}
        return (
            _is_wandb_header(cols)
            or {"run", "metric", "step", "value"} <= names
            or any(k in names for k in STEP_KEYS)
        )

    def read(self, unit: Unit, ctx: Context) -> Iterable[Table | FileEntry]:
        path = unit.paths[0]
        raw = path.read_bytes()
        ctx.progress(len(raw))
        text = raw.decode("utf-8-sig", "replace")
        rows = list(csv.reader(io.StringIO(text)))
        is_wandb = bool(rows) and _is_wandb_header(rows[0])
        entry = FileEntry(str(path), "wandb_csv" if is_wandb else self.name)
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


def _is_wandb_header(cols: list[str]) -> bool:
    cols = [c.strip() for c in cols]
    return (
        len(cols) >= 2
        and " - " not in cols[0]
        and any(_WANDB_COL.match(c) for c in cols[1:])
        and all(_WANDB_COL.match(c) for c in cols[1:] if c)
    )


def _cell(s: str) -> tuple[bool, float | None]:
    """(present, number) of a CSV cell: empty cells are missing."""
    s = s.strip()
    if s == "":
        return False, None
    return True, to_number(s)


def _read_wandb_csv(
    header: list[str], body: list[list[str]], entry: FileEntry, path: Path
) -> list[Table]:
    xname = header[0]
    runs: dict[str, list[tuple[int, str]]] = {}
    for j, col in enumerate(header[1:], start=1):
        m = _WANDB_COL.match(col)
        if m:
            runs.setdefault(m.group(1), []).append((j, m.group(2)))
    xs = [_cell(r[0])[1] if r else None for r in body]
    x_is_step = xname.lower() in ("step", "_step", "global_step", "train/global_step") or all(
        x is not None and math.isfinite(x) and x == int(x) for x in xs
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
                step = xs[i]
            elif step_col is not None:
                step = _cell(row[step_col])[1] if step_col < len(row) else None
            else:
                step = float(i)
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
                if step is None or not math.isfinite(step) or step != int(step):
                    entry.skip(f"values without a whole-number step ({how})")
                    continue
                present_any = True
                col.m.append(col.metrics(metric))
                col.s.append(int(step))
                col.v.append(x)
            if present_any and not x_is_step and xs[i] is not None:
                col.m.append(col.metrics(xname))
                col.s.append(int(step))  # type: ignore[arg-type]
                col.v.append(xs[i])  # type: ignore[arg-type]
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
        present, step = _cell(row[idx["step"]])
        if step is None or not math.isfinite(step) or step != int(step):
            entry.skip("rows without a whole-number step")
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
        col.s.append(int(step))
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
        _, step = _cell(row[si])
        if step is None or not math.isfinite(step) or step != int(step):
            entry.skip("rows without a whole-number step")
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
            col.s.append(int(step))
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
    name = "verl_console"
    description = "verl console log (step:N - key:value - …), ANSI codes and Ray prefixes stripped"
    priority = 70

    def sniff(self, path: Path, head: bytes) -> bool:
        if head.lstrip()[:1] in (b"{", b"["):
            return False
        text = _text_head(path, head)
        if text is None:
            return False
        for line in text.splitlines():
            m = _VERL_STEP.search(_ANSI.sub("", line))
            if m and ":" in m.group(2):
                return True
        return False

    def read(self, unit: Unit, ctx: Context) -> Iterable[Table | FileEntry]:
        path = unit.paths[0]
        entry = FileEntry(str(path), self.name)
        raw = path.read_bytes()
        ctx.progress(len(raw))
        col = _Collector(entry, None)
        last_step = None
        for line in raw.decode("utf-8", "replace").splitlines():
            line = _RAY_PREFIX.sub("", _ANSI.sub("", line)).strip()
            m = _VERL_STEP.search(line)
            if m:
                step = int(m.group(1))
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
                d = _literal_dict(dm.group(2))
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
register(VerlConsoleLoader())
