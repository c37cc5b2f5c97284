"""MLflow: the file store (``mlruns/``) and the SQLite store (``mlflow.db``).

A run is an MLflow run, named by its ``mlflow.runName`` tag; its params become ``hp.*``
coordinates. Metric files of the file store hold lines ``timestamp value step`` (older
stores: ``timestamp value``, step 0); timestamps are milliseconds. The SQLite store keeps
NaN as ``is_nan`` and ±Inf as ±DBL_MAX, which are turned back into ±Inf here so that
both stores load to the same values.
"""

from __future__ import annotations

import math
import os
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..dataset.build import hparam_coords
from .base import (
    Context,
    FileEntry,
    Interner,
    Loader,
    Table,
    Unit,
    file_size,
    register,
    special_kind,
    step_problem,
    table_from_records,
    to_step,
)

DBL_MAX = sys.float_info.max


def _read_meta(path: Path) -> dict[str, str]:
    """The flat ``key: value`` lines of an MLflow meta.yaml (no YAML library needed)."""
    out: dict[str, str] = {}
    try:
        text = path.read_text("utf-8", "replace")
    except OSError:
        return out
    for line in text.splitlines():
        if line[:1] in (" ", "\t", "-") or ":" not in line:
            continue
        k, _, v = line.partition(":")
        v = v.strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
            v = v[1:-1]
        out[k.strip()] = v
    return out


def _is_run_dir(d: Path) -> bool:
    return (d / "meta.yaml").is_file() and (d / "metrics").is_dir()


def _is_experiment_dir(d: Path) -> bool:
    meta = d / "meta.yaml"
    if not meta.is_file():
        return False
    m = _read_meta(meta)
    return "experiment_id" in m and "run_uuid" not in m and "run_id" not in m


def _walk_values(base: Path) -> Iterable[tuple[str, Path]]:
    """(key, file) under a metrics/, params/ or tags/ folder; keys may contain '/'."""
    if not base.is_dir():
        return
    for dirpath, _, files in os.walk(base):
        for f in sorted(files):
            p = Path(dirpath) / f
            if special_kind(p) is None:  # a FIFO would block: never opened
                yield p.relative_to(base).as_posix(), p


class MLflowFileLoader(Loader):
    """An MLflow file store (``mlruns/``): every run of every experiment."""

    name = "mlflow"
    description = "MLflow file store (mlruns/<experiment>/<run>/metrics/<key>)"
    priority = 5

    def sniff(self, path: Path, head: bytes) -> bool:
        """Whether this format reads `path` (see :meth:`Loader.sniff`)."""
        return False  # a directory format: see claim_dir

    def claim_dir(self, path: Path) -> bool:
        """Whether `path` is a directory of this format (see :meth:`Loader.claim_dir`)."""
        if not path.is_dir():
            return False
        if _is_experiment_dir(path) or _is_run_dir(path):
            return True
        # the store root: holds experiment folders
        return any(_is_experiment_dir(c) for c in _subdirs(path)) and all(
            c.name.isdigit()
            or c.name.startswith(".")
            or c.name == "models"
            or _is_experiment_dir(c)
            for c in _subdirs(path)
        )

    def read(self, unit: Unit, ctx: Context) -> Iterable[Table | FileEntry]:
        """Read one unit (see :meth:`Loader.read`)."""
        top = unit.paths[0]
        if _is_run_dir(top):
            exp_dirs = [(top.parent, [top])]
        elif _is_experiment_dir(top):
            exp_dirs = [(top, [c for c in _subdirs(top) if _is_run_dir(c)])]
        else:
            exp_dirs = [
                (e, [c for c in _subdirs(e) if _is_run_dir(c)])
                for e in _subdirs(top)
                if _is_experiment_dir(e)
            ]
        out: list[Any] = []
        for exp_dir, run_dirs in exp_dirs:
            exp_name = _read_meta(exp_dir / "meta.yaml").get("name", exp_dir.name)
            for run_dir in run_dirs:
                out.extend(self._read_run(run_dir, exp_name, ctx))
        return out

    def _read_run(self, run_dir: Path, exp_name: str, ctx: Context) -> list[Any]:
        meta = _read_meta(run_dir / "meta.yaml")
        entry = FileEntry(str(run_dir), self.name)
        if meta.get("lifecycle_stage") == "deleted":
            entry.note("deleted run; not loaded")
            return [entry]
        run_id = meta.get("run_id") or meta.get("run_uuid") or run_dir.name
        tags = {k: _read_text(p) for k, p in _walk_values(run_dir / "tags")}
        params = {k: _param(_read_text(p)) for k, p in _walk_values(run_dir / "params")}
        name = tags.get("mlflow.runName") or meta.get("run_name") or run_id
        metrics = Interner()
        m_idx, steps, values, walls = [], [], [], []
        for key, p in _walk_values(run_dir / "metrics"):
            try:
                text = p.read_text("utf-8", "replace")
            except OSError as err:
                entry.skip(f"unreadable metric files ({err.strerror or err})")
                continue
            ctx.progress(len(text))
            for line in text.splitlines():
                parts = line.split()
                if not parts:
                    continue
                try:
                    ts = float(parts[0])
                    val = float(parts[1])
                except (ValueError, IndexError):
                    entry.skip("malformed metric lines")
                    continue
                step = to_step(parts[2]) if len(parts) > 2 else 0
                if step is None:
                    entry.skip(step_problem(parts[2]) or "malformed metric lines")
                    continue
                m_idx.append(metrics(key))
                steps.append(step)
                values.append(val)
                walls.append(ts / 1000.0)
        run_meta = {
            "source": str(run_dir),
            "format": self.name,
            "experiment": exp_name,
            "run_id": run_id,
            **hparam_coords(params),
        }
        if "mlflow.parentRunId" in tags:
            run_meta["parent_run_id"] = tags["mlflow.parentRunId"]
        if not steps:
            entry.note("no metrics (params only)" if params else "no metrics")
            return [entry]
        return [
            entry,
            table_from_records(
                ("mlflow", run_id),
                name,
                metrics.names,
                m_idx,
                steps,
                values,
                walls,
                entry,
                meta=run_meta,
                alt=f" ({run_id[:8]})",
            ),
        ]


