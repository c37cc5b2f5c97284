"""netCDF and Zarr keep everything: values, wall times, logged NaN, metadata, the report."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import rlexplore as rlx


def with_logged_nan():
    df = pd.DataFrame(
        {
            "run": ["a", "a", "b"],
            "metric": ["g", "g", "g"],
            "step": [1, 2, 1],
            "value": [np.nan, 1.0, 2.0],
        }
    )
    return rlx.from_dataframe(df)


def check_same(ds, back):
    rlx.validate(back)
    xr.testing.assert_identical(ds, back)
    assert rlx.get_report(back) == rlx.get_report(ds)
    assert back.step.dtype == np.int64


@pytest.mark.parametrize("make", [lambda: rlx.demo("methods"), with_logged_nan])
def test_netcdf_roundtrip(tmp_path, make):
    pytest.importorskip("h5netcdf")
    ds = make()
    path = tmp_path / "runs.nc"
    ds.to_netcdf(path, engine="h5netcdf")
    with xr.open_dataset(path, engine="h5netcdf") as back:
        check_same(ds, back.load())


@pytest.mark.parametrize("make", [lambda: rlx.demo("dashboard"), with_logged_nan])
def test_zarr_roundtrip(tmp_path, make):
    pytest.importorskip("zarr")
    ds = make()
    path = tmp_path / "runs.zarr"
    ds.to_zarr(path)
    back = xr.open_zarr(path).load()
    # Zarr may hand strings back as fixed-width unicode; the values must still match.
    back = back.assign_coords(
        {k: back[k].astype(object) for k in back.coords if back[k].dtype.kind == "U"}
    )
    check_same(ds, back)
