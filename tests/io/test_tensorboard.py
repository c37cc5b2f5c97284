"""TensorBoard event files written by tensorboardX: scalars, tensors, restarts, bad input."""

from __future__ import annotations

import math
import os
import time

import numpy as np
import pytest
from io_helpers import _tensor_scalar_fixture, _write_tb_fixture  # noqa: F401  (fixtures)

import rlexplore as rlx
from rlexplore.dataset import get_report
from rlexplore.io import tfrecord


def _vals(ds, run, metric):
    v = ds["value"].sel(run=run, metric=metric)
    keep = ~np.isnan(v.values)
    return dict(zip(ds.step.values[keep].tolist(), v.values[keep].tolist()))


def test_simple_values_and_wall_times(tmp_path, write_tb):
    write_tb(
        tmp_path / "a", {"loss": [(0, 1.0), (1, 0.5), (2, 0.25)], "lr": [(0, 1e-3), (2, 2e-3)]}
    )
    ds = rlx.load(tmp_path)
    rlx.validate(ds)
    assert list(ds.run.values) == ["a"]
    assert list(ds.metric.values) == ["loss", "lr"]
    assert _vals(ds, "a", "loss") == {0: 1.0, 1: 0.5, 2: 0.25}
    assert _vals(ds, "a", "lr") == {0: pytest.approx(1e-3), 2: pytest.approx(2e-3)}
    assert ds["wall_time"].sel(run="a").values.tolist() == [1.7e9, 1.7e9 + 1, 1.7e9 + 2]
    assert ds["format"].item() == "tensorboard"


def test_tensor_scalars_of_the_scalars_plugin(tmp_path, tensor_scalar):
    from tensorboardX.writer import FileWriter

    fw = FileWriter(str(tmp_path / "r"))
    try:
        for step in range(4):
            # metadata on the first write of a tag only, as TF2 writes it
            fw.add_summary(tensor_scalar("f32", step * 1.5, first=step == 0), step)
            fw.add_summary(tensor_scalar("f64", step / 3, "DT_DOUBLE", step == 0), step)
            fw.add_summary(tensor_scalar("content", step + 0.25, "content", step == 0), step)
    finally:
        fw.close()
    ds = rlx.load(tmp_path)
    assert _vals(ds, "r", "f32") == {0: 0.0, 1: 1.5, 2: 3.0, 3: 4.5}
    assert _vals(ds, "r", "f64") == {s: s / 3 for s in range(4)}  # doubles kept exactly
    assert _vals(ds, "r", "content") == {s: s + 0.25 for s in range(4)}


def test_tensors_without_scalar_plugin_and_histograms_are_counted(tmp_path):
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(tmp_path / "r")) as w:
        w.add_scalar("x", 1.0, 0)
        w.add_histogram("h", np.arange(10), 0)
        w.add_text("note", "hello", 0)
    ds = rlx.load(tmp_path)
    assert list(ds.metric.values) == ["x"]
    entry = get_report(ds)["files"][0]
    assert entry["skipped"]["histograms (not scalars)"] == 1


def test_nan_and_inf_are_kept(tmp_path, write_tb):
    write_tb(
        tmp_path / "r", {"g": [(0, 1.0), (1, float("nan")), (2, float("inf")), (3, -math.inf)]}
    )
    ds = rlx.load(tmp_path)
    v = ds["value"].sel(run="r", metric="g").values
    assert v[0] == 1.0 and math.isnan(v[1]) and v[2] == math.inf and v[3] == -math.inf
    assert bool(ds["logged"].sel(run="r", metric="g", step=1))


def test_files_of_a_run_merge_in_order_and_restarts_supersede(tmp_path, write_tb):
    run = tmp_path / "run"
    write_tb(run, {"loss": [(s, float(s)) for s in range(1, 11)]}, filename_suffix=".a")
    time.sleep(1.1)  # the next file name sorts after the first
    write_tb(run, {"loss": [(s, 100.0 + s) for s in range(6, 15)]}, filename_suffix=".b")
    assert len(os.listdir(run)) == 2
    ds = rlx.load(tmp_path)
    got = _vals(ds, "run", "loss")
    assert got == {**{s: float(s) for s in range(1, 6)}, **{s: 100.0 + s for s in range(6, 15)}}
    rep = get_report(ds)
    assert sum(f["superseded"] for f in rep["files"]) == 5  # steps 6..10 of the first launch
    split = rlx.load(tmp_path, restarts="split")
    assert list(split.run.values) == ["run#1", "run#2"]
    assert _vals(split, "run#1", "loss") == {s: float(s) for s in range(1, 11)}
    keep = rlx.load(tmp_path, restarts="keep")
    assert _vals(keep, "run", "loss")[8] == 108.0  # later wins; nothing superseded
    assert sum(f["superseded"] for f in get_report(keep)["files"]) == 0


