"""The ``completions`` tables of W&B offline runs (TRL logs its samples there too).

An offline run keeps each logged table as ``files/media/table/<key>_<wandb step>_<hash>.table.json``
(``{"columns": [...], "data": [[...], ...]}``). TRL's table has the same columns as its
Parquet file, ``step`` included. TRL logs a training table and, at a step with an evaluation,
a second table of evaluation samples after it: of two tables with the same ``step`` the later
(by W&B step) is marked ``split="eval"``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..io import FileEntry
from .text import normalize

NAME = "wandb_table"
_FILE = re.compile(r"^completions_(\d+)_([0-9a-f]+)\.table\.json$")


def sniff(path: Path) -> bool:
    """Whether `path` is a ``completions`` table file of a W&B run directory."""
    return bool(_FILE.match(path.name)) and path.parent.name == "table"


def run_dir(path: Path) -> Path:
    """The offline run directory (``offline-run-<time>-<id>``) holding ``files/media/table/``."""
    return path.parents[3]


def content_hash(path: Path) -> str:
    """The content hash W&B put in the table's file name (equal tables, equal hashes)."""
    m = _FILE.match(path.name)
    return m.group(2) if m else path.name


def wandb_step(path: Path) -> int:
    """The W&B history step the table was logged at (from its file name)."""
    m = _FILE.match(path.name)
    return int(m.group(1)) if m else 0


def run_info(directory: Path) -> tuple[str | None, str, dict[str, Any]]:
    """A run's display name (None when it has none), its id and its config, via :func:`rlexplore.load`.

    Reading the run file needs the ``wandb`` package; without it the id comes from the
    directory name and the config is empty.
    """
    run_id = directory.name.rsplit("-", 1)[-1]
    try:
        import wandb  # noqa: F401
    except ImportError:
        return None, run_id, {}
    from ..io import load

    try:
        ds = load(directory)
    except ValueError:  # RLExploreError: a run with no history yet
        return None, run_id, {}
    name = str(ds.run.values[0])
    found = str(ds["run_id"].values[0]) if "run_id" in ds.coords else run_id
    config = {str(k)[3:]: ds.coords[k].values[0] for k in ds.coords if str(k).startswith("hp.")}
    return (None if name == found else name), found, config


def read(path: Path, entry: FileEntry) -> pd.DataFrame:
    """One table file as sample rows (``split`` is set later, across the run's tables)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "completion" not in data.get("columns", []):
        entry.skip("unreadable file (not a completions table)")
        return pd.DataFrame()
    columns = [str(c) for c in data["columns"]]
    rows = [r for r in data.get("data", []) if isinstance(r, list) and len(r) == len(columns)]
    entry.skip("malformed table rows", len(data.get("data", [])) - len(rows))
    df = pd.DataFrame(rows, columns=columns)
    for col in ("prompt", "completion"):
        df[col] = [normalize(v) for v in df[col]] if col in df.columns else ""
    df["step"] = (
        pd.to_numeric(df["step"], errors="coerce") if "step" in df.columns else wandb_step(path)
    )
    bad = df["step"].isna()
    if bad.any():
        entry.skip("samples without a step", int(bad.sum()))
        df = df[~bad]
    df["step"] = df["step"].astype("int64")
    df["_wandb_step"] = wandb_step(path)
    entry.points += len(df)
    return df.reset_index(drop=True)
