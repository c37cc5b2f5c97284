"""``rlexplore.load_samples``: every sample file under a log tree → one long DataFrame.

Files are read one by one (one run's files need not share a schema: a reward column can be
null-typed in one file and numbers in the next) and concatenated. Bad input follows the
loaders' rules: a bad line or file is skipped and counted in the load report
(:func:`samples_report`), every good row is kept, a :class:`~rlexplore.RLExploreWarning`
says when input was corrupt, and :class:`~rlexplore.RLExploreError` is raised when nothing
could be read.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import RLExploreError, RLExploreWarning
from ..io import FileEntry, format_report
from . import trl, verl, wandb_tables
from .files import SampleFile, find

#: the columns every samples table starts with, in this order
LEADING = ("run", "step", "sample", "prompt", "completion", "reward")
#: the columns it ends with
TRAILING = ("advantage", "split", "source")
#: the text columns (read lazily by :class:`~rlexplore.samples.SampleSource`)
TEXT = ("prompt", "completion")
REPORT_KEY = "rlexplore_samples_report"
_READERS = {trl.NAME: trl.read, verl.NAME: verl.read, wandb_tables.NAME: wandb_tables.read}
#: skip reasons that mean corrupt input (a warning), not merely something unused
_CORRUPT = ("malformed", "incomplete", "unreadable", "not a sample", "without a step")


def load_samples(
    path: str | os.PathLike[str], *, reward_weights: Mapping[str, float] | None = None
) -> pd.DataFrame:
    r"""Read the samples (prompts, completions, rewards) that trainers wrote under `path`.

    Finds TRL ``completions/completions_<step>.parquet`` files (``GRPOTrainer`` with
    ``log_completions=True``), verl rollout and validation dumps (``<dir>/<step>.jsonl``)
    and, when the ``wandb`` package is installed, the ``completions`` tables of W&B offline
    runs. Runs are named as :func:`rlexplore.load` names the same tree, so a run's samples
    and its curves match by name. For dumps larger than memory use
    :func:`rlexplore.samples.open_samples`, which reads the text of the rows asked for only.

    Parameters
    ----------
    path : str or path-like
        A log directory (searched recursively) or one sample file.
    reward_weights : mapping, optional
        ``{reward column: weight}`` of TRL runs (their ``reward_weights``), to compute
        ``reward``. By default the weights a W&B run in the TRL output directory recorded
        are used, with the reward names of its ``trainer_state.json``; without them TRL
        samples have no ``reward`` column (only the per-function columns).

    Returns
    -------
    pandas.DataFrame
        One row per sample: ``run``, ``step``, ``sample`` (index within the run's step and
        split), ``prompt``, ``completion`` (strings, or lists of ``{"role", "content"}``
        messages for chat data), ``reward`` (verl's ``score``; TRL's weighted sum of its
        reward columns when the weights are known, else absent), every per-function reward
        and extra column under the trainer's own name, ``advantage`` (when written),
        ``split`` (``"train"`` or ``"eval"``) and ``source`` (the file). The load report is
        in ``df.attrs["rlexplore_samples_report"]``; :func:`samples_report` prints it.

    Raises
    ------
    RLExploreError
        When `path` holds no readable samples.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp()) / "run" / "rollout"
    >>> d.mkdir(parents=True)
    >>> rows = [{"input": "1+1=", "output": "2", "score": 1.0, "step": 3}]
    >>> _ = (d / "3.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    >>> load_samples(d.parent.parent)[["run", "step", "sample", "completion", "reward"]]
       run  step  sample completion  reward
    0  run     3       0          2     1.0
    """
    return _load(path, *find(path, reward_weights))


def _load(path: Any, files: list[SampleFile], passed_over: list[str]) -> pd.DataFrame:
    frames, entries = [], []
    for f in files:
        frame, entry = read_file(f)
        entries.append(entry)
        if len(frame):
            frames.append(frame)
    report = load_report(entries, sum(len(x) for x in frames), passed_over)
    check_loaded(path, files, frames, report)
    df = assemble(frames)
    df.attrs[REPORT_KEY] = report
    return df


def samples_for(
    ds: xr.Dataset,
    path: str | os.PathLike[str],
    *,
    reward_weights: Mapping[str, float] | None = None,
) -> pd.DataFrame | None:
    """The samples under `path` with the run names of `ds`, or None when there are none.

    What ``rlexplore.load(path, samples=True)`` (and ``rlexplore view LOGDIR``) attach to
    the curves they loaded from the same tree: :func:`load_samples` then
    :func:`match_runs`. Unlike :func:`load_samples`, a tree without sample files is not an
    error.
    """
    files, passed_over = find(path, reward_weights)
    if not files:
        return None
    return match_runs(_load(path, files, passed_over), ds)


def read_file(f: SampleFile) -> tuple[pd.DataFrame, FileEntry]:
    """One sample file as rows with ``run``, ``split`` and ``source``, and its report entry."""
    entry = FileEntry(str(f.path), f.format, runs=[f.run])
    try:
        frame = _READERS[f.format](f.path, entry)
    except (OSError, ValueError) as err:  # pyarrow's ArrowInvalid is a ValueError
        entry.skip(f"unreadable file ({type(err).__name__}: {str(err)[:200]})")
        return pd.DataFrame(), entry
    if "split" not in frame.columns:  # a reader may know better (TRL's eval rows)
        frame["split"] = f.split
    if f.weights and "reward" not in frame.columns and len(frame):
        try:
            frame["reward"] = trl.weighted_reward(frame, f.weights)
        except RLExploreError as err:
            entry.note(f"no total reward: {err}")
    frame.insert(0, "run", f.run)
    frame["source"] = str(f.path)
    return frame, entry


def assemble(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate per-file rows into one table: column order, dtypes, ``sample`` numbers."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in (*LEADING, *TRAILING)})
    df = pd.concat(frames, ignore_index=True, sort=False)
    df["step"] = df["step"].astype(np.int64)
    if "_wandb_step" in df.columns:
        df = _wandb_splits(df)
    df["sample"] = df.groupby(["run", "split", "step"], sort=False).cumcount().astype(np.int64)
    for col in df.columns:
        if col not in (*LEADING[:5], "split", "source"):
            df[col] = _numeric_or_object(df[col])
    for col in ("run", "split", "source"):
        df[col] = df[col].astype("category")
    middle = [c for c in df.columns if c not in LEADING and c not in TRAILING]
    order = [c for c in LEADING if c in df.columns] + middle
    order += [c for c in TRAILING if c in df.columns]
    return df[order]


def _wandb_splits(df: pd.DataFrame) -> pd.DataFrame:
    """Of a W&B run's tables of one step, the later ones hold TRL's evaluation samples."""
    tables = df["_wandb_step"]
    has = tables.notna()
    first = tables[has].groupby([df["run"][has], df["step"][has]]).transform("min")
    later = has & (tables != first.reindex(df.index))
    df.loc[later, "split"] = "eval"
    return df.drop(columns="_wandb_step")


def _numeric_or_object(s: pd.Series) -> pd.Series:
    """Numbers (and nulls) → float64 (int64 when whole and complete); anything else as is."""
    if s.dtype.kind in "fiu":
        return s
    values = s.dropna()
    if len(values) == 0:
        return s.astype(np.float64)
    if values.map(
        lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
    ).all():
        out = s.astype(np.float64)
        if len(values) == len(s) and np.all(out == np.round(out)):
            return out.astype(np.int64)
        return out
    if values.map(lambda v: isinstance(v, (bool, np.bool_))).all() and len(values) == len(s):
        return s.astype(bool)
    return s


def load_report(
    entries: list[FileEntry], rows: int, passed_over: Sequence[str] = ()
) -> dict[str, Any]:
    """The load report of a samples read: one entry per file, the rows kept, files passed over."""
    return {
        "files": [e.as_dict() for e in entries],
        "build": {"points": rows, "duplicates_resolved": 0},
        "ignored": {"count": len(passed_over), "examples": list(passed_over[:5])},
    }


def check_loaded(
    path: Any, files: list[SampleFile], frames: list[pd.DataFrame], report: dict[str, Any]
) -> None:
    """Raise when nothing was found or readable; warn when some input was corrupt."""
    ignored = report.get("ignored", {}).get("examples", [])
    if not files:
        passed = f"; passed over (no samples in them): {', '.join(ignored)}" if ignored else ""
        raise RLExploreError(
            f"no samples found under {str(path)!r}: looked for TRL completions/*.parquet, "
            "verl <step>.jsonl dumps and W&B offline completions tables" + passed
        )
    if not frames:
        raise RLExploreError(f"no readable samples under {str(path)!r}:\n" + format_report(report))
    bad = []
    for f in report["files"]:
        why = [f"{n} {k}" for k, n in f["skipped"].items() if any(w in k for w in _CORRUPT)]
        if why:
            bad.append(f"{f['path']}: " + ", ".join(why))
    bad += [f"{p}: named like a samples file, holds no samples" for p in ignored]
    if bad:
        more = f" (and {len(bad) - 3} more files)" if len(bad) > 3 else ""
        warnings.warn(
            "some samples could not be read: "
            + "; ".join(bad[:3])
            + more
            + ". See rlexplore.samples.samples_report(df).",
            RLExploreWarning,
            stacklevel=3,
        )


def samples_report(df: pd.DataFrame) -> str:
    """The load report of a samples table as text: files, rows read, what was skipped."""
    rep = df.attrs.get(REPORT_KEY)
    if not rep:
        return "no load report: this table was not made by rlexplore.load_samples"
    return (
        format_report(rep)
        .replace("points", "rows")
        .replace("rlexplore load report", "rlexplore samples report")
    )


def run_directory(source: str, fmt: str | None = None) -> Path:
    """The run directory of a sample file (the directory :func:`rlexplore.load` names the run by)."""
    p = Path(source)
    if wandb_tables.sniff(p):
        return wandb_tables.run_dir(p)
    return p.parent.parent  # TRL: <output_dir>/completions/; verl: <run>/<dump dir>/


def match_runs(samples: pd.DataFrame, ds: xr.Dataset) -> pd.DataFrame:
    """Rename the samples' runs to the runs of `ds` that were read from the same directories.

    :func:`load_samples` names runs as :func:`rlexplore.load` does, but a load that also
    read other files may have told same-named runs apart (``"name (id)"``,
    ``"name/file"``). This uses the ``source`` coordinate of `ds` to give each samples run
    the curves' name. Runs with no match keep their names.

    Parameters
    ----------
    samples : pandas.DataFrame
        What :func:`load_samples` returned.
    ds : xarray.Dataset
        What :func:`rlexplore.load` returned for the same tree.

    Returns
    -------
    pandas.DataFrame
        A copy with ``run`` renamed.
    """
    if "source" not in ds.coords or samples.empty:
        return samples
    by_dir: dict[Path, list[str]] = {}
    for run, src in zip(ds.run.values, ds["source"].values):
        p = Path(str(src))
        d = p if p.is_dir() else p.parent
        if re.match(r"^checkpoint-\d+$", d.name):
            d = d.parent
        by_dir.setdefault(d.resolve(), []).append(str(run))
    mapping: dict[str, str] = {}
    pairs = samples[["run", "source"]].drop_duplicates()
    for run, src in zip(pairs["run"], pairs["source"]):
        match = by_dir.get(run_directory(str(src)).resolve(), [])
        if len(match) == 1:
            mapping[str(run)] = match[0]
    out = samples.copy()
    out["run"] = out["run"].astype(str).map(lambda r: mapping.get(r, r)).astype("category")
    out.attrs.update(samples.attrs)
    return out
