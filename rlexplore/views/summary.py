"""The summary table under the panels: last, min, max and mean over the brushed range."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from .series import STATS


def _number(value: float) -> str:
    return "" if not np.isfinite(value) else f"{value:.4g}"


def summary_html(
    frame: pd.DataFrame, colors: dict[str, str], step_range, axis: str = "steps"
) -> str:
    """An HTML table of `frame` (index run, metric; columns last, min, max, mean); names escaped.

    `axis` names what the range is on (``"steps"``, or the x axis chosen: a time, tokens).
    """
    span = f"{step_range[0]:.6g} to {step_range[1]:.6g}" if step_range is not None else ""
    where = "all steps" if step_range is None else f"{html.escape(axis)} {span}"
    if frame.empty:
        return f"<p>No run is shown ({where}).</p>"
    head = '<th class="rlx-name">run</th><th class="rlx-name">metric</th>' + "".join(
        f"<th>{s}</th>" for s in STATS
    )
    rows = []
    for (run, metric), values in frame.iterrows():
        swatch = f'<span class="rlx-swatch" style="background:{colors.get(run, "#8C8C8C")}"></span>'
        cells = "".join(f"<td>{_number(values[s])}</td>" for s in STATS)
        rows.append(
            f'<tr><td class="rlx-name">{swatch}{html.escape(run)}</td>'
            f'<td class="rlx-name">{html.escape(metric)}</td>{cells}</tr>'
        )
    return (
        f"<table><caption>Raw values over {where}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
