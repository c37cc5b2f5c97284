"""`rlexplore view` on a tree with rollout dumps: hover and brush choose the samples, as text."""

from __future__ import annotations

import json

import pytest
from explorer_page import drag_brush, open_app, wait_for_status, wait_until, write_notebook

pytestmark = pytest.mark.browser
pytest.importorskip("pyarrow")

HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>"
STEPS = range(0, 200, 20)


def write_tree(root):
    from verl_dump import dump_generations

    run = root / "grpo"
    for step in STEPS:
        outputs = [f"answer-{step}-{i} {HOSTILE}" for i in range(3)]
        dump_generations(
            ["Q?"] * 3,
            outputs,
            ["g"] * 3,
            [i + step / 100 for i in range(3)],
            {},
            run / "rollout",
            step,
        )
    lines = [json.dumps({"step": s, "critic/score/mean": s / 200}) for s in range(200)]
    (run / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    return root


def samples_text(page) -> str:
    return page.inner_text(".rlx-samples-body")


def test_hover_then_brush_choose_the_samples_shown_as_text(
    tmp_path, app_page, serve_cli, artifacts
):
    page = app_page
    served = serve_cli(
        "view", str(write_tree(tmp_path / "logs")), "--port", "0", env={"RLX_DEBUG": "1"}
    )
    open_app(page, served.url)
    area = page.locator(".rlx-panel-0 rect.plotarea_background").first
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.5 * box["height"])
    state = wait_for_status(page, lambda s: s["hover_step"] is not None, "a hover step")
    nearest = min(STEPS, key=lambda s: abs(s - state["hover_step"]))
    text = wait_until(
        page,
        lambda: f"answer-{nearest}-" in samples_text(page) and samples_text(page),
        "the step's samples",
    )
    assert f"answer-{nearest}-2" in text and HOSTILE in text  # best first, and shown as text
    assert text.index(f"answer-{nearest}-2") < text.index(f"answer-{nearest}-0")
    page.mouse.move(5, 5)
    drag_brush(page, 0, 0.1, 0.3)
    state = wait_for_status(page, lambda s: s["step_range"] is not None, "the brushed range")
    lo, hi = state["step_range"]
    inside = [s for s in STEPS if lo <= s <= hi]
    assert inside
    text = wait_until(
        page,
        lambda: (
            all(f"answer-{s}-" not in samples_text(page) for s in STEPS if s > hi + 1)
            and samples_text(page)
        ),
        "the range's samples",
    )
    assert any(f"answer-{s}-" in text for s in inside)
    page.wait_for_timeout(300)
    assert (
        page.evaluate(
            "() => document.querySelectorAll('.rlx-samples img, .rlx-samples script').length"
        )
        == 0
    )
    assert page.rlx_errors == [] and page.rlx_blocked == []
    page.locator(".rlx-samples").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "explorer-samples.png"), full_page=False)


FINDINGS_NOTEBOOK = """
import pandas as pd
import rlexplore as rlx
ds = rlx.demo("methods")
rows = [{"run": r, "step": s, "sample": i, "prompt": "p", "completion": f"ans-{s} <b>x</b>", "reward": float(i)}
        for r in ds.run.values.tolist() for s in range(1, 4001, 50) for i in range(3)]
rlx.Explorer(ds, ["actor/entropy"], findings=True, samples=pd.DataFrame(rows)).widget
"""


def test_a_finding_opens_its_samples(tmp_path, app_page, serve_voila, artifacts):
    page = app_page
    write_notebook(tmp_path / "findings.ipynb", FINDINGS_NOTEBOOK)
    open_app(page, serve_voila(tmp_path / "findings.ipynb", env={"RLX_DEBUG": "1"}).url)
    button = page.locator(".rlx-finding-brush").first
    button.scroll_into_view_if_needed()
    first, _, last = button.inner_text().replace("\u2013", "-").partition("-")
    lo, hi = int(first), int(last or first)
    button.click()
    text = wait_until(
        page, lambda: "ans-" in samples_text(page) and samples_text(page), "the finding's samples"
    )
    steps = {int(w.split("-")[1]) for w in text.split() if w.startswith("ans-")}
    width = max(hi - lo, 80)  # the finding's range, padded as the brush pads it
    assert steps and all(lo - width <= s <= hi + width for s in steps)
    assert "<b>x</b>" in text  # model output as text
    assert page.rlx_errors == []
