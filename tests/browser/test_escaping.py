"""Run, metric and title strings are user data: in a real browser they show as text and run nothing."""

from __future__ import annotations

import pytest
from explorer_page import open_app, status, write_notebook

pytestmark = pytest.mark.browser

RUN = "<img src=x onerror=alert(1)>"
METRIC = "eval/<b onmouseover=alert(2)>acc</b>"
TITLE = "<script>alert(3)</script>"

NOTEBOOK = f"""
import numpy as np, pandas as pd
import rlexplore as rlx
steps = np.arange(50)
df = pd.concat([pd.DataFrame({{"run": run, "metric": metric, "step": steps, "value": np.sin(steps / 7) + k}})
                for k, run in enumerate([{RUN!r}, "plain"]) for metric in [{METRIC!r}, "loss"]])
rlx.Explorer(rlx.from_dataframe(df), title={TITLE!r}).widget
"""


def test_html_in_names_shows_as_text_and_runs_nothing(tmp_path, app_page, serve_voila, artifacts):
    page = app_page
    write_notebook(tmp_path / "evil.ipynb", NOTEBOOK)
    open_app(page, serve_voila(tmp_path / "evil.ipynb").url)  # fails on any dialog or page error
    assert RUN in status(page)["visible_runs"]
    legend = page.eval_on_selector_all(".rlx-legend-entry", "es => es.map(e => e.textContent)")
    assert any(RUN in text for text in legend)
    assert RUN in page.inner_text(".rlx-summary") and METRIC in page.inner_text(".rlx-summary")
    assert TITLE in page.inner_text(".rlx-explorer")
    titles = page.eval_on_selector_all(".rlx-panel-title", "es => es.map(e => e.textContent)")
    assert any(METRIC in t for t in titles)
    page.hover(".rlx-panel-title >> nth=0")
    page.wait_for_timeout(500)  # give an injected handler time to fire
    injected = page.evaluate(
        "() => document.querySelectorAll('[onerror], [onmouseover], .rlx-explorer img, .rlx-explorer script').length"
    )
    assert injected == 0
    assert page.rlx_errors == []  # no alert() ran, no script error
    page.screenshot(path=str(artifacts / "voila-escaping.png"), full_page=True)
