"""The explorer on a dask-backed sweep reads only the runs and metrics it shows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

pytest.importorskip("zarr")
pytest.importorskip("dask")

import zarr.storage  # noqa: E402
from zarr_helpers import RecordingStore  # noqa: E402

import rlexplore as rlx  # noqa: E402
from rlexplore.lazy import is_lazy, open_zarr, to_zarr  # noqa: E402

RUNS, METRICS, STEPS = 8, 6, 3000
SPIKE = ("run5", "m4", 1234, 50.0)


def run(i: int) -> xr.Dataset:
    rng = np.random.default_rng(i)
    values = np.cumsum(rng.normal(0, 0.1, (1, METRICS, STEPS)), axis=-1)
    if f"run{i}" == SPIKE[0]:
        values[0, int(SPIKE[1][1:]), SPIKE[2]] = SPIKE[3]
    return xr.Dataset(
        {"value": (("run", "metric", "step"), values)},
        coords={
            "run": np.array([f"run{i}"], dtype=object),
            "metric": np.array([f"m{j}" for j in range(METRICS)], dtype=object),
            "step": np.arange(STEPS, dtype=np.int64),
        },
    )


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    path = tmp_path_factory.mktemp("sweep") / "sweep.zarr"
    to_zarr((run(i) for i in range(RUNS)), path, chunks={"metric": 1})
    return path


def chunks_read(store: RecordingStore) -> set[tuple[int, int]]:
    """(run, metric) of every value chunk read."""
    keys = [k.split("/") for k in store.keys if k.startswith("value/c/")]
    return {(int(k[2]), int(k[3])) for k in keys}


def test_only_the_shown_runs_and_metrics_are_read(sweep):
    store = RecordingStore(zarr.storage.LocalStore(str(sweep), read_only=True))
    ds = open_zarr(store)
    store.keys.clear()
    ex = rlx.Explorer(ds, metrics=["m1", "m4"], runs=["run2", "run5"])
    assert chunks_read(store) == {(r, m) for r in (2, 5) for m in (1, 4)}
    store.keys.clear()
    ex.state.smoothing = 0.9
    ex.state.step_range = (1000.0, 1500.0)
    ex.state.step_range = None
    assert chunks_read(store) == set()  # each series was read once
    assert is_lazy(ds)


def test_lazy_and_in_memory_explorers_draw_the_same(sweep):
    lazy_ds = open_zarr(sweep)
    eager_ds = lazy_ds.load()
    views = []
    for ds in (lazy_ds, eager_ds):
        ex = rlx.Explorer(ds, metrics=["m4"], runs=["run1", "run5"], smoothing=0.8)
        ex.state.step_range = (1200.0, 1300.0)
        views.append((ex.panel("m4").drawn(), ex.summary()))
    pd.testing.assert_frame_equal(views[0][0], views[1][0])
    pd.testing.assert_frame_equal(views[0][1], views[1][1])


def test_a_single_step_spike_survives_downsampling_of_a_lazy_sweep(sweep):
    ex = rlx.Explorer(open_zarr(sweep), metrics=["m4"], runs=["run5"], smoothing=0.0)
    raw = ex.panel("m4").drawn().query("kind == 'raw'")
    assert len(raw) < STEPS  # downsampled ...
    assert (
        raw.value.max() == SPIKE[3] and raw.loc[raw.value.idxmax(), "step"] == SPIKE[2]
    )  # ... spike kept


def test_metric_x_axes_are_not_searched_in_lazy_data(sweep):
    from rlexplore.transforms.xaxis import x_choices

    lazy = open_zarr(sweep)
    assert x_choices(lazy) == ["step"]  # finding monotone metrics would read every value
    assert is_lazy(lazy)
