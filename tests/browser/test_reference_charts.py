"""``rlexplore demo dashboard`` and ``demo length`` draw the second and third reference charts."""

from __future__ import annotations

import pytest
from explorer_page import line_counts, open_app

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("name", "lines", "texts"),
    [
        # 3 panels x 2 runs x (raw + smoothed)
        (
            "dashboard",
            [4, 4, 4],
            ["eval/math-eval/accuracy/mean", "actor/entropy_loss", "actor/kl_loss"],
        ),
        # 1 dual-axis panel x 1 run x 2 metrics x (raw + smoothed)
        ("length", [4], ["Token Length", "Reproduced Rate (%)", "RL Training Steps"]),
    ],
)
def test_demo_draws_its_reference_chart(name, lines, texts, app_page, serve_cli, artifacts):
    page = app_page
    open_app(page, serve_cli("demo", name, "--port", "0").url)
    assert line_counts(page) == lines
    svg_text = " ".join(
        page.eval_on_selector_all(".rlx-explorer svg text", "ts => ts.map(t => t.textContent)")
    )
    page_text = page.inner_text(".rlx-explorer") + svg_text
    for text in texts:
        assert text in page_text
    page.screenshot(path=str(artifacts / f"voila-demo-{name}.png"), full_page=True)
