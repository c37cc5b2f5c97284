"""Samples larger than memory: an index of every row without its text, text read on demand.

:func:`open_samples` reads every sample file once, keeping per row everything but the
prompt and completion (run, step, sample, rewards, split, source) plus the completion's
length and a hash of it: enough for :func:`~rlexplore.samples.sample_metrics`, for ranking
and for choosing rows. :meth:`SampleSource.rows` then reads the files that hold the rows
asked for, one at a time, so memory stays bounded by one file plus what is shown.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .files import SampleFile, find
from .load import REPORT_KEY, TEXT, assemble, check_loaded, load_report, read_file
from .text import lengths_and_hashes


class SampleSource:
    """The samples of a log tree, their text read only for the rows asked for.

    Parameters
    ----------
    files : list of SampleFile
        The files (see :func:`open_samples`).
    index : pandas.DataFrame
        Every row without ``prompt``/``completion``, with ``completion_chars`` and
        ``completion_hash``.
    report : dict
        The load report.
    """

    def __init__(self, files: list[SampleFile], index: pd.DataFrame, report: dict[str, Any]):
        self.files = {str(f.path): f for f in files}
        self.index = index
        self.index.attrs[REPORT_KEY] = report
        self.report = report

    def __len__(self) -> int:
        return len(self.index)

    def __repr__(self) -> str:
        runs = self.index["run"].nunique()
        return f"<SampleSource: {len(self)} samples of {runs} runs in {len(self.files)} files>"

    def rows(
        self,
        runs: Iterable[str] | str | None = None,
        steps: Iterable[int] | tuple[int, int] | int | None = None,
        *,
        step_range: tuple[int, int] | None = None,
    ) -> pd.DataFrame:
        """The samples (with their text) of `runs` at `steps` or within `step_range`.

        Only the files holding such rows are read, one at a time.
        """
        sel = self.index
        if runs is not None:
            names = [runs] if isinstance(runs, str) else [str(r) for r in runs]
            sel = sel[sel["run"].astype(str).isin(names)]
        if steps is not None:
            wanted = (
                [int(steps)] if isinstance(steps, (int, np.integer)) else [int(s) for s in steps]
            )
            sel = sel[sel["step"].isin(wanted)]
        if step_range is not None:
            sel = sel[(sel["step"] >= step_range[0]) & (sel["step"] <= step_range[1])]
        keys = set(zip(sel["run"].astype(str), sel["step"]))
        # every file of the selected (run, step)s: a step's splits are told apart across files
        pairs = self.index[["run", "step", "source"]].drop_duplicates()
        sources = [
            s
            for r, st, s in zip(pairs["run"].astype(str), pairs["step"], pairs["source"])
            if (r, st) in keys
        ]
        frames = [read_file(self.files[str(s)])[0] for s in dict.fromkeys(sources)]
        df = assemble(frames)
        if df.empty:
            return df
        df = df[[(str(r), s) in keys for r, s in zip(df["run"], df["step"])]]
        want = sel[["run", "step", "split", "sample"]].astype({"run": str, "split": str})
        have = df[["run", "step", "split", "sample"]].astype({"run": str, "split": str})
        mask = pd.MultiIndex.from_frame(have).isin(pd.MultiIndex.from_frame(want))
        out = df[mask].reset_index(drop=True)
        out.attrs[REPORT_KEY] = self.report
        return out

    def to_frame(self) -> pd.DataFrame:
        """Every sample with its text (what :func:`rlexplore.load_samples` returns)."""
        return self.rows()


def open_samples(
    path: str | os.PathLike[str], *, reward_weights: Mapping[str, float] | None = None
) -> SampleSource:
    """Index the samples under `path` without keeping their text (see :class:`SampleSource`).

    Same files, names, columns and report as :func:`rlexplore.load_samples`; the index
    replaces ``prompt`` and ``completion`` by ``completion_chars`` (the length of the
    completion's text) and ``completion_hash`` (equal completions, equal hashes).
    """
    files, passed_over = find(path, reward_weights)
    frames, entries, n = [], [], 0
    for f in files:
        frame, entry = read_file(f)
        entries.append(entry)
        if len(frame):
            chars, hashes = lengths_and_hashes(frame["completion"])
            frame["completion_chars"], frame["completion_hash"] = chars, hashes
            frames.append(frame.drop(columns=[c for c in TEXT if c in frame.columns]))
            n += len(frame)
            del frame
    report = load_report(entries, n, passed_over)
    check_loaded(path, files, frames, report)
    return SampleSource(files, assemble(frames), report)
