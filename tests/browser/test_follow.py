"""``rlexplore view LOGDIR --follow`` in a real browser: points, metrics and runs appear as they are written."""

from __future__ import annotations

import json

import pytest
from explorer_page import line_counts, open_app, wait_for_status, wait_until, x_tick_labels

pytestmark = pytest.mark.browser


def append(path, steps, **extra):
    with open(path, "a") as out:
        for s in steps:
            out.write(
                json.dumps(
                    {"step": s, "loss": 1.0 / (s + 1), **{k: v * s for k, v in extra.items()}}
                )
                + "\n"
            )


def test_view_follow_shows_what_the_job_appends(tmp_path, serve_cli, app_page, artifacts):
    logdir = tmp_path / "logs"
    logdir.mkdir()
    append(logdir / "seed0.jsonl", range(5))
    served = serve_cli("view", str(logdir), "--follow", "--interval", "0.3", "--port", "0")
    page = app_page
    first = open_app(page, served.url)
    assert first["following"] is True and first["metrics"] == ["loss"]
    page.locator(".rlx-smoothing").wait_for()
    append(logdir / "seed0.jsonl", range(5, 40), acc=0.01)  # more steps and a new metric
    append(logdir / "seed1.jsonl", range(0, 40))  # a new run
    state = wait_for_status(
        page,
        lambda s: s["metrics"] == ["loss", "acc"] and len(s["visible_runs"]) == 2,
        "the new metric and run to appear",
    )
    assert state["smoothing"] == first["smoothing"]
    wait_until(
        page,
        lambda: line_counts(page) == [4, 2],
        "lines of both runs in 'loss' and one run in 'acc'",
    )
    wait_until(page, lambda: max(x_tick_labels(page, 0)) >= 30, "the x axis to reach the new steps")
    page.screenshot(path=str(artifacts / "voila-follow.png"), full_page=True)
    assert page.rlx_errors == []
