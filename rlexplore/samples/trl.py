"""TRL's ``GRPOTrainer`` samples: ``<output_dir>/completions/completions_<step:05d>.parquet``.

With ``log_completions=True`` TRL (checked on 1.16) writes, at every ``log()`` call, the
samples of its last generation batch: ``step``, ``prompt``, ``completion`` (strings, or lists
of ``{role, content}`` messages for conversational data), one column per reward function
(its ``__name__``), the columns reward functions added with ``log_extra``, and
``advantage``. The total reward is not written; TRL computes it as the ``nansum`` of the
reward columns times ``reward_weights`` (see :func:`weighted_reward`).

Evaluation: TRL's ``log()`` writes the same file name during evaluation, so the training
samples of a step with an evaluation are overwritten by evaluation samples. The file
itself does not say so; the run's ``trainer_state.json`` does (its ``log_history`` has
``eval_*`` keys at that step), and those rows are marked ``split="eval"``. Without a
``trainer_state.json`` the rows stay ``"train"`` and the report says they may be evaluation
samples.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import missing_extra
from ..io import FileEntry
from .text import normalize

NAME = "trl"
_FILE = re.compile(r"^completions_(\d+)\.parquet$")
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


def named_like(path: Path) -> bool:
    """Whether `path` has the name of TRL's completions files."""
    return bool(_FILE.match(path.name))


def sniff(path: Path) -> bool:
    """Whether `path` is named like TRL's completions file and is a Parquet file."""
    if not _FILE.match(path.name):
        return False
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"PAR1"
    except OSError:
        return False


def parquet() -> Any:
    """``pyarrow.parquet``, or an error naming the extra that installs it."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise missing_extra("pyarrow", "samples") from None
    return pq


def run_dir(path: Path) -> Path:
    """The run's ``output_dir``: the directory holding ``completions/``."""
    return path.parent.parent


def read(path: Path, entry: FileEntry) -> pd.DataFrame:
    """One completions file as sample rows (``split`` from the run's trainer state)."""
    pq = parquet()

    table = pq.read_table(path)
    df = table.to_pandas()
    if "completion" not in df.columns:
        entry.skip("unreadable file (no 'completion' column)")
        return pd.DataFrame()
    if "step" not in df.columns:
        m = _FILE.match(path.name)
        df.insert(0, "step", int(m.group(1)) if m else 0)
    steps = pd.to_numeric(df["step"], errors="coerce")  # older TRL wrote the step as text
    bad = steps.isna()
    if bad.any():
        entry.skip("samples without a step", int(bad.sum()))
        df, steps = df[~bad], steps[~bad]
    df["step"] = steps.astype(np.int64)
    for col in ("prompt", "completion"):
        if col in df.columns:
            df[col] = [normalize(v) for v in df[col]]
        else:
            df[col] = ""
    evals = eval_steps(run_dir(path))
    if evals is None:
        entry.note(
            "no trainer_state.json: TRL writes evaluation samples into the file of the step "
            "they were logged at, so some of these rows may be evaluation samples"
        )
        df["split"] = "train"
    else:
        df["split"] = np.where(df["step"].isin(sorted(evals)), "eval", "train")
        if df["split"].eq("eval").any():
            entry.note(
                "TRL wrote this step's evaluation samples over its training samples: "
                "rows marked split='eval'"
            )
    entry.points += len(df)
    return df.reset_index(drop=True)


def eval_steps(output_dir: Path) -> set[int] | None:
    """The steps at which the run logged an evaluation, from its newest ``trainer_state.json``.

    None when the run has no trainer state (or it is unreadable).
    """
    candidates = [output_dir / "trainer_state.json"]
    ckpts = [
        (int(m.group(1)), d)
        for d in (output_dir.iterdir() if output_dir.is_dir() else [])
        if (m := _CHECKPOINT.match(d.name))
    ]
    candidates += [d / "trainer_state.json" for _, d in sorted(ckpts, reverse=True)]
    for c in candidates:
        try:
            history = json.loads(c.read_text(encoding="utf-8"))["log_history"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        return {
            int(r["step"])
            for r in history
            if isinstance(r, dict)
            and isinstance(r.get("step"), (int, float))
            and any(str(k).startswith("eval_") for k in r)
        }
    return None


def weighted_reward(
    df: pd.DataFrame, weights: Mapping[str, float] | Sequence[float], columns: Sequence[str] = ()
) -> pd.Series:
    """TRL's total reward: ``nansum`` of the reward columns times their weights.

    Parameters
    ----------
    df : pandas.DataFrame
        Samples with one column per reward function.
    weights : mapping or sequence of float
        ``{column: weight}``, or the weights in the order of `columns` (TRL's
        ``reward_weights`` with its ``reward_funcs``' names).
    columns : sequence of str, optional
        The reward columns, when `weights` is a sequence.

    Returns
    -------
    pandas.Series
        NaN where every reward column is NaN (TRL leaves such samples unscored).
    """
    if not isinstance(weights, Mapping):
        if len(columns) != len(weights):
            from ..errors import RLExploreError

            raise RLExploreError(
                f"{len(weights)} reward weights for {len(columns)} reward columns {list(columns)}"
            )
        weights = dict(zip(columns, weights))
    missing = [c for c in weights if c not in df.columns]
    if missing:
        from ..errors import RLExploreError

        raise RLExploreError(f"reward columns {missing} not in the samples ({list(df.columns)})")
    values = np.column_stack([df[c].to_numpy(np.float64) * float(w) for c, w in weights.items()])
    total = np.nansum(values, axis=1)
    total[np.isnan(values).all(axis=1)] = np.nan
    return pd.Series(total, index=df.index, name="reward")


def config_weights(config: Mapping[str, Any]) -> list[float] | None:
    """``reward_weights`` from a run's recorded config (a W&B run's), when it is there."""
    w = config.get("reward_weights")
    if isinstance(w, str):
        try:
            w = json.loads(w)
        except ValueError:
            return None
    if isinstance(w, (list, tuple)) and all(isinstance(x, (int, float)) for x in w):
        return [float(x) for x in w]
    return None


def reward_names(output_dir: Path) -> list[str]:
    """The reward functions' names, in TRL's order.

    Which columns are rewards is read from the trainer state (``rewards/<name>/mean``, its
    keys sorted by name); their order (``reward_funcs``' order, that of ``reward_weights``)
    from the completions files, where TRL writes them in that order before the extra columns.
    """
    try:
        history = json.loads((output_dir / "trainer_state.json").read_text(encoding="utf-8"))[
            "log_history"
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    names: list[str] = []
    for rec in history if isinstance(history, list) else []:
        for key in rec if isinstance(rec, dict) else ():
            m = re.match(r"^rewards/(.+)/mean$", str(key))
            if m and m.group(1) not in names:
                names.append(m.group(1))
    files = sorted((output_dir / "completions").glob("completions_*.parquet"))
    if not names or not files:
        return []
    pq = parquet()

    try:
        columns = pq.read_schema(files[0]).names
    except (OSError, ValueError):
        return []
    if not set(names) <= set(columns):
        return []
    return sorted(names, key=columns.index)
