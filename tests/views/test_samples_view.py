"""SamplesView: step, range and finding; order and search; hostile text stays text; side by side."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest

import rlexplore as rlx
from rlexplore.samples import open_samples
from rlexplore.views.samples import SamplesView

DATA = Path(__file__).parents[1] / "samples" / "data" / "trl"
HOSTILE = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "**bold** [link](javascript:x)",
]


def hostile_samples():
    rows = []
    for step in (10, 20, 30):
        for i, text in enumerate(HOSTILE):
            rows.append(
                {
                    "run": "a",
                    "step": step,
                    "sample": i,
                    "prompt": f"q{i} <b>",
                    "completion": text,
                    "reward": float(i + step),
                }
            )
            rows.append(
                {
                    "run": "b",
                    "step": step + 1,
                    "sample": i,
                    "prompt": f"q{i} <b>",
                    "completion": text[::-1],
                    "reward": -float(i),
                }
            )
    return pd.DataFrame(rows)


def test_a_step_shows_the_nearest_logged_step_of_each_run_best_first():
    v = SamplesView(hostile_samples())
    assert v.shown().empty
    v.step = 19
    shown = v.shown()
    assert set(zip(shown["run"], shown["step"])) == {("a", 20), ("b", 21)}
    assert v.shown_step == 20
    assert shown["reward"].tolist() == sorted(shown["reward"], reverse=True)
    v.order = "worst"
    assert v.shown()["reward"].tolist() == sorted(shown["reward"])
    assert v.order_box.value == "worst"


def test_a_range_shows_that_ranges_samples_of_the_shown_runs():
    v = SamplesView(hostile_samples(), runs=["a"])
    v.range = (10, 20)
    shown = v.shown()
    assert set(shown["run"]) == {"a"} and set(shown["step"]) == {10, 20}
    v.runs = ("a", "b")
    v.range = (15, 40)
    assert set(v.shown()["step"]) == {20, 21, 30, 31}


def test_search_filters_prompts_and_completions():
    v = SamplesView(hostile_samples())
    v.range = (0, 100)
    v.search_box.value = "onerror"
    assert set(v.shown()["completion"]) == {HOSTILE[1]}


def test_hostile_text_is_escaped_never_markup():
    v = SamplesView(hostile_samples())
    v.range = (0, 100)
    page = v.body.value
    assert (
        "<script>" not in page
        and "<img" not in page
        and "<b>" not in page.split("</style>")[1].replace("<b>reward</b>", "")
    )
    assert html.escape(HOSTILE[0]) in page and html.escape(HOSTILE[1]) in page
    assert "**bold**" in page  # Markdown is not rendered either


def test_long_text_is_folded_and_kept_whole():
    df = pd.DataFrame(
        {"run": "a", "step": 1, "prompt": "p", "completion": ["y" * 5000], "reward": 1.0}
    )
    v = SamplesView(df, fold=100)
    v.step = 1
    assert "<details>" in v.body.value and "5,000 characters" in v.body.value
    assert "y" * 5000 in v.body.value


def test_two_runs_side_by_side_on_the_same_prompt():
    v = SamplesView(hostile_samples(), runs=["a", "b"])
    v.compare = True
    v.range = (0, 100)
    shown = v.shown()
    assert len(shown) == 2 * 3
    pairs = shown.groupby(shown["prompt"])["run"].apply(list)
    assert all(runs == ["a", "b"] for runs in pairs)
    assert v.body.value.count("<tr>") == 1 + 2 * 3


def test_a_finding_shows_its_samples_worst_then_best():
    v = SamplesView(hostile_samples())
    shown = v.show_finding({"run": "a", "first_step": 20, "last_step": 30}, n=1)
    assert shown["rank"].tolist() == ["worst", "best"]
    assert shown["reward"].tolist() == [20.0, 32.0]
    v.step = 10  # a step replaces the finding
    assert "rank" not in v.shown().columns


def test_real_trl_samples_lazily():
    src = open_samples(DATA)
    v = SamplesView(src, runs=["trl-chat"])
    v.step = 3
    shown = v.shown()
    assert len(shown) == 4 and set(shown["step"]) == {3}
    assert "user: " in v.body.value
    v.range = (1, 6)  # every step: the fixture's prompts include <script> and <img onerror>
    page = v.body.value
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page and "&lt;script&gt;" in page
    assert not re.search(r"<(script|img)\b", page)


def test_bad_input_is_a_clear_error():
    with pytest.raises(rlx.RLExploreError):
        SamplesView([1, 2])
    with pytest.raises(rlx.RLExploreError, match="'step'"):
        SamplesView(pd.DataFrame({"run": ["a"]}))


def test_connected_to_an_explorer_hover_brush_and_runs_drive_the_view():
    import traitlets

    from rlexplore.views.samples import connect

    samples = hostile_samples()
    ex = rlx.Explorer(rlx.sample_metrics(samples), ["samples/reward/p50"])
    ex.state.add_traits(
        sample_step=traitlets.Int(None, allow_none=True)
    )  # what the lead adds to ExplorerState
    view = SamplesView(samples)
    disconnect = connect(ex.state, view)
    ex.state.hover_step = 19.4
    assert view.shown_step == 20 and ex.state.sample_step == 20
    assert set(zip(view.shown()["run"], view.shown()["step"])) == {("a", 20), ("b", 21)}
    redraws = []
    view.body.observe(redraws.append, "value")
    ex.state.hover_step = 19.9  # the same logged step: nothing is redrawn
    assert redraws == []
    ex.state.step_range = (14.5, 31.0)
    assert view.range == (15, 31) and set(view.shown()["step"]) == {20, 21, 30, 31}
    ex.state.visible_runs = ("a",)
    assert set(view.shown()["run"]) == {"a"}
    ex.state.hover_step = 29.0  # a hover after a brush: the step wins
    assert set(view.shown()["step"]) == {30}
    disconnect()
    ex.state.hover_step = 10.0
    assert set(view.shown()["step"]) == {30}


def test_a_finding_on_a_lazy_source_reads_and_shows_its_rows_text():
    src = open_samples(DATA)
    eager = rlx.load_samples(DATA)
    v = SamplesView(src, runs=["trl-text"])
    finding = {"run": "trl-text", "first_step": 3, "last_step": 5}
    shown = v.show_finding(finding, n=2)
    expect = rlx.samples.finding_samples(eager[eager["run"] == "trl-text"], finding, n=2)
    assert shown["completion"].tolist() == expect["completion"].tolist()
    assert shown["rank"].tolist() == ["worst", "worst", "best", "best"]


def test_a_wide_range_on_a_lazy_source_reads_the_text_of_the_page_only():
    src = open_samples(DATA)
    v = SamplesView(src, runs=["trl-chat"], page=3)
    v.range = (1, 6)
    shown = v.shown()
    eager = rlx.load_samples(DATA)
    chat = eager[eager["run"] == "trl-chat"]
    best = rlx.samples.rank_samples(chat, "best").head(3)
    assert shown["completion"].tolist() == best["completion"].tolist()
    assert len(shown) == 3
