"""``rlexplore info``'s tables, on demo data (the command itself is tested with real logs)."""

import numpy as np
import pandas as pd

import rlexplore as rlx
from rlexplore.app.info import describe, table


def test_describe_counts_points_and_step_ranges_per_run_and_metric():
    text = describe(rlx.demo("length"))
    head, runs, metrics = text.split("\n\n")
    assert head == "1 run, 2 metrics, steps 0–500"
    assert runs.splitlines()[2].split() == ["grpo", "2", "152", "0–500"]  # 101 + 51 points
    rows = {line.split()[0]: line.split()[1:] for line in metrics.splitlines()[2:]}
    assert rows["response_length/mean"] == ["1", "101", "0–500"]
    assert rows["eval/reproduced_rate"] == ["1", "51", "0–500"]


def test_describe_counts_a_logged_nan_and_keeps_names_on_one_line():
    df = pd.DataFrame(
        {
            "run": ["a\nb", "a\nb", "c"],
            "metric": ["m"] * 3,
            "step": [1, 5, 3],
            "value": [np.nan, 1.0, 2.0],
        }
    )
    text = describe(rlx.from_dataframe(df))
    assert "a b  1        2       1–5" in text
    assert "steps 1–5" in text.splitlines()[0]


def test_table_cuts_long_names_in_the_middle():
    out = table(["name"], [["x" * 30 + "y" * 60]])
    cell = out.splitlines()[2]
    assert len(cell) == 59 and cell.startswith("x") and cell.endswith("y") and "…" in cell
