"""The widget layer: ipywidgets and bqplot views of what :mod:`rlexplore.viewmodel` publishes.

See :mod:`rlexplore.views.explorer` for the explorer and the CSS classes of its widgets.
"""

from ..viewmodel import PanelView, line_xy
from .explorer import Explorer
from .panel import MetricPanel

__all__ = ["Explorer", "MetricPanel", "PanelView", "line_xy"]
