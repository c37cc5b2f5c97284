import numpy as np
import pandas as pd
import pytest
import xarray as xr

import rlexplore as rlx


def long_frame():
    return pd.DataFrame(
        {
            "run": ["a", "a", "b", "a"],
            "metric": ["reward", "kl", "reward", "reward"],
            "step": [1, 1, 2, 3],
            "value": [0.1, 0.01, 0.2, np.inf],
            "wall_time": [100.0, 100.0, 200.0, 300.0],
        }
    )


def test_long_roundtrip_is_exact():
    df = long_frame()
    back = rlx.to_dataframe(rlx.from_dataframe(df))
    expected = df.sort_values(
        ["run", "metric", "step"],
        key=lambda c: c.map({"a": 0, "b": 1, "reward": 0, "kl": 1}) if c.name != "step" else c,
    )
    pd.testing.assert_frame_equal(
        back.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False
    )
    assert back["step"].dtype == np.int64 and back["value"].dtype == np.float64


def test_dataset_roundtrip_through_frame():
    ds = rlx.demo("dashboard")
    again = rlx.from_dataframe(rlx.to_dataframe(ds))
    xr.testing.assert_equal(ds.reset_coords(drop=True), again.reset_coords(drop=True))


def test_logged_nan_survives_roundtrip():
    df = pd.DataFrame(
        {"run": ["a", "a"], "metric": ["g", "g"], "step": [1, 2], "value": [np.nan, 1.0]}
    )
    back = rlx.to_dataframe(rlx.from_dataframe(df))
    assert len(back) == 2 and np.isnan(back["value"].iloc[0])


def test_duplicates_later_row_wins():
    df = pd.DataFrame(
        {"run": ["a"] * 3, "metric": ["m"] * 3, "step": [1, 1, 1], "value": [1.0, 2.0, 3.0]}
    )
    assert rlx.from_dataframe(df)["value"].item() == 3.0


def test_wide_with_run_column():
    df = pd.DataFrame(
        {
            "run": ["a", "a", "b"],
            "step": [1, 2, 1],
            "reward": [0.1, 0.2, 0.3],
            "kl": [np.nan, 0.5, 0.6],
        }
    )
    ds = rlx.from_dataframe(df)
    assert ds.metric.values.tolist() == ["reward", "kl"]
    assert np.isnan(ds["value"].sel(run="a", metric="kl", step=1))
    assert ds["value"].sel(run="b", metric="kl", step=1) == 0.6


def test_wide_single_run_and_custom_step():
    df = pd.DataFrame({"global_step": [10, 20], "loss": [1.0, 0.5]})
    ds = rlx.from_dataframe(df, run="grpo", step="global_step")
    assert ds.run.values.tolist() == ["grpo"] and ds.step.values.tolist() == [10, 20]


@pytest.mark.parametrize(
    "df, message",
    [
        (pd.DataFrame({"x": [1], "y": [2]}), "expected long format"),
        (
            pd.DataFrame({"step": ["1", "2"], "loss": [1.0, 2.0]}),
            "'step' must hold whole-number steps",
        ),
        (pd.DataFrame({"step": [1.5, 2], "loss": [1.0, 2.0]}), "rows 0 do not"),
        (
            pd.DataFrame({"step": [1, 2], "loss": ["a", 2.0]}),
            "'loss' must be numeric; rows 0 hold 'a'",
        ),
        (
            pd.DataFrame({"run": ["a", None], "step": [1, 2], "loss": [1.0, 2.0]}),
            "'run' has missing names",
        ),
        (
            pd.DataFrame({"run": [1, "1"], "step": [1, 2], "loss": [1.0, 2.0]}),
            "collide once converted",
        ),
        (pd.DataFrame({"step": [1, 2]}), "at least one metric column"),
        (
            pd.DataFrame({"run": ["a"], "metric": ["m"], "step": [None], "value": [1.0]}),
            "whole-number steps",
        ),
    ],
)
def test_bad_frames_give_clear_value_errors(df, message):
    with pytest.raises(ValueError, match=message):
        rlx.from_dataframe(df)


def test_numeric_strings_in_values_are_accepted():
    df = pd.DataFrame({"step": [1, 2], "loss": np.array(["0.5", "1e-3"], dtype=object)})
    assert rlx.from_dataframe(df, run="r")["value"].values.ravel().tolist() == [0.5, 0.001]


def test_not_a_frame():
    with pytest.raises(ValueError, match="expected a pandas.DataFrame, got dict"):
        rlx.from_dataframe({"step": [1]})
