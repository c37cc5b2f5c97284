import json

import numpy as np
import pytest
import xarray as xr

import rlexplore as rlx


@pytest.fixture
def ds():
    return rlx.demo("dashboard")


def test_demo_is_valid(ds):
    assert rlx.validate(ds) is ds


def test_rejects_non_dataset():
    with pytest.raises(ValueError, match="expected an xarray.Dataset, got DataArray"):
        rlx.validate(xr.DataArray([1.0]))


def test_missing_value_variable(ds):
    with pytest.raises(ValueError, match="no data variable 'value'"):
        rlx.validate(ds.rename({"value": "y"}))


def test_wrong_dims(ds):
    bad = ds.assign(value=ds["value"].transpose("metric", "run", "step"))
    with pytest.raises(ValueError, match=r"dims \('metric', 'run', 'step'\), expected"):
        rlx.validate(bad)


def test_wrong_dtype(ds):
    with pytest.raises(ValueError, match="dtype float32, expected float64"):
        rlx.validate(ds.assign(value=ds["value"].astype(np.float32)))


def test_step_not_increasing(ds):
    steps = ds.step.values.copy()
    steps[[3, 4]] = steps[[4, 3]]
    with pytest.raises(ValueError, match="'step' is not strictly increasing"):
        rlx.validate(ds.assign_coords(step=steps))


def test_step_not_int64(ds):
    with pytest.raises(ValueError, match="'step' has dtype float64, expected int64"):
        rlx.validate(ds.assign_coords(step=ds.step.values.astype(float)))


def test_duplicate_runs(ds):
    with pytest.raises(ValueError, match="'run' has duplicates"):
        rlx.validate(ds.assign_coords(run=["a", "a"]))


def test_non_string_metric(ds):
    with pytest.raises(ValueError, match="'metric' holds non-strings, e.g. 1"):
        rlx.validate(ds.assign_coords(metric=np.array([1, 2, 3], dtype=object)))


def test_wall_time_dims(ds):
    bad = ds.assign(wall_time=ds["wall_time"].transpose("step", "run"))
    with pytest.raises(ValueError, match="'wall_time' has dims"):
        rlx.validate(bad)


def test_bad_report_attr(ds):
    ds.attrs["load_report"] = "{not json"
    with pytest.raises(ValueError, match="not a JSON string"):
        rlx.validate(ds)


def test_names_every_problem(ds):
    bad = ds.assign_coords(run=["a", "a"], step=ds.step.values[::-1].copy())
    with pytest.raises(ValueError) as err:
        rlx.validate(bad)
    assert "'run' has duplicates" in str(err.value)
    assert "'step' is not strictly increasing" in str(err.value)


def test_report_roundtrip(ds):
    report = rlx.get_report(ds)
    assert report["build"]["points"] == int(ds["value"].notnull().sum())
    assert json.loads(ds.attrs["load_report"]) == report
