"""Live follow: a real writer process appends while the follower polls; nothing is lost or doubled."""

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr

import rlexplore as rlx
from rlexplore.io import load
from rlexplore.live import Follower

pytest.importorskip("tensorboardX")

WRITER = r"""
import json, sys, time
from pathlib import Path
from tensorboardX import SummaryWriter

logdir, n, pause = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
tb = SummaryWriter(str(logdir / "tb-seed0"), flush_secs=3600)
jsonl = open(logdir / "jsonl-seed0.jsonl", "w")
late = None
for step in range(n):
    line = json.dumps({"step": step, "loss": 1.0 / (step + 1), "reward": {"mean": step * 0.1}})
    jsonl.write(line[: len(line) // 2])  # half a record: the follower must wait for the rest
    jsonl.flush()
    time.sleep(pause / 2)
    jsonl.write(line[len(line) // 2 :] + "\n")
    jsonl.flush()
    tb.add_scalar("train/loss", 1.0 / (step + 1), step)
    if step >= 10 and step % 5 == 0:  # a metric that appears later
        tb.add_scalar("eval/acc", step / n, step)
    if step == n // 2:  # a run that appears midway
        late = SummaryWriter(str(logdir / "tb-seed1"), flush_secs=3600)
    if late is not None:
        late.add_scalar("train/loss", 2.0 / (step + 1), step)
        late.flush()
    tb.flush()
    time.sleep(pause / 2)
tb.close()
jsonl.close()
if late is not None:
    late.close()
"""


def logged_points(ds):
    """{(run, metric, step): value} of every logged point."""
    frame = rlx.to_dataframe(ds)
    return dict(zip(zip(frame.run, frame.metric, frame.step), frame.value))


def test_real_writer_process_while_polling(tmp_path):
    rlx.demo("length")  # xarray's one-time import cost (about a second) before the clock starts
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), "60", "0.03"])
    follower = Follower(tmp_path)
    snapshots = []
    try:
        while proc.poll() is None:
            if follower.poll():
                snapshots.append(follower.dataset)
            time.sleep(0.05)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == 0
    follower.poll()
    fresh = load(tmp_path)
    xr.testing.assert_identical(follower.dataset, fresh)
    assert follower.dataset.sizes["step"] == 60 and follower.dataset.sizes["run"] == 3
    # it really was incremental: several distinct states, the late run and metric appeared on the way
    assert len(snapshots) >= 5
    assert any(s.sizes["run"] == 2 for s in snapshots) and any(
        "eval/acc" not in s.metric for s in snapshots
    )
    # every point seen on the way is in the final data with the same value: none lost, none changed
    final = logged_points(fresh)
    for snap in snapshots:
        seen = logged_points(snap)
        assert seen.items() <= final.items()
    # only new bytes were read (a partial record is read again at most once per poll)
    size = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert size <= follower.bytes_read < 2 * size


def test_partial_records_wait_for_the_next_poll(tmp_path):
    from tensorboardX import SummaryWriter

    source = tmp_path / "src"
    with SummaryWriter(str(source)) as w:
        for step in range(30):
            w.add_scalar("loss", step * 0.5, step)
    event = next(source.glob("*tfevents*"))
    data = event.read_bytes()
    watched = tmp_path / "watched" / "run"
    watched.mkdir(parents=True)
    target = watched / event.name
    follower = Follower(tmp_path / "watched")
    counts = []
    with open(target, "wb") as out:
        for lo in range(0, len(data), 37):  # 37 bytes at a time: records are cut everywhere
            out.write(data[lo : lo + 37])
            out.flush()
            follower.poll()
            counts.append(
                0 if follower.dataset is None else int(np.isfinite(follower.dataset.value).sum())
            )
    assert counts == sorted(counts) and counts[-1] == 30
    xr.testing.assert_identical(follower.dataset, load(tmp_path / "watched"))
    assert follower.bytes_read < 2 * len(data)


def test_jsonl_lines_cut_anywhere_and_the_step_key_window(tmp_path):
    lines = [{"loss": 0.5}]  # no step in the first record: the loader looks at the first 50
    lines += [{"step": i, "loss": 1.0 / (i + 1), "acc": {"mean": i / 10}} for i in range(1, 80)]
    text = "\n".join(json.dumps(r) for r in lines[:40]) + "\n{not json}\n"
    text += "\n".join(json.dumps(r) for r in lines[40:]) + "\n"
    data = text.encode()
    target = tmp_path / "run.jsonl"
    follower = Follower(tmp_path)
    with (
        open(target, "wb") as out,
        pytest.warns(rlx.RLExploreWarning, match="1 malformed JSON lines") as seen,
    ):
        for lo in range(0, len(data), 53):
            out.write(data[lo : lo + 53])
            out.flush()
            follower.poll()
    assert len(seen) == 1  # said once, not at every poll after the bad line
    with pytest.warns(rlx.RLExploreWarning):
        fresh = load(tmp_path)
    xr.testing.assert_identical(follower.dataset, fresh)
    assert rlx.get_report(follower.dataset)["files"] == rlx.get_report(fresh)["files"]
    assert follower.bytes_read < 2 * len(data)


