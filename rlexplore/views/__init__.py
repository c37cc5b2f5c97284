"""The widget layer: ipywidgets and bqplot views of an :class:`~rlexplore.state.ExplorerState`.

See :mod:`rlexplore.views.explorer` for the explorer and the CSS classes of its widgets.
"""

from .explorer import Explorer
from .lines import line_xy
from .panel import MetricPanel, PanelView

__all__ = ["Explorer", "MetricPanel", "PanelView", "line_xy"]