class MLflowSQLiteLoader(Loader):
    """An MLflow SQLite tracking database (``mlflow.db``)."""

    name = "mlflow_sqlite"
    description = "MLflow SQLite store (mlflow.db)"
    priority = 6

    def sniff(self, path: Path, head: bytes) -> bool:
        """Whether this format reads `path` (see :meth:`Loader.sniff`)."""
        if not head.startswith(b"SQLite format 3\x00"):
            return False
        try:
            with _connect(path) as con:
                names = {
                    r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
                }
        except sqlite3.Error:
            return False
        return {"metrics", "runs", "experiments"} <= names

    def read(self, unit: Unit, ctx: Context) -> Iterable[Table | FileEntry]:
        """Read one unit (see :meth:`Loader.read`)."""
        path = unit.paths[0]
        entry = FileEntry(str(path), self.name)
        ctx.progress(file_size(path))
        out: list[Any] = [entry]
        try:
            con = _connect(path)
        except sqlite3.Error as err:
            entry.skip(f"unreadable database ({err})")
            return out
        try:
            exps = dict(con.execute("SELECT experiment_id, name FROM experiments"))
            runs = con.execute(
                "SELECT run_uuid, name, experiment_id, lifecycle_stage FROM runs "
                "ORDER BY start_time, run_uuid"
            ).fetchall()
            params: dict[str, dict[str, Any]] = {}
            for key, value, run in con.execute("SELECT key, value, run_uuid FROM params"):
                params.setdefault(run, {})[key] = _param(value)
            tags: dict[str, dict[str, str]] = {}
            for key, value, run in con.execute("SELECT key, value, run_uuid FROM tags"):
                tags.setdefault(run, {})[key] = value
            per_run: dict[str, tuple[Interner, list, list, list, list]] = {}
            for key, value, ts, run, step, is_nan in con.execute(
                "SELECT key, value, timestamp, run_uuid, step, is_nan FROM metrics ORDER BY rowid"
            ):
                rec = per_run.get(run)
                if rec is None:
                    rec = per_run[run] = (Interner(), [], [], [], [])
                x = math.nan if is_nan else float(value)
                if x == DBL_MAX:
                    x = math.inf
                elif x == -DBL_MAX:
                    x = -math.inf
                rec[1].append(rec[0](key))
                rec[2].append(int(step))
                rec[3].append(x)
                rec[4].append(float(ts) / 1000.0)
        except sqlite3.Error as err:
            entry.skip(f"unreadable database ({err})")
            return out
        finally:
            con.close()
        for run_id, run_name, exp_id, stage in runs:
            if stage == "deleted" or run_id not in per_run:
                continue
            names, m_idx, steps, values, walls = per_run[run_id]
            t = tags.get(run_id, {})
            name = t.get("mlflow.runName") or run_name or run_id
            meta = {
                "source": str(path),
                "format": self.name,
                "experiment": exps.get(exp_id, str(exp_id)),
                "run_id": run_id,
                **hparam_coords(params.get(run_id, {})),
            }
            if "mlflow.parentRunId" in t:
                meta["parent_run_id"] = t["mlflow.parentRunId"]
            out.append(
                table_from_records(
                    ("mlflow", run_id),
                    name,
                    names.names,
                    m_idx,
                    steps,
                    values,
                    walls,
                    entry,
                    meta=meta,
                    alt=f" ({run_id[:8]})",
                )
            )
        return out


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)


def _subdirs(path: Path) -> list[Path]:
    try:
        return sorted(c for c in path.iterdir() if c.is_dir())
    except OSError:
        return []


def _read_text(p: Path) -> str:
    try:
        return p.read_text("utf-8", "replace").strip()
    except OSError:
        return ""


def _param(text: str) -> Any:
    """MLflow params are strings: numbers become numbers."""
    try:
        x = float(text)
    except (TypeError, ValueError):
        return text
    return int(x) if x.is_integer() and "." not in text and "e" not in text.lower() else x


register(MLflowFileLoader())
register(MLflowSQLiteLoader())
