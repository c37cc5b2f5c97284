"""``rlexplore.sample_metrics``: samples → curves (run × metric × step) beside the run's own.

Per run, split and step: quantiles of the total reward and of every other numeric column
(per-function rewards, verl's extra scores), the completion length (characters, and tokens
when a tokenizer or a token column is given) and the fractions of empty, duplicate and
truncated completions. Evaluation samples get ``samples/eval/...`` names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..dataset import from_columns
from ..errors import RLExploreError
from .text import content_text, lengths_and_hashes

QUANTILES = (0.1, 0.5, 0.9)
#: numeric columns that are not measurements of a sample
NOT_MEASURED = ("step", "sample", "advantage", "completion_chars", "completion_hash")


def sample_metrics(
    samples: pd.DataFrame,
    *,
    quantiles: Sequence[float] = QUANTILES,
    tokenizer: Any = None,
    token_column: str | None = None,
    max_tokens: int | None = None,
) -> xr.Dataset:
    """Curves from samples: reward quantiles, completion lengths, empty/duplicate/truncated fractions.

    Parameters
    ----------
    samples : pandas.DataFrame
        What :func:`rlexplore.load_samples` returned (or its ``SampleSource.index``).
    quantiles : sequence of float, default (0.1, 0.5, 0.9)
        Quantiles, named ``p10``, ``p50``, ``p90``; computed as :func:`numpy.quantile`
        (linear interpolation) over the step's samples, NaN left out.
    tokenizer : callable or object with ``encode``, optional
        Gives token counts: ``len(tokenizer(text))`` or ``len(tokenizer.encode(text))``.
    token_column : str, optional
        A column of completion token counts (instead of a tokenizer).
    max_tokens : int, optional
        The generation limit: a completion of this many tokens counts as truncated. A bool
        column ``truncated`` in the samples is used when present.

    Returns
    -------
    xarray.Dataset
        Metrics ``samples/reward/p10|p50|p90`` (and ``samples/<column>/p..`` for every other
        numeric column; ``samples/<column>/mean`` for a bool column such as verl's ``acc``), ``samples/completion_length/mean|p..`` (characters),
        ``samples/completion_tokens/mean|p..`` (with a tokenizer or token column),
        ``samples/empty_fraction``, ``samples/duplicate_fraction`` (completions equal to
        another of the same step), ``samples/truncated_fraction`` (when it can be known)
        and ``samples/count``. Evaluation samples: ``samples/eval/...``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"run": "a", "step": 1, "completion": ["x", "yy", "x", ""],
    ...                    "reward": [0.0, 1.0, 2.0, 3.0]})
    >>> m = sample_metrics(df)
    >>> float(m.value.sel(run="a", metric="samples/reward/p50", step=1))
    1.5
    >>> float(m.value.sel(run="a", metric="samples/duplicate_fraction", step=1))
    0.5
    """
    for col in ("run", "step"):
        if col not in samples.columns:
            raise RLExploreError(
                f"samples need a {col!r} column (columns: {list(samples.columns)})"
            )
    if samples.empty:
        raise RLExploreError("no samples: nothing to measure")
    df = _measured(samples, tokenizer, token_column)
    numeric = [
        c
        for c in samples.columns
        if c not in NOT_MEASURED and samples[c].dtype.kind in "fiu" and c != token_column
    ]
    numeric.sort(key=lambda c: c != "reward")  # reward first
    flags = [c for c in samples.columns if samples[c].dtype == bool and c != "truncated"]
    names = [f"p{round(q * 100):d}" for q in quantiles]
    rows_run, rows_metric, rows_step, rows_value = [], [], [], []
    split = samples["split"] if "split" in samples.columns else pd.Series("train", samples.index)
    keys = [samples["run"].astype(str), split.astype(str), samples["step"]]
    for (run, part, step), idx in df.groupby(keys, sort=True).groups.items():
        prefix = "samples/eval/" if part == "eval" else "samples/"
        out: dict[str, float] = {"count": float(len(idx))}
        for col in numeric:
            v = samples.loc[idx, col].to_numpy(np.float64)
            _quantiles(out, col, v, quantiles, names)
        for col in flags:  # verl's acc and the like: the fraction that is true
            out[f"{col}/mean"] = float(samples.loc[idx, col].mean())
        chars = df.loc[idx, "chars"].to_numpy(np.float64)
        out["completion_length/mean"] = float(chars.mean())
        _quantiles(out, "completion_length", chars, quantiles, names)
        if "tokens" in df.columns:
            tokens = df.loc[idx, "tokens"].to_numpy(np.float64)
            out["completion_tokens/mean"] = float(np.nanmean(tokens))
            _quantiles(out, "completion_tokens", tokens, quantiles, names)
        out["empty_fraction"] = float((chars == 0).mean())
        hashes = df.loc[idx, "hash"]
        out["duplicate_fraction"] = float(hashes.duplicated(keep=False).mean())
        truncated = _truncated(samples.loc[idx], df.loc[idx], max_tokens)
        if truncated is not None:
            out["truncated_fraction"] = truncated
        for name, value in out.items():
            rows_run.append(run)
            rows_metric.append(prefix + name)
            rows_step.append(int(step))
            rows_value.append(value)
    return from_columns(rows_run, rows_metric, rows_step, rows_value)


def _quantiles(
    out: dict[str, float], col: str, v: np.ndarray, quantiles: Sequence[float], names: list[str]
) -> None:
    v = v[~np.isnan(v)]
    if v.size == 0:
        return
    for q, name in zip(np.quantile(v, list(quantiles)), names):
        out[f"{col}/{name}"] = float(q)


def _measured(samples: pd.DataFrame, tokenizer: Any, token_column: str | None) -> pd.DataFrame:
    """Per sample: completion length in characters, a hash of it, tokens when asked for."""
    texts: list[str] | None = None
    if "completion" in samples.columns:
        chars, hashes = lengths_and_hashes(samples["completion"])
        if tokenizer is not None:
            texts = [content_text(c) for c in samples["completion"]]
    elif {"completion_chars", "completion_hash"} <= set(samples.columns):
        chars = samples["completion_chars"].to_numpy(np.int64)
        hashes = samples["completion_hash"].to_numpy()
    else:
        raise RLExploreError("samples need a 'completion' column")
    df = pd.DataFrame({"chars": chars, "hash": hashes}, index=samples.index)
    if token_column is not None:
        if token_column not in samples.columns:
            raise RLExploreError(f"no token column {token_column!r} in the samples")
        df["tokens"] = pd.to_numeric(samples[token_column], errors="coerce").to_numpy()
    elif tokenizer is not None:
        if texts is None:
            raise RLExploreError("counting tokens needs the completions' text")
        encode: Callable[[str], Any] = getattr(tokenizer, "encode", tokenizer)
        df["tokens"] = [len(encode(t)) for t in texts]
    return df


def _truncated(rows: pd.DataFrame, measured: pd.DataFrame, max_tokens: int | None) -> float | None:
    if "truncated" in rows.columns and rows["truncated"].dtype == bool:
        return float(rows["truncated"].mean())
    if max_tokens is not None and "tokens" in measured.columns:
        return float((measured["tokens"] >= max_tokens).mean())
    return None


#: the run coordinate of :func:`sample_runs` naming the run a sample belongs to
SAMPLES_OF = "samples_of"


def sample_runs(samples: pd.DataFrame, columns: Sequence[str] | None = None) -> xr.Dataset:
    """Every sample index as a run of its own, to draw a reward distribution as a band.

    Run ``"<run> #<sample>"`` holds the numeric `columns` (default: ``reward`` and the
    other reward columns) of that sample index at each step, with the run coordinate
    ``samples_of`` naming its run. Grouped by it, the explorer's group drawing shows the
    distribution over steps::

        rlx.Explorer(sample_runs(df), ["reward"], group_by="samples_of",
                     group_center="median", group_band="quantile")

    Training samples only (``split != "eval"``).
    """
    if "sample" not in samples.columns:
        raise RLExploreError("samples need a 'sample' column (what rlexplore.load_samples returns)")
    rows = (
        samples[samples["split"].astype(str) != "eval"] if "split" in samples.columns else samples
    )
    if columns is None:
        columns = [c for c in rows.columns if c not in NOT_MEASURED and rows[c].dtype.kind in "fiu"]
    if not len(rows) or not columns:
        raise RLExploreError("no training samples with numeric columns to draw")
    names = rows["run"].astype(str) + " #" + rows["sample"].astype(str)
    run = np.repeat(names.to_numpy(), len(columns))
    metric = np.tile(np.asarray(columns, dtype=object), len(rows))
    step = np.repeat(rows["step"].to_numpy(), len(columns))
    value = rows[list(columns)].to_numpy(np.float64).ravel()
    coords = {n: {SAMPLES_OF: str(r)} for n, r in zip(names, rows["run"].astype(str))}
    return from_columns(run, metric, step, value, run_coords=coords)
