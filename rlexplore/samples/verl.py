"""verl rollout and validation dumps: ``<dir>/<step>.jsonl``, one JSON object per sample.

verl's ``RayPPOTrainer._dump_generations`` (``trainer.rollout_data_dir`` and
``trainer.validation_data_dir``) writes each line with ``json.dumps(..., ensure_ascii=False)``:
``input``, ``output``, ``gts`` (when present), ``score``, ``step``, then one key per extra
reward value (``acc``, ``pred``, ...). Samples keep the extra keys under their own names,
``score`` becomes ``reward`` and ``input``/``output`` become ``prompt``/``completion``.

A file is read line by line: a line that is not a JSON object with an ``output`` is skipped
and counted, every good line is kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from ..io import FileEntry
from .text import normalize

NAME = "verl"
_STEP_FILE = re.compile(r"^(\d+)\.jsonl$")
#: directory names verl's configs and examples use for validation dumps
EVAL_DIRS = ("val", "valid", "validation", "validation_data", "val_generations", "eval")


def named_like(path: Path) -> bool:
    """Whether `path` has the name of verl's dumps (``<step>.jsonl``)."""
    return bool(_STEP_FILE.match(path.name))


def sniff(path: Path) -> bool:
    """Whether `path` looks like one of verl's dumps: ``<step>.jsonl`` with a sample among its first lines.

    Up to 20 lines are looked at, so a corrupt first line does not hide the file's good rows.
    """
    if not _STEP_FILE.match(path.name):
        return False
    try:
        with open(path, "rb") as f:
            for _ in range(20):
                line = f.readline(1 << 20)
                if not line:
                    return False
                if line.lstrip().startswith(b"{") and b'"output"' in line:
                    return True
    except OSError:
        return False
    return False


def split_of(path: Path) -> str:
    """``"eval"`` for a validation dump (by its directory's name), else ``"train"``."""
    name = path.parent.name.lower()
    return "eval" if name in EVAL_DIRS or "valid" in name else "train"


def run_dir(path: Path) -> Path:
    """The run a dump belongs to: the directory holding the dump directory.

    verl's rollout and validation directories are two siblings of one run, so both map to
    the same run.
    """
    return path.parent.parent


def records(path: Path, entry: FileEntry) -> Iterator[dict[str, Any]]:
    """The good records of one dump, in file order; bad lines are counted in `entry`."""
    fallback = _STEP_FILE.match(path.name)
    with open(path, "rb") as f:
        for raw in f:
            line = raw.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                complete = raw.endswith(b"\n")
                entry.skip("malformed JSON lines" if complete else "incomplete final lines")
                continue
            if not isinstance(rec, dict) or "output" not in rec:
                entry.skip("lines that are not a sample (no 'output')")
                continue
            step = rec.get("step")
            if isinstance(step, bool) or not isinstance(step, (int, float)) or step != step:
                if fallback is None:
                    entry.skip("samples without a step")
                    continue
                step = int(fallback.group(1))
            rec["step"] = int(step)
            yield rec


def read(path: Path, entry: FileEntry) -> pd.DataFrame:
    """One dump as sample rows: ``step``, ``prompt``, ``completion``, ``reward``, the rest by name."""
    cols: dict[str, list[Any]] = {"step": [], "prompt": [], "completion": []}
    n = 0
    for rec in records(path, entry):
        cols["step"].append(rec.pop("step"))
        cols["prompt"].append(normalize(rec.pop("input", "")))
        cols["completion"].append(normalize(rec.pop("output", "")))
        if "score" in rec:
            rec["reward"] = rec.pop("score")
        for key, value in rec.items():
            col = cols.get(key)
            if col is None:
                col = cols[key] = [None] * n
            col.append(value)
        n += 1
        for col in cols.values():
            if len(col) < n:
                col.append(None)
    entry.points += n
    return pd.DataFrame(cols)
