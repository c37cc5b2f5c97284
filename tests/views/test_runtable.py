"""The run table: filter, sort, colour and group runs by their metadata, through traits and controls."""

import numpy as np
import pytest

import rlexplore as rlx
from rlexplore.dataset import from_columns, hparam_coords
from rlexplore.views.runtable import RunTable, color_runs, filter_runs, metadata_frame, sort_runs


def sweep():
    """Six runs: two algorithms x three learning rates, one run without an lr, one hostile name."""
    runs = ["grpo-lr1e-6", "grpo-lr1e-5", "grpo-lr1e-4", "ppo-lr1e-6", "ppo-lr1e-5", "<b>ppo</b>"]
    meta = {}
    for r in runs:
        hp = {"algo": "ppo" if "ppo" in r else "grpo"}
        if "lr" in r:
            hp["lr"] = float(r.split("lr")[1])
        meta[r] = hparam_coords(hp)
    return from_columns(runs, ["loss"] * 6, [0] * 6, np.arange(6.0), run_coords=meta)


def test_metadata_frame_has_a_column_per_run_coordinate():
    meta = metadata_frame(sweep())
    assert meta.columns.tolist() == ["hp.algo", "hp.lr"]
    assert np.isnan(meta.at["<b>ppo</b>", "hp.lr"])


@pytest.mark.parametrize(
    "query, expected",
    [
        (
            "",
            ["grpo-lr1e-6", "grpo-lr1e-5", "grpo-lr1e-4", "ppo-lr1e-6", "ppo-lr1e-5", "<b>ppo</b>"],
        ),
        ("hp.lr <= 1e-5", ["grpo-lr1e-6", "grpo-lr1e-5", "ppo-lr1e-6", "ppo-lr1e-5"]),
        ("hp.algo == ppo and hp.lr > 2e-6", ["ppo-lr1e-5"]),
        ("hp.algo != 'grpo', lr1e-6", ["ppo-lr1e-6"]),
        ("run ~ ^grpo.*-4$", ["grpo-lr1e-4"]),
        ("GRPO", ["grpo-lr1e-6", "grpo-lr1e-5", "grpo-lr1e-4"]),  # plain text, case-insensitive
    ],
)
def test_filter_syntax(query, expected):
    assert filter_runs(metadata_frame(sweep()), query) == expected


def test_bad_filters_are_clear_errors():
    meta = metadata_frame(sweep())
    with pytest.raises(rlx.RLExploreError, match="unknown column 'hp.seed'"):
        filter_runs(meta, "hp.seed == 1")
    with pytest.raises(rlx.RLExploreError, match="holds numbers; 'big' is not a number"):
        filter_runs(meta, "hp.lr > big")


def test_sort_puts_missing_last_and_colours_follow_metadata():
    meta = metadata_frame(sweep())
    runs = list(meta.index)
    assert sort_runs(meta, runs, "hp.lr", descending=True)[:2] == ["grpo-lr1e-4", "grpo-lr1e-5"]
    assert sort_runs(meta, runs, "hp.lr")[-1] == "<b>ppo</b>"
    by_algo = color_runs(meta, "hp.algo")
    assert by_algo["grpo-lr1e-6"] == by_algo["grpo-lr1e-4"] != by_algo["ppo-lr1e-6"]
    by_lr = color_runs(meta, "hp.lr")  # numbers: a ramp, in log for a span of decades
    assert (
        by_lr["grpo-lr1e-6"] == by_lr["ppo-lr1e-6"] != by_lr["grpo-lr1e-5"] != by_lr["grpo-lr1e-4"]
    )
    assert by_lr["<b>ppo</b>"] == "#8C8C8C"


def test_widget_traits_drive_rows_and_html_is_escaped():
    table = RunTable(sweep(), filter="hp.algo == ppo", sort_by="hp.lr", descending=True)
    assert table.rows == ("ppo-lr1e-5", "ppo-lr1e-6", "<b>ppo</b>")
    texts = [
        c.value for c in table.grid.children if hasattr(c, "value") and isinstance(c.value, str)
    ]
    assert any("&lt;b&gt;ppo&lt;/b&gt;" in t for t in texts)
    assert not any("<b>ppo</b>" in t for t in texts)
    table.filter = "hp.nope > 1"
    assert "unknown column" in table.error and len(table.rows) == 6


def test_controls_set_traits_as_the_browser_does():
    table = RunTable(sweep())
    table.filter_box.set_state({"value": "lr1e-5"})
    table.sort_box.set_state({"index": 2})  # (none), run, hp.algo, hp.lr
    table.color_box.set_state({"index": 3})
    assert table.filter == "lr1e-5" and table.sort_by == "hp.algo" and table.color_by == "hp.lr"
    assert table.rows == ("grpo-lr1e-5", "ppo-lr1e-5")
    table.only_button.click()
    assert table.visible_runs == ("grpo-lr1e-5", "ppo-lr1e-5")
    checks = {run: box for run, box in table.checkboxes.items()}
    checks["grpo-lr1e-5"].value = False  # the user unticks a row
    assert table.visible_runs == ("ppo-lr1e-5",)
    table.visible_runs = ("grpo-lr1e-6",)  # and state set from Python ticks the boxes
    assert [r for r, b in table.checkboxes.items() if b.value] == ["grpo-lr1e-6"]


def test_groups_follow_group_by():
    table = RunTable(sweep(), group_by="hp.algo")
    assert table.groups() == {
        "grpo": ("grpo-lr1e-6", "grpo-lr1e-5", "grpo-lr1e-4"),
        "ppo": ("ppo-lr1e-6", "ppo-lr1e-5", "<b>ppo</b>"),
    }
    with pytest.raises(rlx.RLExploreError, match="unknown column"):
        table.group_by = "hp.seed"


def test_big_sweeps_draw_the_first_rows_and_say_so():
    runs = [f"run{i:03d}" for i in range(200)]
    meta = {r: hparam_coords({"seed": i % 7}) for i, r in enumerate(runs)}
    table = RunTable(from_columns(runs, ["loss"] * 200, [0] * 200, np.zeros(200), run_coords=meta))
    assert len(table.grid.children) == 2 + 2 * 150
    assert "showing 150 of 200 runs" in table.status_line.value
    table.filter = "hp.seed == 3"
    assert (
        len(table.rows) == 29
        and len(table.grid.children) == 2 + 2 * 29
        and table.status_line.value == ""
    )
