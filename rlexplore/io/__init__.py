"""Loaders: every log format on disk → one rlexplore Dataset.

``rlexplore.load(source)`` finds the files, asks each format plug-in (see
:mod:`rlexplore.io.base`) whether it can open them, reads them in parallel threads and
builds the Dataset with the one builder (:mod:`rlexplore.dataset.blocks`). Formats that
are appended to (TensorBoard, JSONL) read through a resumable :class:`Reader`, which
:class:`rlexplore.live.Follower` keeps between polls.
"""

from . import hf, mlflow, records, tensorboard, wandb  # noqa: F401  (registers the loaders)
from .api import format_report, formats, load, report
from .base import Cursor, FileEntry, Loader, MetaOnly, Reader, Table, Unit, register, run_name

__all__ = [
    "Cursor",
    "FileEntry",
    "Loader",
    "MetaOnly",
    "Reader",
    "Table",
    "Unit",
    "format_report",
    "formats",
    "load",
    "register",
    "report",
    "run_name",
]
