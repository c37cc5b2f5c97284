"""Zarr written run by run, opened lazily, read chunk by chunk."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
import xarray as xr

pytest.importorskip("zarr")
pytest.importorskip("dask")

import zarr.storage  # noqa: E402
from zarr_helpers import RecordingStore  # noqa: E402

import rlexplore as rlx  # noqa: E402
from rlexplore.dataset import METRIC, RUN, STEP, VALUE, WALL_TIME, from_columns  # noqa: E402
from rlexplore.lazy import fetch, is_lazy, open_zarr, to_zarr  # noqa: E402


def run_dataset(
    name: str, n_steps: int, metrics: tuple[str, ...], seed: int, every: int = 1
) -> xr.Dataset:
    """One run as a loader would return it; eval metrics logged every `every` steps."""
    rng = np.random.default_rng(seed)
    steps = np.arange(0, n_steps * every, every)
    cols = [(m, steps, rng.normal(size=steps.size)) for m in metrics]
    run = np.repeat(name, steps.size * len(metrics))
    metric = np.concatenate([np.repeat(m, s.size) for m, s, _ in cols])
    step = np.concatenate([s for _, s, _ in cols])
    value = np.concatenate([v for _, _, v in cols])
    report = {"sources": [{"path": f"{name}/events", "format": "test"}]}
    coords = {name: {"hp.lr": 1e-6 * (seed + 1), "hp.algo": "grpo" if seed % 2 else "ppo"}}
    return from_columns(run, metric, step, value, 1.7e9 + step, run_coords=coords, report=report)


def test_round_trip_of_runs_with_different_metrics_and_steps(tmp_path):
    parts = [
        run_dataset("a", 50, ("loss", "reward"), 0),
        run_dataset("b", 30, ("reward", "eval/acc"), 1, every=3),
        rlx.demo("dashboard"),
    ]
    lazy = to_zarr(iter(parts), tmp_path / "runs.zarr")
    assert is_lazy(lazy)
    assert list(lazy[RUN].values) == ["a", "b", *rlx.demo("dashboard")[RUN].values]
    assert list(lazy[METRIC].values)[:3] == ["loss", "reward", "eval/acc"]
    for part in parts:
        got = lazy.sel(
            {RUN: part[RUN].values, METRIC: part[METRIC].values, STEP: part[STEP].values}
        )
        np.testing.assert_array_equal(got[VALUE].values, part[VALUE].values)
        np.testing.assert_array_equal(got[WALL_TIME].values, part[WALL_TIME].values)
    assert np.isnan(lazy[VALUE].sel({RUN: "a", METRIC: "eval/acc"}).values).all()
    assert lazy["hp.algo"].values.tolist()[:2] == ["ppo", "grpo"]
    assert np.isnan(lazy["hp.lr"].values[2:]).all()  # the demo runs have no hp.lr
    assert len(rlx.get_report(lazy)["sources"]) == 3
    assert not (tmp_path / "runs.zarr.parts").exists()


def test_logged_nan_survives(tmp_path):
    ds = from_columns(["r", "r", "r"], ["m", "m", "m"], [0, 1, 2], [1.0, np.nan, 3.0])
    other = run_dataset("s", 5, ("m",), 2)
    lazy = to_zarr([ds, other], tmp_path / "x.zarr")
    assert lazy["logged"].sel({RUN: "r", METRIC: "m"}).values.tolist()[:3] == [True, True, True]
    assert lazy["logged"].sel({RUN: "s", METRIC: "m"}).values.all()


def test_only_one_dataset_is_held_at_a_time(tmp_path):
    previous: list[weakref.ref] = []

    def runs():
        for i in range(4):
            gc.collect()
            assert all(ref() is None for ref in previous), "an earlier run is still in memory"
            ds = run_dataset(f"run{i}", 100, ("loss",), i)
            previous.append(weakref.ref(ds))
            yield ds
            del ds

    lazy = to_zarr(runs(), tmp_path / "runs.zarr")
    assert lazy.sizes[RUN] == 4


def test_reading_a_selection_reads_only_its_chunks(tmp_path):
    metrics = tuple(f"m{j}" for j in range(6))
    path = tmp_path / "sweep.zarr"
    runs = (run_dataset(f"run{i}", 5000, metrics, i) for i in range(6))
    to_zarr(runs, path, chunks={METRIC: 1, STEP: 2500})
    recording = RecordingStore(zarr.storage.LocalStore(str(path), read_only=True))
    lazy = open_zarr(recording)
    recording.keys.clear()
    values = fetch(lazy, ["run1", "run4"], ["m2"])
    assert values.shape == (2, 1, 5000)
    value_chunks = {k for k in recording.keys if k.startswith(f"{VALUE}/c")}
    assert value_chunks and all(k.split("/")[2] in ("1", "4") for k in value_chunks)
    assert all(k.split("/")[3] == "2" for k in value_chunks)  # one metric per chunk here
    assert len(value_chunks) == 2 * 1 * 2  # of 6 x 6 x 2: runs x metrics x step chunks


def test_wall_time_fetch_has_no_metric_dim(tmp_path):
    lazy = to_zarr(rlx.demo("methods"), tmp_path / "m.zarr")
    assert fetch(lazy, ["GRPO"], [], name=WALL_TIME).shape == (1, 4000)


def test_refuses_to_overwrite_and_rejects_bad_input(tmp_path):
    path = tmp_path / "d.zarr"
    to_zarr(rlx.demo("length"), path)
    with pytest.raises(rlx.RLExploreError, match="exists"):
        to_zarr(rlx.demo("length"), path)
    assert to_zarr(rlx.demo("length"), path, mode="w").sizes[RUN] == 1
    with pytest.raises(rlx.RLExploreError, match="unique"):
        to_zarr([rlx.demo("length"), rlx.demo("length")], tmp_path / "e.zarr", mode="w")
    with pytest.raises(rlx.RLExploreError, match="nothing to write"):
        to_zarr([], tmp_path / "f.zarr")
    with pytest.raises(ValueError, match="not an rlexplore dataset"):
        to_zarr(xr.Dataset(), tmp_path / "g.zarr")


def test_open_dataset_with_chunks_is_lazy_too(tmp_path):
    to_zarr(rlx.demo("methods"), tmp_path / "m.zarr")
    ds = xr.open_dataset(tmp_path / "m.zarr", engine="zarr", chunks={})
    assert is_lazy(ds) and not is_lazy(rlx.demo("methods"))


def test_series_rows_read_lazily_once_and_within_a_memory_budget(tmp_path, monkeypatch):
    from rlexplore import lazy as lazy_mod

    lazy = to_zarr(rlx.demo("methods"), tmp_path / "m.zarr")
    rows = lazy_mod.SeriesRows(lazy[VALUE])
    assert rows.lazy and rows[1, 2].shape == (4000,)
    np.testing.assert_array_equal(
        rows[1, 2, [5, 9]], rlx.demo("methods")[VALUE].values[1, 2, [5, 9]]
    )
    assert rows[1, 2] is rows[1, 2]  # read once
    monkeypatch.setattr(lazy_mod, "CACHE_BYTES", 2 * 4000 * 8)
    first = rows[0, 0]
    rows[0, 1], rows[0, 2]
    assert rows[0, 0] is not first  # the least recently used series was let go
    smoothed = lazy_mod.SmoothedRows(rows, "ema", 0.9)
    np.testing.assert_allclose(smoothed[2, 3], rlx.smooth(rows[2, 3], "ema", weight=0.9))


def test_prefetch_reads_the_series_asked_for_in_one_go(tmp_path):
    from rlexplore.lazy import SeriesRows

    path = tmp_path / "p.zarr"
    to_zarr(
        (run_dataset(f"run{i}", 500, ("a", "b", "c"), i) for i in range(4)),
        path,
        chunks={METRIC: 1},
    )
    recording = RecordingStore(zarr.storage.LocalStore(str(path), read_only=True))
    rows = SeriesRows(open_zarr(recording)[VALUE])
    recording.keys.clear()
    rows.prefetch([(1, 2), (3, 0), (1, 2)])
    read = {
        tuple(int(i) for i in k.split("/")[2:4])
        for k in recording.keys
        if k.startswith(f"{VALUE}/c")
    }
    assert read == {(1, 2), (3, 0)}
    recording.keys.clear()
    assert rows[3, 0].shape == (500,) and not recording.keys  # already read
