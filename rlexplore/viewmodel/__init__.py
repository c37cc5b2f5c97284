"""The view model: what every panel of the explorer draws, as plain arrays and dataclasses.

Between :mod:`rlexplore.state` and :mod:`rlexplore.views`: it reads the data, smooths,
windows and downsamples to the panels' real widths, and computes y ranges and the summary,
in stages keyed on what changed. It imports no widget library (an import-linter contract
checks this); the views only draw what it publishes.
"""

from .frame import Band, PanelFrame, PanelView, Rows, SideFrame, to_unit, unit_xy
from .lines import band_xy, curve_xy, line_xy, window
from .model import ExplorerModel
from .panel import KINDS, RAW, SMOOTHED, PanelModel, y_domain
from .source import ViewStore
from .store import SeriesStore

__all__ = [
    "KINDS",
    "RAW",
    "SMOOTHED",
    "Band",
    "ExplorerModel",
    "PanelFrame",
    "PanelModel",
    "PanelView",
    "Rows",
    "SeriesStore",
    "SideFrame",
    "ViewStore",
    "band_xy",
    "curve_xy",
    "line_xy",
    "to_unit",
    "unit_xy",
    "window",
    "y_domain",
]
