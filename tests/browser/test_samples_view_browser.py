"""Model output in the samples view: in a real browser it shows as text and runs nothing."""

from __future__ import annotations

import pytest
from explorer_page import RENDER_TIMEOUT, wait_until, write_notebook

pytestmark = pytest.mark.browser

SCRIPT = "<script>alert('samples')</script>"
IMG = '<img src=x onerror="alert(1)">'

NOTEBOOK = f"""
import pandas as pd
from rlexplore.views.samples import SamplesView
rows = [{{"run": "r", "step": s, "sample": i, "prompt": "say it <b>now</b>", "completion": c, "reward": float(i + s)}}
        for s in (10, 20) for i, c in enumerate([{SCRIPT!r}, {IMG!r}, "plain answer"])]
view = SamplesView(pd.DataFrame(rows))
view.step = 12
view
"""


def test_hostile_completions_render_as_text_and_search_filters(
    tmp_path, app_page, serve_voila, artifacts
):
    page = app_page
    write_notebook(tmp_path / "samples.ipynb", NOTEBOOK)
    page.goto(serve_voila(tmp_path / "samples.ipynb").url, wait_until="commit")
    body = ".rlx-samples-body"
    text = wait_until(
        page,
        lambda: "plain answer" in page.inner_text(body) and page.inner_text(body),
        "the samples",
        RENDER_TIMEOUT,
    )
    assert SCRIPT in text and IMG in text and "say it <b>now</b>" in text
    assert "step 10" in text  # the nearest logged step to 12
    page.wait_for_timeout(500)  # give an injected handler time to fire
    injected = page.evaluate(
        "() => document.querySelectorAll('.rlx-samples [onerror], .rlx-samples img, .rlx-samples script').length"
        " + [...document.querySelectorAll('.rlx-samples b')].filter(b => b.textContent === 'now').length"
    )
    assert injected == 0
    assert page.rlx_errors == []  # no alert() ran, no script error
    page.screenshot(path=str(artifacts / "samples-view.png"), full_page=True)
    page.fill(".rlx-samples-search input", "onerror")
    page.press(".rlx-samples-search input", "Enter")
    wait_until(page, lambda: "plain answer" not in page.inner_text(body), "the search to filter")
    assert IMG in page.inner_text(body) and SCRIPT not in page.inner_text(body)
    assert page.rlx_errors == []
