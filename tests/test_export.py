"""Export of the view: every point as CSV and netCDF, raw or smoothed; static matplotlib figures."""

import io

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import rlexplore as rlx
from rlexplore.export import to_csv, to_frame, to_matplotlib, to_netcdf, view_data


def test_csv_holds_every_point_in_view_bit_for_bit():
    ds = rlx.demo("methods")
    text = to_csv(ds, runs=["RED-Weight", "GRPO"], metrics=["actor/kl_loss"], steps=(100, 3000))
    back = pd.read_csv(io.StringIO(text))
    assert len(back) == 2 * 2901  # every step of both runs, no downsampling
    assert back["run"].unique().tolist() == ["RED-Weight", "GRPO"]
    expect = ds["value"].sel(run="GRPO", metric="actor/kl_loss", step=slice(100, 3000)).values
    np.testing.assert_array_equal(back[back.run == "GRPO"]["value"].to_numpy(), expect)


def test_smoothed_export_equals_smoothing_the_whole_curve():
    ds = rlx.demo("dashboard")
    frame = to_frame(ds, metrics=["actor/kl_loss"], steps=(20, 30), smoothing=0.8, method="ema")
    whole = ds.rlx.smooth(0.8)["value"].sel(metric="actor/kl_loss", step=slice(20, 30))
    got = frame.pivot(index="step", columns="run", values="smoothed")[list(ds.run.values)]
    np.testing.assert_allclose(got.to_numpy(), whole.values.T)
    assert (frame["value"] != frame["smoothed"]).any()


def test_sparse_metrics_keep_only_logged_points_and_logged_nan():
    df = pd.DataFrame(
        {
            "run": "a",
            "metric": ["eval", "eval", "loss"],
            "step": [0, 10, 5],
            "value": [np.nan, 0.5, 1.0],
        }
    )
    ds = rlx.from_dataframe(df)
    frame = to_frame(ds, metrics=["eval"])
    assert frame["step"].tolist() == [0, 10]  # step 5 (only 'loss' logged) is gone
    assert np.isnan(frame["value"].iloc[0])  # a logged NaN is a point too


def test_netcdf_round_trip_is_an_rlexplore_dataset(tmp_path):
    pytest.importorskip("h5netcdf")
    ds = rlx.demo("methods")
    path = tmp_path / "view.nc"
    to_netcdf(ds, path, runs=["GRPO"], steps=(1, 50), smoothing=0.5)
    with xr.open_dataset(path, engine="h5netcdf") as back:
        back = back.load()
    rlx.validate(back)
    xr.testing.assert_identical(back, view_data(ds, runs=["GRPO"], steps=(1, 50), smoothing=0.5))
    assert back.sizes["step"] == 50 and "hp.algorithm" in back.coords


def test_unknown_names_are_clear_errors():
    with pytest.raises(rlx.RLExploreError, match=r"unknown runs \['nope'\]"):
        to_frame(rlx.demo("dashboard"), runs=["nope"])


def test_matplotlib_figure_of_runs_and_of_groups(tmp_path):
    pytest.importorskip("matplotlib")
    ds = rlx.demo("methods")
    fig = to_matplotlib(
        ds, metrics=["actor/entropy", "actor/kl_loss", "critic/score/mean"], smoothing=0.9
    )
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == [
        "actor/entropy",
        "actor/kl_loss",
        "critic/score/mean",
    ]
    assert len(axes[0].lines) == 6  # raw (faint) and smoothed per run
    raw = axes[0].lines[0]
    assert raw.get_alpha() == 0.25 and len(raw.get_xdata()) == 4000
    fig.savefig(tmp_path / "f.svg")
    assert (tmp_path / "f.svg").read_text().lstrip().startswith("<?xml")

    seeds = xr.concat(
        [ds.assign_coords(run=[f"{r}-seed{i}" for r in ds.run.values]) for i in range(2)], "run"
    )
    fig = to_matplotlib(
        seeds, metrics=["actor/entropy"], pattern=r"-seed\d", band="minmax", x="relative_time"
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()][0] == "GRPO (n=2)"
    assert len(ax.collections) == 3  # one band per group
    assert ax.get_xlabel() == "time since start (s)"
    fig.savefig(tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