def test_purge_step_session_start_supersedes_every_tag(tmp_path):
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(tmp_path / "r")) as w:
        for s in range(10):
            w.add_scalar("a", s, s)
            w.add_scalar("b", s, s)
    time.sleep(1.1)
    with SummaryWriter(str(tmp_path / "r"), purge_step=5) as w:
        for s in range(5, 8):
            w.add_scalar("a", 10 * s, s)  # "b" is not logged again
    ds = rlx.load(tmp_path)
    assert _vals(ds, "r", "a") == {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 50, 6: 60, 7: 70}
    assert _vals(ds, "r", "b") == {s: s for s in range(5)}  # TensorBoard purges b >= 5 too


def test_hparams_only_subdirectory_is_not_a_run(tmp_path):
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(tmp_path / "run")) as w:
        w.add_scalar("loss", 1.0, 0)
        w.add_hparams({"lr": 0.01, "opt": "adam"}, {}, name="1719642696.82")
    assert (tmp_path / "run" / "1719642696.82").is_dir()
    ds = rlx.load(tmp_path)
    assert list(ds.run.values) == ["run"]
    assert float(ds["hp.lr"].item()) == pytest.approx(0.01)
    assert ds["hp.opt"].item() == "adam"


def test_truncated_final_record_keeps_everything_before(tmp_path, write_tb):
    write_tb(tmp_path / "r", {"x": [(s, float(s)) for s in range(20)]})
    f = next((tmp_path / "r").iterdir())
    data = f.read_bytes()
    f.write_bytes(data[:-7])  # killed mid-write
    ds = rlx.load(tmp_path)
    assert _vals(ds, "r", "x") == {s: float(s) for s in range(19)}
    entry = get_report(ds)["files"][0]
    assert entry["skipped"]["bytes of an incomplete final record"] > 0


def test_bad_checksum_is_skipped_and_counted(tmp_path, write_tb):
    write_tb(tmp_path / "r", {"x": [(s, float(s)) for s in range(20)]})
    f = next((tmp_path / "r").iterdir())
    data = bytearray(f.read_bytes())
    data[-6] ^= 0xFF  # inside the last record's data
    f.write_bytes(bytes(data))
    with pytest.warns(rlx.RLExploreWarning, match="checksum"):
        ds = rlx.load(tmp_path)
    assert len(_vals(ds, "r", "x")) == 19
    assert get_report(ds)["files"][0]["skipped"]["records with a bad checksum"] == 1


def test_corrupt_header_resynchronises(tmp_path, write_tb):
    write_tb(tmp_path / "r", {"x": [(s, float(s)) for s in range(20)]})
    f = next((tmp_path / "r").iterdir())
    data = bytearray(f.read_bytes())
    data[200] ^= 0xFF
    f.write_bytes(bytes(data))
    with pytest.warns(rlx.RLExploreWarning):
        ds = rlx.load(tmp_path)
    assert 15 <= len(_vals(ds, "r", "x")) < 20


def test_read_from_offset_for_live_following(tmp_path, write_tb):
    write_tb(tmp_path / "r", {"x": [(s, float(s)) for s in range(10)]})
    f = next((tmp_path / "r").iterdir())
    data = f.read_bytes()
    part = tmp_path / "part"
    part.write_bytes(data[:-10])
    first = tfrecord.read_event_file(str(part), final=False)
    assert first.stats["truncated_bytes"] == 0
    assert first.end_offset < len(data) - 10
    part.write_bytes(data)  # the writer finished the record
    parser = tfrecord.new_parser()
    rest = tfrecord.read_event_file(str(part), parser, start=first.end_offset)
    assert first.step.tolist() + rest.step.tolist() == list(range(10))


@pytest.mark.parametrize("chunk", [64, 1000, 1 << 20])
def test_chunked_reads_match_one_read(tmp_path, chunk, write_tb):
    write_tb(tmp_path / "r", {f"t{k}": [(s, s * k + 0.5) for s in range(50)] for k in range(5)})
    f = str(next((tmp_path / "r").iterdir()))
    a = tfrecord.read_event_file(f, chunk_bytes=chunk)
    b = tfrecord.read_event_file(f)
    assert a.tags == b.tags
    assert np.array_equal(a.value, b.value) and np.array_equal(a.step, b.step)


@pytest.mark.skipif(not tfrecord.have_extension(), reason="C extension not built")
@pytest.mark.skipif(not tfrecord.have_extension(), reason="the C extension is not built")
def test_c_and_python_parsers_agree_on_writer_files(tmp_path, tensor_scalar):
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(tmp_path)) as w:
        for s in range(30):
            w.add_scalar("a/b", s * 0.1, s)
            w.add_histogram("h", np.arange(5) * s, s)
        w.add_hparams({"lr": 0.1}, {"m": 1.0}, name="hp")
        w.file_writer.add_summary(tensor_scalar("t", 2.5), 3)
    for f in sorted(tmp_path.rglob("events.out.tfevents.*")):
        data = f.read_bytes()
        c = tfrecord.new_parser().feed(data, 0, True)
        p = tfrecord.PyEventParser().feed(data, 0, True)
        assert c == p


def test_pure_python_load_equals_c_load(tmp_path, write_tb):
    write_tb(
        tmp_path / "r",
        {"x": [(s, s / 7) for s in range(40)], "y": [(s, -s) for s in range(0, 40, 3)]},
    )
    a = rlx.load(tmp_path)
    b = rlx.load(tmp_path, _pure_python=True)
    assert a.identical(b)
