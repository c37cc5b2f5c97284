"""Colours, sizes and the stylesheet of the explorer (light, dark, or following JupyterLab).

The run palette keeps 24 runs apart. It opens with Okabe and Ito's colour-blind-safe set,
without its black and yellow (unreadable on a dark or a light background), then goes on
with colours of colorcet's Glasbey palette, each picked (once, when this list was written)
as the farthest in CIELAB from those before it among the colours of lightness 42 to 72 and
chroma over 30, so each reads on white and on a dark background. Each run takes the colour
of its position in the dataset, so it keeps its colour whatever else is hidden; a hidden
run is struck through in the legend, never greyed with a palette colour. Past 24 runs the
colours repeat.
"""

from __future__ import annotations

import re

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
GLASBEY_EXTENSION = (
    "#BA03FD", "#03C600", "#DB05B1", "#1859FF", "#FD5269", "#706B01", "#995444", "#75BC4F",
    "#4687FF", "#DA95FF", "#D60000", "#6B8752", "#F98E8A", "#876EB1", "#EB0077", "#AE6DFF",
    "#4FB5AF", "#AA7031",
)  # fmt: skip
PALETTE = OKABE_ITO + GLASBEY_EXTENSION
MUTED = "#8C8C8C"  # not a run's colour: rules, cursors, what has no run
THEMES = ("auto", "light", "dark")
RAW_OPACITY = 0.16  # raw lines are faint and thin: the smoothed curve reads first
RAW_WIDTH = 0.75
SPARSE_RAW_OPACITY = 0.55  # a sparse metric's raw line carries its markers: less faint
MIN_PANEL_PX = 280  # fewer columns than asked when a row cannot give each panel this much
ASPECT = 1.8  # a panel's plot is this many times as wide as tall, within the heights below
PANEL_HEIGHT_PX = (170, 420)
PANEL_HEIGHT = "240px"
OVERVIEW_HEIGHT = "72px"
ROW_WIDTH_PX = 1200  # the assumed width of a row of panels; a panel's share is its pixel width
MARKER_MAX_POINTS = 200  # a metric with at most this many points per run gets markers,
SPARSE_EVERY = 4  # if logged at most every 4th step of the log (an evaluation), as reference 003
MARKER_SIZE = 9  # px²: small dots on the logged points of sparse metrics
FIG_MARGIN = {"top": 10, "bottom": 34, "left": 62, "right": 22}
DUAL_MARGIN_RIGHT = 62
Y_LABEL_OFFSET = "46px"  # a y axis label's distance from its axis: past 5-character tick labels


def run_color(index: int) -> str:
    """The colour of the run at `index` in the dataset (cycling through :data:`PALETTE`)."""
    return PALETTE[index % len(PALETTE)]


def run_colors(runs) -> dict[str, str]:
    """Every run of `runs` (in dataset order) mapped to its colour.

    Examples
    --------
    >>> run_colors(["a", "b"])
    {'a': '#0072B2', 'b': '#D55E00'}
    """
    return {run: run_color(i) for i, run in enumerate(runs)}


def partner_color(color: str) -> str:
    """A second colour, distinct from `color`: the right axis of a one-run dual panel."""
    return PALETTE[1] if color != PALETTE[1] else PALETTE[0]


def css_slug(name: str) -> str:
    """`name` reduced to characters safe in a CSS class (``[A-Za-z0-9_-]``).

    Examples
    --------
    >>> css_slug("REC-OneSide-NoIS (0.2)")
    'REC-OneSide-NoIS-0-2'
    """
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "x"


_DARK = """
  --jp-layout-color0: #111111; --jp-layout-color1: #1b1b1b; --jp-layout-color2: #2a2a2a;
  --jp-layout-color3: #4a4a4a; --jp-ui-inverse-font-color0: #111111;
  --jp-border-color0: #555; --jp-border-color1: #444; --jp-border-color2: #333;
  --jp-ui-font-color0: #ffffff; --jp-ui-font-color1: #e6e6e6; --jp-ui-font-color2: #b0b0b0;
  --jp-content-font-color0: #ffffff; --jp-content-font-color1: #e6e6e6; --jp-content-font-color2: #b0b0b0;
  --jp-widgets-color: #e6e6e6; --jp-widgets-label-color: #e6e6e6; --jp-widgets-readout-color: #e6e6e6;
  --jp-widgets-input-color: #e6e6e6; --jp-widgets-input-background-color: #1b1b1b;
  --jp-widgets-input-border-color: #555; --jp-widgets-slider-handle-background-color: #e6e6e6;
  --jp-widgets-slider-active-handle-color: #aaa; --jp-widgets-slider-handle-border-color: #888;
  background: #111111; color: #e6e6e6;"""

