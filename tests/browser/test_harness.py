"""The browser harness itself: widgets render, the network stays closed, errors fail fast."""

from __future__ import annotations

import time

import nbformat
import pytest
from explorer_page import PageError, open_app, wait_until
from nbformat.v4 import new_code_cell, new_notebook

pytestmark = pytest.mark.browser

FIGURE = """
import bqplot as bq, numpy as np
from IPython.display import HTML, display
display(HTML('<img src="http://example.com/tracker.png">'))
x, y = bq.LinearScale(), bq.LinearScale()
line = bq.Lines(x=np.arange(10.0), y=np.arange(10.0) ** 2, scales={"x": x, "y": y})
fig = bq.Figure(marks=[line], axes=[bq.Axis(scale=x), bq.Axis(scale=y, side="left")])
fig.add_class("rlx-panel").add_class("rlx-panel-0")
fig
"""


def notebook(tmp_path, *sources: str):
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_bqplot_figure_renders_and_external_requests_are_blocked(tmp_path, app_page, serve_voila):
    page = app_page
    server = serve_voila(notebook(tmp_path, FIGURE))
    page.goto(server.url, wait_until="commit")
    wait_until(page, lambda: page.locator(".rlx-panel path.line").count(), "the bqplot line", 90)
    assert "http://example.com/tracker.png" in page.rlx_blocked
    assert not [u for u in page.rlx_blocked if "127.0.0.1" in u]


def test_a_python_error_in_the_notebook_fails_fast_with_its_message(
    tmp_path, app_page, serve_voila
):
    page = app_page
    server = serve_voila(
        notebook(tmp_path, "x = 1", "raise RuntimeError('boom from the notebook')")
    )
    start = time.monotonic()
    with pytest.raises(PageError, match="boom from the notebook"):
        open_app(page, server.url)
    assert time.monotonic() - start < 45  # not the 90 s render timeout
