import numpy as np
import pytest

from rlexplore.dataset import from_columns, get_report, hparam_coords, validate


def test_later_row_wins_and_is_counted():
    ds = from_columns(
        ["a", "a", "a"], ["m", "m", "m"], [1, 2, 1], [1.0, 2.0, 3.0], [10.0, 20.0, 30.0]
    )
    assert ds["value"].sel(run="a", metric="m").values.tolist() == [3.0, 2.0]
    assert ds["wall_time"].sel(run="a").values.tolist() == [30.0, 20.0]
    assert get_report(ds)["build"] == {"points": 3, "duplicates_resolved": 1}


def test_missing_cells_are_nan_and_steps_are_union():
    ds = from_columns(["a", "b"], ["m", "m"], [5, 1], [1.0, 2.0])
    validate(ds)
    assert ds.step.values.tolist() == [1, 5]
    assert ds.step.dtype == np.int64
    assert np.isnan(ds["value"].sel(run="a", step=1))
    assert "logged" not in ds


def test_logged_nan_kept_apart_from_missing():
    ds = from_columns(["a", "a", "b"], ["m", "m", "m"], [1, 2, 1], [np.nan, np.inf, 0.5])
    assert ds["logged"].sel(run="a").values.ravel().tolist() == [True, True]
    assert ds["logged"].sel(run="b").values.ravel().tolist() == [True, False]
    assert ds["value"].sel(run="a", metric="m", step=2) == np.inf


def test_order_of_first_appearance():
    ds = from_columns(["z", "a"], ["y", "b"], [0, 0], [1.0, 2.0])
    assert ds.run.values.tolist() == ["z", "a"]
    assert ds.metric.values.tolist() == ["y", "b"]


def test_whole_float_steps_accepted_fractional_rejected():
    assert from_columns(["a"], ["m"], [3.0], [1.0]).step.values.tolist() == [3]
    with pytest.raises(ValueError, match="steps must be whole numbers"):
        from_columns(["a"], ["m"], [3.5], [1.0])


def test_colliding_names_rejected():
    with pytest.raises(ValueError, match="collide once converted to str"):
        from_columns(np.array([1, "1"], dtype=object), ["m", "m"], [0, 0], [1.0, 2.0])


def test_run_metadata_coords():
    coords = {"a": {"source": "x.json", "hp.lr": 1e-6}, "b": {"source": "y.json"}}
    ds = from_columns(["a", "b"], ["m", "m"], [0, 0], [1.0, 2.0], run_coords=coords)
    assert ds["source"].values.tolist() == ["x.json", "y.json"]
    assert ds["hp.lr"].dtype == np.float64 and np.isnan(ds["hp.lr"].values[1])
    validate(ds)


def test_hparam_coords_flattens_and_escapes_slash():
    assert hparam_coords({"optim": {"lr": 1}, "a/b": "x"}) == {"hp.optim.lr": 1, "hp.a.b": "x"}
