"""Loaders: every log format on disk → one rlexplore Dataset.

``rlexplore.load(source)`` finds the files, asks each format plug-in (see
:mod:`rlexplore.io.base`) whether it can open them, reads them in parallel threads and
builds the Dataset with one shared builder (:mod:`rlexplore.io.assemble`).
"""

from . import hf, mlflow, records, tensorboard, wandb  # noqa: F401  (registers the loaders)
from .api import format_report, formats, load, report
from .base import FileEntry, Loader, MetaOnly, Table, Unit, register

__all__ = [
    "FileEntry",
    "Loader",
    "MetaOnly",
    "Table",
    "Unit",
    "format_report",
    "formats",
    "load",
    "register",
    "report",
]