def test_poll_without_news_keeps_the_same_dataset(tmp_path):
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(tmp_path / "a")) as w:
        w.add_scalar("loss", 1.0, 0)
    follower = Follower(tmp_path)
    assert follower.poll() is True
    first = follower.dataset
    assert follower.poll() is False and follower.dataset is first


def test_missing_source_is_a_clear_error(tmp_path):
    with pytest.raises(rlx.RLExploreError, match="no such file or directory"):
        Follower(tmp_path / "nope")


def write_jsonl(path, steps):
    with open(path, "a") as out:
        for step in steps:
            out.write(json.dumps({"step": step, "loss": 1.0 / (step + 1)}) + "\n")


def test_start_polls_on_the_running_event_loop(tmp_path):
    import asyncio

    write_jsonl(tmp_path / "run.jsonl", range(3))
    seen = []

    async def follow():
        watch = Follower(tmp_path).start(0.02, lambda ds: seen.append(ds.sizes["step"]))
        await asyncio.sleep(0.1)
        write_jsonl(tmp_path / "run.jsonl", range(3, 8))
        await asyncio.sleep(0.1)
        watch.stop()
        return watch

    watch = asyncio.run(follow())
    assert seen == [3, 8] and watch.errors == [] and not watch.running


def test_start_without_an_event_loop_uses_a_thread_and_survives_errors(tmp_path):
    write_jsonl(tmp_path / "run.jsonl", range(2))
    seen = []

    def on_change(ds):
        seen.append(ds.sizes["step"])
        if len(seen) == 1:
            raise RuntimeError("a broken callback")

    watch = Follower(tmp_path).start(0.02, on_change)
    deadline = time.monotonic() + 5
    while not seen and time.monotonic() < deadline:
        time.sleep(0.02)
    write_jsonl(tmp_path / "run.jsonl", range(2, 4))
    while len(seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    watch.stop()
    assert seen == [2, 4]
    assert watch.errors == ["RuntimeError: a broken callback"]
    with pytest.raises(rlx.RLExploreError, match="interval"):
        Follower(tmp_path).start(0, print)


def grow(files, target_dir, chunk, follower):
    """Append `files` (in order) to copies under `target_dir`, `chunk` bytes at a time, polling each time."""
    for source in files:
        data = source.read_bytes()
        target = target_dir / source.name
        with open(target, "wb") as out:
            for lo in range(0, len(data), chunk):
                out.write(data[lo : lo + chunk])
                out.flush()
                follower.poll()


@pytest.mark.realdata
def test_real_event_files_of_a_restarted_run_grow_into_a_fresh_load(real_data, tmp_path):
    run = (
        real_data
        / "cas-nlp-wordle-grpo/expert_guy/post_training_project/threestage/stage1_output/logs"
    )
    files = sorted(run.glob("*tfevents*"))
    if len(files) < 2:
        pytest.skip("the real run with several launches is not there")
    target = tmp_path / "logs"
    target.mkdir()
    follower = Follower(tmp_path)
    grow(files, target, 4096, follower)
    fresh = load(tmp_path)
    xr.testing.assert_identical(follower.dataset, fresh)
    report = rlx.get_report(follower.dataset)["files"]
    assert report == rlx.get_report(fresh)["files"]
    assert sum(f["superseded"] for f in report) > 0  # the restarts really were applied across polls


@pytest.mark.realdata
def test_real_jsonl_with_duplicates_grows_into_a_fresh_load(real_data, tmp_path):
    source = (
        real_data
        / "agent-memory-redteam/modal_results/strict/stage2/train_metrics.with_duplicates.jsonl"
    )
    if not source.is_file():
        pytest.skip("the real JSONL file is not there")
    follower = Follower(tmp_path)
    grow([source], tmp_path, 997, follower)
    fresh = load(tmp_path)
    xr.testing.assert_identical(follower.dataset, fresh)
    assert (
        sum(f["superseded"] for f in rlx.get_report(follower.dataset)["files"]) == 435
    )  # steps logged again


@pytest.mark.realdata
def test_one_poll_of_every_real_log_directory_equals_a_fresh_load(real_data):
    import warnings

    for directory in sorted(p for p in real_data.iterdir() if p.is_dir()):
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore", rlx.RLExploreWarning
            )  # some real files are damaged, on purpose
            fresh = load(directory)
            follower = Follower(directory)
            follower.poll()
        xr.testing.assert_identical(follower.dataset, fresh)
        assert rlx.get_report(follower.dataset)["files"] == rlx.get_report(fresh)["files"], (
            directory.name
        )


def test_a_file_replaced_or_truncated_is_read_anew(tmp_path):
    path = tmp_path / "run.jsonl"
    write_jsonl(path, range(10))
    follower = Follower(tmp_path)
    follower.poll()
    replacement = tmp_path / "tmp.part"
    replacement.write_text("".join(json.dumps({"step": s, "loss": 5.0}) + "\n" for s in range(12)))
    os.replace(replacement, path)  # rewritten whole (a new file), longer than before
    assert follower.poll()
    xr.testing.assert_identical(follower.dataset, load(tmp_path))
    path.write_text(json.dumps({"step": 0, "loss": 1.0}) + "\n")  # truncated in place
    assert follower.poll()
    xr.testing.assert_identical(follower.dataset, load(tmp_path))
