"""The summary: one row per run, a statistic per metric column, sortable, integer steps."""

import re

import numpy as np
import pytest

import rlexplore as rlx
from rlexplore.views.summary import SummaryView, summary_html, wide_summary
from rlexplore.views.theme import run_colors


@pytest.fixture(scope="module")
def nips(real_data):
    return rlx.load(real_data / "nips-grpo-dynamics")


def _rows(table: str) -> list[str]:
    return re.findall(r'<td class="rlx-name" title="([^"]*)"', table)


def test_one_row_per_run_on_fifteen_real_runs(nips):
    ex = rlx.Explorer(nips, ["train/loss", "train/kl", "train/reward"])
    try:
        frame = ex.summary()
        wide = wide_summary(frame)
        ends = ["train/train_runtime", "train/train_samples_per_second",
                "train/train_steps_per_second", "train/train_loss"]  # fmt: skip
        assert wide.shape == (15, 7)
        # the panels' metrics, then the end-of-training values (never panels of one dot)
        assert list(wide.columns) == ["train/loss", "train/kl", "train/reward", *ends]
        assert wide[ends].iloc[1:].notna().all().all()
        html = summary_html(frame, ex.colors, None)
        assert len(_rows(html)) == 15
        assert html.count("<th>") == 7
    finally:
        ex.close()


def test_statistics_and_sorting_in_the_widget(methods_ds):
    ex = rlx.Explorer(methods_ds)
    try:
        frame = ex.summary()
        view = SummaryView()
        view.show(frame, ex.colors, None)
        assert "Raw values over all steps: last" in view.value
        view.show(frame, ex.colors, (999.5, 2000.4))
        assert "steps 1000 to 2000" in view.value
        runs = list(dict.fromkeys(frame.index.get_level_values(0)))
        assert _rows(view.value) == runs
        last = wide_summary(frame)["actor/entropy"]
        view.sort_by.value = "actor/entropy"
        assert _rows(view.value) == list(last.sort_values().index)
        view.descending.value = True
        assert _rows(view.value) == list(last.sort_values(ascending=False).index)
        assert "actor/entropy \u25bc" in view.value
        view.stat.value = "max"
        top = frame.xs("actor/entropy", level="metric")["max"].max()
        assert (
            f"<td>{top:.4g}</td>" in view.value
            and "Raw values over steps 1000 to 2000: max" in view.value
        )
        view.show(frame.loc[runs[:1]], ex.colors, None)  # the order chosen stays
        assert view.sort_by.value == "actor/entropy" and view.stat.value == "max"
    finally:
        ex.close()


def test_names_are_escaped_and_short_names_keep_the_full_one_on_hover():
    import pandas as pd

    frame = pd.DataFrame(
        {s: [1.0, np.nan] for s in ("last", "min", "max", "mean")},
        index=pd.MultiIndex.from_tuples(
            [("dir/<b>run</b>", "m<i>"), ("other", "m<i>")], names=["run", "metric"]
        ),
    )
    html = summary_html(
        frame, run_colors(["dir/<b>run</b>", "other"]), None, names={"dir/<b>run</b>": "<b>run</b>"}
    )
    assert "<b>" not in html and "<i>" not in html
    assert 'title="dir/&lt;b&gt;run&lt;/b&gt;"' in html and "&lt;b&gt;run&lt;/b&gt;</td>" in html
    assert "<td></td>" in html  # NaN: an empty cell


def test_an_unknown_statistic_is_refused(methods_ds):
    ex = rlx.Explorer(methods_ds)
    try:
        with pytest.raises(ValueError, match="expected one of"):
            wide_summary(ex.summary(), "median")
    finally:
        ex.close()