_LIGHT = """
  --jp-layout-color0: #ffffff; --jp-layout-color1: #ffffff; --jp-layout-color2: #eeeeee;
  --jp-layout-color3: #bdbdbd; --jp-ui-inverse-font-color0: #ffffff;
  --jp-border-color0: #bdbdbd; --jp-border-color1: #bdbdbd; --jp-border-color2: #e0e0e0;
  --jp-ui-font-color0: #000000; --jp-ui-font-color1: #212121; --jp-ui-font-color2: #616161;
  --jp-content-font-color0: #000000; --jp-content-font-color1: #212121; --jp-content-font-color2: #616161;
  --jp-widgets-color: #212121; --jp-widgets-label-color: #212121; --jp-widgets-readout-color: #212121;
  --jp-widgets-input-color: #212121; --jp-widgets-input-background-color: #ffffff;
  background: #ffffff; color: #212121;"""

STYLESHEET = (
    "<style>"
    ".rlx-explorer { --bq-content-font-color: var(--jp-ui-font-color1, #212121);"
    " --bq-axislabel-fill: var(--jp-ui-font-color1, #212121); --bq-mainheading-fill: var(--jp-ui-font-color1, #212121);"
    " color: var(--jp-ui-font-color1, #212121); padding: 4px; }"
    ".rlx-explorer.rlx-theme-dark {" + _DARK + "}"
    ".rlx-explorer.rlx-theme-light {" + _LIGHT + "}"
    ".rlx-explorer .rlx-title h3 { margin: 2px 0 6px 0; font-size: 15px; text-align: center; color: inherit; }"
    ".rlx-explorer .rlx-panel { border: 1px solid var(--jp-border-color2, #e0e0e0); border-radius: 4px;"
    " padding: 2px 4px; min-width: 0; background: var(--jp-layout-color0, transparent); }"
    ".rlx-explorer .rlx-panel-head { align-items: center; min-height: 24px; }"
    ".rlx-explorer .rlx-panel-title { flex: 1 1 auto; overflow: hidden; text-overflow: ellipsis;"
    " white-space: nowrap; font-size: 12px; font-weight: 600; }"
    ".rlx-explorer .rlx-tool-button { width: 26px; height: 22px; padding: 0; margin: 0 1px;"
    " background: transparent; border: none; box-shadow: none; color: var(--jp-ui-font-color2, #616161); }"
    ".rlx-explorer .rlx-tool-button.mod-active { color: var(--jp-brand-color1, #1976d2); }"
    # the panel menu opens over the plot, never pushing it out of line with its row
    ".rlx-explorer .rlx-menu-box { position: absolute; top: 26px; right: 4px; z-index: 25;"
    " background: var(--jp-layout-color0, #fff); border: 1px solid var(--jp-border-color1, #bdbdbd);"
    " border-radius: 4px; box-shadow: 0 2px 6px rgba(0, 0, 0, 0.25); padding: 2px 4px; font-size: 12px; }"
    ".rlx-explorer .rlx-controls { gap: 2px 6px; }"
    # labels never cut ("insp..." in JupyterLab's narrower fonts): buttons as wide as their text
    ".rlx-explorer .rlx-tool .widget-toggle-button { width: auto !important; min-width: 56px;"
    " padding: 0 8px; }"
    ".rlx-explorer .rlx-controls .widget-text input { min-width: 0; }"
    # the dual-axis legend sits over the plot's top-left corner, as in reference 003
    ".rlx-explorer .rlx-axis-key { position: absolute; top: 34px; left: 72px; z-index: 5; margin: 0;"
    " font-size: 11px; min-height: 0; pointer-events: none; }"
    ".rlx-explorer .rlx-axis-key .widget-html-content { line-height: 1.35; padding: 2px 6px;"
    " background: var(--jp-layout-color0, #fff); opacity: 0.92; border-radius: 3px;"
    " border: 1px solid var(--jp-border-color2, #e0e0e0); }"
    ".rlx-explorer .rlx-axis-key .rlx-axis-side { opacity: 0.65; }"
    # the hover readout is a tooltip table beside the cursor (rlexplore.views.hover places it):
    # out of the panel's flow, so it never moves the grid
    ".rlx-explorer .rlx-panel { position: relative; overflow: visible; }"
    ".rlx-explorer .rlx-readout { position: absolute; left: 0; top: 0; z-index: 20; margin: 0;"
    " pointer-events: none; font-size: 11px; min-height: 0; width: max-content; max-width: 360px; }"
    ".rlx-explorer .rlx-readout .widget-html-content { line-height: 1.3; padding: 4px 6px;"
    " background: var(--jp-layout-color0, #fff); color: var(--jp-ui-font-color1, #212121);"
    " border: 1px solid var(--jp-border-color1, #bdbdbd); border-radius: 4px;"
    " box-shadow: 0 2px 6px rgba(0, 0, 0, 0.25); white-space: nowrap; }"
    ".rlx-explorer .rlx-readout .widget-html-content:empty { display: none; }"
    ".rlx-explorer .rlx-readout.rlx-readout-far { opacity: 0.85; font-size: 10px; }"
    ".rlx-explorer .rlx-tooltip { border-collapse: collapse; margin-top: 2px; }"
    ".rlx-explorer .rlx-tooltip td, .rlx-explorer .rlx-tooltip th { padding: 0 4px; text-align: right;"
    " font-weight: normal; }"
    ".rlx-explorer .rlx-tooltip td:first-child { text-align: left; max-width: 180px; overflow: hidden;"
    " text-overflow: ellipsis; }"
    ".rlx-explorer .rlx-tooltip th { opacity: 0.7; }"
    ".rlx-explorer .rlx-hover { height: 0; min-height: 0; margin: 0; }"
    # stroke-opacity multiplies the row's opacity: a hidden run (opacity 0) stays hidden
    ".rlx-explorer.rlx-highlighting .rlx-figure path.line:not(.rlx-hl) { stroke-opacity: 0.1; }"
    # the legend sits over the panels and stays in view while the page scrolls
    ".rlx-explorer .rlx-legend { flex-wrap: wrap; justify-content: center; position: sticky; top: 0;"
    " z-index: 30; background: var(--jp-layout-color0, #fff); padding: 2px 0; }"
    ".rlx-explorer .rlx-legend-entry.rlx-off { opacity: 0.6; }"
    # the legend toggles runs: its checkbox twin (full names) is kept for scripts, not shown
    ".rlx-explorer .rlx-runs { display: none; }"
    ".rlx-explorer .rlx-summary-bar { align-items: center; gap: 4px; }"
    ".rlx-explorer .rlx-summary-stat .widget-toggle-button { width: auto; min-width: 44px; padding: 0 8px; }"
    ".rlx-explorer .rlx-summary-order { min-width: 32px; }"
    ".rlx-explorer .rlx-legend-entry { width: auto; background: transparent; box-shadow: none; font-size: 12px; }"
    ".rlx-explorer .rlx-section-header { width: auto; background: transparent; box-shadow: none;"
    " font-weight: 600; text-align: left; color: var(--jp-ui-font-color1, #212121); }"
    ".rlx-explorer .rlx-summary table { border-collapse: collapse; font-size: 12px; margin: 4px auto; }"
    ".rlx-explorer .rlx-summary th, .rlx-explorer .rlx-summary td { padding: 1px 8px; text-align: right;"
    " border-bottom: 1px solid var(--jp-border-color2, #e0e0e0); }"
    ".rlx-explorer .rlx-summary .rlx-name { text-align: left; }"
    ".rlx-explorer .rlx-swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px;"
    " border-radius: 2px; }"
    ".rlx-explorer:not(.rlx-debug) .rlx-status { display: none; }"
    ".rlx-explorer .rlx-status { font-size: 9px; opacity: 0.45; white-space: nowrap; overflow: hidden;"
    " text-overflow: ellipsis; max-height: 1.4em; }"
    ".rlx-explorer .rlx-error { color: #D55E00; font-size: 12px; }"
    "</style>"
)
