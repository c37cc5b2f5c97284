"""rlexplore: explore reinforcement-learning training runs of language models in Jupyter.

Log files → one xarray Dataset (run × metric × step) → transforms → widget state → views.
See :mod:`rlexplore.dataset.schema` for the data model.
"""

from . import accessor as _accessor  # noqa: F401  (registers ds.rlx)
from .dataset import from_dataframe, get_report, to_dataframe, validate
from .demo import demo
from .diagnostics import diagnose
from .errors import RLExploreError, RLExploreWarning
from .io import report
from .io.distributed import load_distributed
from .lazy import open_zarr, to_zarr
from .loading import load
from .samples import load_samples, sample_metrics
from .transforms import smooth

__version__ = "0.1.0"

# The widget layer (bqplot, ipywidgets) is imported only when it is first used, so that
# io, dataset, transforms and state stay importable, and testable, without it.
_LAZY = {"Explorer": "views"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'rlexplore' has no attribute {name!r}")


__all__ = [
    "Explorer",
    "RLExploreError",
    "RLExploreWarning",
    "__version__",
    "demo",
    "diagnose",
    "from_dataframe",
    "get_report",
    "load",
    "load_distributed",
    "load_samples",
    "report",
    "open_zarr",
    "sample_metrics",
    "smooth",
    "to_dataframe",
    "to_zarr",
    "validate",
]
