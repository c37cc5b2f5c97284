"""The summary under the panels: one row per run, one column per metric, sortable.

:func:`wide_summary` turns the explorer's long summary (index run, metric; columns last,
min, max, mean) into a run × metric table of one statistic; :func:`summary_html` draws it
with the runs' colour swatches (names escaped; the full name on hover when a short one is
shown). :class:`SummaryView` is the widget: a statistic switch (last, or min / max / mean on
demand), a "sort by" menu and the table.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from ipywidgets import HTML, Dropdown, HBox, Layout, ToggleButton, ToggleButtons, VBox

from .series import STATS
from .theme import MUTED

RUN_ORDER = "run"


def wide_summary(frame: pd.DataFrame, stat: str = "last") -> pd.DataFrame:
    """One row per run and one column per metric holding `stat` (``last``, ``min``, ``max``, ``mean``).

    Runs and metrics keep the order they have in `frame`.

    Examples
    --------
    >>> long = pd.DataFrame({"last": [1.0, 2.0, 3.0], "min": [0.0, 1.0, 2.0]},
    ...     index=pd.MultiIndex.from_tuples([("a", "kl"), ("a", "loss"), ("b", "kl")],
    ...     names=["run", "metric"]))
    >>> wide_summary(long).to_dict("index")
    {'a': {'kl': 1.0, 'loss': 2.0}, 'b': {'kl': 3.0, 'loss': nan}}
    """
    if stat not in frame.columns:
        raise ValueError(f"unknown statistic {stat!r}; expected one of {tuple(frame.columns)}")
    keys = frame.index.tolist()  # (run, metric) pairs: faster than unstacking, and keeps order
    runs = list(dict.fromkeys(k[0] for k in keys))
    metrics = list(dict.fromkeys(k[1] for k in keys))
    row, col = {r: i for i, r in enumerate(runs)}, {m: j for j, m in enumerate(metrics)}
    table = np.full((len(runs), len(metrics)), np.nan)
    if keys:
        table[[row[k[0]] for k in keys], [col[k[1]] for k in keys]] = frame[stat].to_numpy()
    names = frame.index.names
    return pd.DataFrame(
        table, index=pd.Index(runs, name=names[0]), columns=pd.Index(metrics, name=names[1])
    )


def sort_runs(wide: pd.DataFrame, by: str = RUN_ORDER, descending: bool = False) -> pd.DataFrame:
    """`wide` sorted by a metric's column (missing values last), or in run order (``"run"``)."""
    if by == RUN_ORDER or by not in wide.columns:
        return wide
    return wide.sort_values(by, ascending=not descending, kind="stable", na_position="last")


def _number(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else ""


def _span(step_range, axis: str) -> str:
    if step_range is None:
        return "all steps"
    lo, hi = step_range
    if axis == "steps":  # steps are whole numbers: a brush lands between them
        return f"steps {int(np.ceil(lo - 1e-9))} to {int(np.floor(hi + 1e-9))}"
    return f"{html.escape(axis)} {lo:.6g} to {hi:.6g}"


def summary_html(
    frame: pd.DataFrame,
    colors: Mapping[str, str],
    step_range,
    axis: str = "steps",
    *,
    stat: str = "last",
    sort_by: str = RUN_ORDER,
    descending: bool = False,
    names: Mapping[str, str] | None = None,
) -> str:
    """An HTML table, one row per run of `frame` and one column per metric (names escaped).

    Parameters
    ----------
    frame : pandas.DataFrame
        Index run, metric; columns last, min, max, mean (:meth:`Explorer.summary`).
    colors : mapping
        Each run's colour, drawn as a swatch.
    step_range : None or (lo, hi)
        The range the values are over; `axis` names what it is on (``"steps"``, or the x
        axis chosen: a time, tokens).
    stat, sort_by, descending
        The statistic shown; the metric whose column orders the rows (``"run"``: run order).
    names : mapping, optional
        Short labels of runs; the full name is then on hover.
    """
    where = _span(step_range, axis)
    if frame.empty:
        return f"<p>No run is shown ({where}).</p>"
    wide = sort_runs(wide_summary(frame, stat), sort_by, descending)
    marker = (" \u25bc" if descending else " \u25b2") if sort_by in wide.columns else ""
    head = '<th class="rlx-name">run</th>' + "".join(
        f"<th>{html.escape(m)}{marker if m == sort_by else ''}</th>" for m in wide.columns
    )
    names = names or {}
    rows = [_row(run, values, colors, names) for run, values in zip(wide.index, wide.to_numpy())]
    return (
        f"<table><caption>Raw values over {where}: {html.escape(stat)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _row(run, values: np.ndarray, colors: Mapping[str, str], names: Mapping[str, str]) -> str:
    swatch = f'<span class="rlx-swatch" style="background:{colors.get(run, MUTED)}"></span>'
    label = html.escape(names.get(run, run))
    cells = "".join(f"<td>{_number(v)}</td>" for v in values)
    return f'<tr><td class="rlx-name" title="{html.escape(run)}">{swatch}{label}</td>{cells}</tr>'


class SummaryView(VBox):
    """The summary widget: statistic buttons, a "sort by" menu and the one-row-per-run table.

    :meth:`show` gives it the data; the buttons and the menu redraw it without the
    explorer. CSS: ``rlx-summary`` (the table, HTML), ``rlx-summary-view`` (this box),
    ``rlx-summary-stat``, ``rlx-summary-sort``, ``rlx-summary-order``.
    """

    def __init__(self) -> None:
        self.stat = ToggleButtons(options=STATS, value="last", tooltips=list(STATS))
        self.stat.add_class("rlx-summary-stat")
        self.sort_by = Dropdown(
            options=[RUN_ORDER], value=RUN_ORDER, description="sort by", layout=Layout(width="auto")
        ).add_class("rlx-summary-sort")
        self.descending = ToggleButton(
            description="\u25bc", tooltip="descending", layout=Layout(width="auto")
        ).add_class("rlx-summary-order")
        self.table = HTML().add_class("rlx-summary")
        self._args: tuple = (pd.DataFrame(), {}, None, "steps", None)
        bar = HBox([self.stat, self.sort_by, self.descending]).add_class("rlx-summary-bar")
        super().__init__([bar, self.table])
        self.add_class("rlx-summary-view")
        for control in (self.stat, self.sort_by, self.descending):
            control.observe(lambda _: self._draw(), "value")

    @property
    def value(self) -> str:
        """The table's HTML."""
        return self.table.value

    def show(self, frame, colors, step_range, axis="steps", names=None) -> None:
        """Draw `frame` (see :func:`summary_html`), keeping the chosen statistic and order."""
        self._args = (frame, dict(colors), step_range, axis, names)
        metrics = list(dict.fromkeys(k[1] for k in frame.index.tolist()))
        options = [RUN_ORDER, *metrics]
        if list(self.sort_by.options) != options:
            keep = self.sort_by.value if self.sort_by.value in options else RUN_ORDER
            self.sort_by.options, self.sort_by.value = options, keep
        self._draw()

    def _draw(self) -> None:
        frame, colors, step_range, axis, names = self._args
        self.table.value = summary_html(
            frame,
            colors,
            step_range,
            axis,
            stat=self.stat.value,
            sort_by=self.sort_by.value,
            descending=self.descending.value,
            names=names,
        )
