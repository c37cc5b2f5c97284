"""Many run directories loaded in parallel on dask: the same Dataset as one load()."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

pytest.importorskip("dask")
pytest.importorskip("tensorboardX")
distributed = pytest.importorskip("distributed")

import rlexplore as rlx  # noqa: E402
from rlexplore.dataset import LOGGED, METRIC, RUN, VALUE, from_columns  # noqa: E402
from rlexplore.io.api import load  # noqa: E402
from rlexplore.io.distributed import concat_runs, load_distributed, partition  # noqa: E402


@pytest.fixture(scope="module")
def log_tree(tmp_path_factory):
    """A sweep of TensorBoard runs (one nested in another), another run, and a notes folder."""
    from tensorboardX import SummaryWriter

    root = tmp_path_factory.mktemp("logs")
    for k, name in enumerate(
        ("sweep/lr1/seed0", "sweep/lr1/seed1", "sweep/lr2/seed0", "sweep/lr2/seed0/eval")
    ):
        with SummaryWriter(str(root / name)) as writer:
            for step in range(0, 60 + 10 * k):
                writer.add_scalar("train/loss", 1.0 / (step + 1) + k, step)
                if step % 10 == 0:
                    writer.add_scalar("eval/acc", step / 100 + k, step)
    with SummaryWriter(str(root / "other" / "grpo")) as writer:
        for step in range(0, 50, 5):
            writer.add_scalar("actor/kl_loss", step * 0.01, step)
    (root / "notes").mkdir()
    (root / "notes" / "todo.txt").write_text("not a log")
    (root / "SOURCES.md").write_text("where these runs come from")  # does not make root one task
    return root


@pytest.fixture(scope="module")
def cluster():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cl,
        distributed.Client(cl) as client,
    ):
        yield client


def assert_same_runs(got: xr.Dataset, want: xr.Dataset):
    assert sorted(got[RUN].values.tolist()) == sorted(want[RUN].values.tolist())
    assert sorted(got[METRIC].values.tolist()) == sorted(want[METRIC].values.tolist())
    got = got.sel({RUN: want[RUN].values, METRIC: want[METRIC].values})
    np.testing.assert_array_equal(got[VALUE].values, want[VALUE].values)
    np.testing.assert_array_equal(got["wall_time"].values, want["wall_time"].values)
    np.testing.assert_array_equal(got["source"].values, want["source"].values)


def test_partition_cuts_at_the_folders_that_hold_files(log_tree):
    tasks = [p.relative_to(log_tree).as_posix() for p in partition(log_tree)]
    assert tasks == ["notes", "other/grpo", "sweep/lr1/seed0", "sweep/lr1/seed1", "sweep/lr2/seed0"]


def test_on_a_local_cluster_equals_one_load(log_tree, cluster):
    got = load_distributed(log_tree, client=cluster)
    assert_same_runs(got, load(log_tree))
    assert "sweep/lr2/seed0/eval" in got[RUN].values  # a run nested in a task keeps its path
    report = rlx.get_report(got)
    assert len(report["files"]) == 5
    assert [f["path"] for f in report["skipped_folders"]] == [str(log_tree / "notes")]


def test_the_default_client_is_used(log_tree, cluster):
    from rlexplore.io import distributed as mod

    assert mod.default_client() is cluster
    assert_same_runs(load_distributed(log_tree), load(log_tree))


def test_without_a_client_the_default_dask_scheduler_runs_it(log_tree, monkeypatch):
    from rlexplore.io import distributed as mod

    monkeypatch.setattr(mod, "default_client", lambda: None)
    assert_same_runs(
        load_distributed(log_tree, format="tensorboard"), load(log_tree, format="tensorboard")
    )


def test_to_zarr_writes_on_the_workers_and_opens_lazily(log_tree, cluster, tmp_path):
    store = tmp_path / "runs.zarr"
    got = load_distributed(log_tree, client=cluster, to=store)
    assert rlx.lazy.is_lazy(got)
    assert_same_runs(got, load(log_tree))
    assert not (tmp_path / "runs.zarr.parts").exists()
    with pytest.raises(rlx.RLExploreError, match="exists"):
        load_distributed(log_tree, client=cluster, to=store)


def test_to_zarr_from_a_path_loads_run_directory_by_run_directory(log_tree, tmp_path):
    got = rlx.to_zarr(log_tree, tmp_path / "runs.zarr")
    assert_same_runs(got, load(log_tree))


def test_rename_applies_to_the_full_run_names(log_tree, cluster):
    got = load_distributed(log_tree, client=cluster, rename={"sweep/lr1/seed0": "best"})
    assert "best" in got[RUN].values and "sweep/lr1/seed1" in got[RUN].values
    got = load_distributed(log_tree, client=cluster, rename=str.upper)
    assert "SWEEP/LR2/SEED0/EVAL" in got[RUN].values


def test_load_with_to_writes_zarr_run_directory_by_run_directory(log_tree, tmp_path):
    got = rlx.load(log_tree, to=tmp_path / "runs.zarr")
    assert rlx.lazy.is_lazy(got)
    assert_same_runs(got, load(log_tree))


def test_load_to_zarr_pass_load_options(log_tree, tmp_path):
    from rlexplore.lazy import load_to_zarr

    got = load_to_zarr(log_tree, tmp_path / "a.zarr", format="tensorboard", rename=str.upper)
    assert "OTHER/GRPO" in got[RUN].values
    files = sorted(str(p) for p in (log_tree / "other").rglob("events*"))
    assert load_to_zarr(files, tmp_path / "b.zarr")[RUN].values.tolist() == ["grpo"]


def test_concat_runs_fills_what_some_runs_lack():
    a = from_columns(
        ["a"] * 3, ["m"] * 3, [0, 1, 2], [1.0, np.nan, 2.0], run_coords={"a": {"hp.lr": 0.1}}
    )
    b = from_columns(
        ["b"] * 2, ["n", "m"], [5, 6], [3.0, 4.0], [1.0, 2.0], run_coords={"b": {"hp.opt": "adam"}}
    )
    out = concat_runs([a, b])
    assert out[METRIC].values.tolist() == ["m", "n"]
    assert out[LOGGED].sel({RUN: "a", METRIC: "m"}).values.tolist()[:3] == [True, True, True]
    assert out[LOGGED].sel({RUN: "b", METRIC: "n"}).values.tolist() == [
        False,
        False,
        False,
        True,
        False,
    ]
    assert np.isnan(out["hp.lr"].values[1]) and out["hp.opt"].values.tolist() == ["", "adam"]
    assert np.isnan(out["wall_time"].sel({RUN: "a"}).values).all()
    assert rlx.get_report(out)["build"]["points"] == 5


def test_a_folder_that_fails_is_reported_and_the_rest_loads(log_tree, tmp_path, cluster):
    import shutil

    root = tmp_path / "logs"
    shutil.copytree(log_tree / "other", root / "other")
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(root / "broken")) as writer:
        writer.add_scalar("loss", 1.0, 0)
    event_file = next((root / "broken").iterdir())
    event_file.write_bytes(event_file.read_bytes()[:12] + b"\xff" * 60)  # corrupt after the header
    with pytest.warns(rlx.RLExploreWarning, match="1 folders gave no data"):
        got = load_distributed(root, client=cluster)
    assert got[RUN].values.tolist() == ["other/grpo"]
    with pytest.raises(rlx.RLExploreError, match="no runs were loaded"):
        load_distributed(root / "broken", client=cluster)


def test_missing_root_and_empty_input_are_clear_errors(tmp_path):
    with pytest.raises(rlx.RLExploreError, match="does not exist"):
        load_distributed(tmp_path / "nope")
    with pytest.raises(rlx.RLExploreError, match="no runs"):
        concat_runs([])
