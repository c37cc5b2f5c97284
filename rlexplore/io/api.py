"""``rlexplore.load`` and ``rlexplore.report``: the loaders' public entry points."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import xarray as xr

from ..dataset.report import LoadReport, load_report
from ..dataset.store import write_zarr
from .base import loaders
from .core import RESTARTS, discover, load_dataset
from .distributed import iter_runs

__all__ = ["RESTARTS", "discover", "format_report", "formats", "load", "report"]


def load(
    source: Any,
    *,
    format: str = "auto",
    rename: Mapping[str, str] | Callable[[str], str] | None = None,
    restarts: str = "supersede",
    step_key: str | None = None,
    logging_steps: int | None = None,
    progress: bool | None = None,
    workers: int | None = None,
    to: str | os.PathLike | None = None,
    _pure_python: bool = False,
) -> xr.Dataset:
    """Load training logs into one rlexplore Dataset (run × metric × step).

    Parameters
    ----------
    source : str, path, or list of them
        A file, a directory (walked recursively, mixed formats allowed), or a glob
        pattern (``"logs/**/trainer_state.json"``).
    format : str, default "auto"
        ``"auto"`` decides per file from its content. Or one of
        :func:`rlexplore.io.formats`: ``"tensorboard"``, ``"trainer_state"``,
        ``"hf_console"``, ``"mlflow"``, ``"mlflow_sqlite"``, ``"wandb_csv"``,
        ``"wandb_offline"``, ``"jsonl"``, ``"json"``, ``"csv"``, ``"verl_console"``.
    rename : mapping or callable, optional
        New run names, ``{old: new}`` or ``f(old) -> new``. Runs renamed to the same
        name are merged (later sources win on a repeated step).
    restarts : {"supersede", "split", "keep"}
        A run whose steps go backwards was restarted. ``"supersede"`` (default, as
        TensorBoard does): the newer records replace the older ones from the restart
        step on, and the report counts what was superseded. ``"split"``: every launch
        becomes its own run, ``name#1``, ``name#2``, … ``"keep"``: no restart handling;
        only "the later record wins" for a repeated step.
    step_key : str, optional
        JSONL / JSON / CSV: the field holding the step (default: the first of
        ``step``, ``global_step``, ``_step``, ``current_steps``, ``iteration``, …).
    logging_steps : int, optional
        HF Trainer console logs have no step: the k-th logged dict is step
        k × logging_steps (by default inferred from the printed epochs).
    progress : bool, optional
        Show a progress bar (terminal or notebook). By default it shows when loading
        takes more than a second.
    workers : int, optional
        Threads reading files in parallel (default: the number of cores).
    to : str or path, optional
        Write the result into this new Zarr store, one run directory at a time, and
        return it opened lazily (:func:`rlexplore.open_zarr`); the load report is kept.

    Returns
    -------
    xarray.Dataset
        Validated; per-run ``source``, ``format`` and ``hp.*`` coordinates; the load
        report in ``attrs["load_report"]`` (print it with :func:`rlexplore.report`).

    Raises
    ------
    RLExploreError
        Naming the file and the problem, when nothing could be loaded, a given path
        does not exist, or an option is wrong.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> ds = rlx.load("runs/")                                   # doctest: +SKIP
    >>> ds = rlx.load(["a/trainer_state.json", "b.jsonl"], rename={"a": "grpo"})  # doctest: +SKIP
    """
    options: dict[str, Any] = {
        "format": format,
        "rename": rename,
        "restarts": restarts,
        "step_key": step_key,
        "logging_steps": logging_steps,
        "progress": progress,
        "workers": workers,
    }
    if to is not None:
        if isinstance(source, (str, os.PathLike)) and Path(source).is_dir():
            # one run folder at a time: memory bounded by the largest folder
            return write_zarr(iter_runs(source, **options), to)
        return write_zarr([load_dataset(source, **options)], to)
    return load_dataset(source, **options, _pure_python=_pure_python)


def report(ds: xr.Dataset, file: Any = None) -> None:
    """Print the load report attached to `ds`: per file, what was read and what was not.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> rlx.report(rlx.demo("dashboard"))
    no load report: this Dataset was not made by rlexplore.load
    """
    print(load_report(ds).format(ds), file=file or sys.stdout)


def format_report(rep: dict[str, Any], ds: xr.Dataset | None = None) -> str:
    """The load report `rep` (a dict, as :func:`rlexplore.get_report` gives) as text.

    Raises
    ------
    ValueError
        If `rep` is not a load report.
    """
    return LoadReport.from_dict(rep).format(ds)


def formats() -> list[tuple[str, str]]:
    """The known formats: (name, description), in the order ``format="auto"`` tries them."""
    return [(lo.name, lo.description) for lo in loaders()]
