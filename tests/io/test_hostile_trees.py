"""Every kind of bad input of issue 14, each on variants: handled per record, never per file.

Each test builds a log tree as a user's disk holds it (files from the real writers where
the format has one) and checks what `rlx.load` keeps, what the report says and that
nothing but `RLExploreError` / a recorded warning comes out.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from io_helpers import _write_tb_fixture  # noqa: F401  (a fixture)

import rlexplore as rlx
from rlexplore.cli import main
from rlexplore.io import run_name

BIG = 2**53


def files_of(ds):
    return {Path(f["path"]).name: f for f in rlx.get_report(ds)["files"]}


def quiet_load(*args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rlx.RLExploreWarning)
        return rlx.load(*args, **kw)


def jsonl(path: Path, records) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


# ------------------------------------------------------------------ sniffing long first lines


@pytest.mark.parametrize("n_metrics", [150, 400, 5000])  # ~4.5 KiB, 12 KiB, 160 KiB lines
@pytest.mark.parametrize("how", ["folder", "file", "format"])
def test_a_first_jsonl_line_longer_than_the_head_is_read(tmp_path, n_metrics, how):
    recs = [
        {"step": s, "data": {f"actor/metric_{k:04d}": s + k / 1e4 for k in range(n_metrics)}}
        for s in range(3)
    ]
    f = jsonl(tmp_path / "verl.jsonl", recs)
    assert len(f.read_text().splitlines()[0]) > 4096
    if how == "folder":
        ds = rlx.load(tmp_path)
    elif how == "file":
        ds = rlx.load(f)
    else:
        ds = rlx.load(tmp_path, format="jsonl")
    assert ds.sizes["metric"] == n_metrics and ds.step.values.tolist() == [0, 1, 2]
    assert ds["value"].sel(metric="actor/metric_0001", step=2).item() == pytest.approx(2.0001)


def test_a_csv_header_longer_than_the_head_is_read(tmp_path):
    names = [f"train/a_rather_long_metric_name_{k:04d}" for k in range(300)]
    rows = ["step," + ",".join(names)] + [f"{s}," + ",".join(["1.5"] * 300) for s in range(2)]
    (tmp_path / "wide.csv").write_text("\n".join(rows) + "\n")
    ds = rlx.load(tmp_path)
    assert ds.sizes["metric"] == 300 and ds.sizes["step"] == 2


# ------------------------------------------------------------------ BOM, cut and bad bytes


@pytest.mark.parametrize("kind", ["wide", "long", "wandb"])
def test_csv_with_a_utf8_bom_loads(tmp_path, kind):
    text = {
        "wide": "step,loss\n1,0.5\n2,0.25\n",
        "long": "run,metric,step,value\nr,loss,1,0.5\nr,loss,2,0.25\n",
        "wandb": "Step,r - loss\n1,0.5\n2,0.25\n",
    }[kind]
    (tmp_path / "excel.csv").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    ds = rlx.load(tmp_path)
    assert ds["value"].sel(metric="loss").values.ravel().tolist() == [0.5, 0.25]


@pytest.mark.parametrize("name", ["m.jsonl", "m.json"])
def test_json_with_a_bom_loads(tmp_path, name):
    recs = [{"step": 1, "x": 1.0}, {"step": 2, "x": 2.0}]
    body = "".join(json.dumps(r) + "\n" for r in recs) if name.endswith("l") else json.dumps(recs)
    (tmp_path / name).write_bytes(b"\xef\xbb\xbf" + body.encode())
    assert rlx.load(tmp_path)["value"].values.ravel().tolist() == [1.0, 2.0]


@pytest.mark.parametrize("shift", range(0, 4))
def test_a_head_that_ends_inside_a_multibyte_character(tmp_path, shift):
    # metric names with "é" (2 bytes) and "€" (3 bytes) so that byte 4096 falls inside one
    names = [f"métrique_€_{k:03d}" for k in range(400)]
    header = "step," + ",".join(names)
    pad = "x" * shift
    header = header.replace("métrique_€_000", "métrique_€_000" + pad, 1)
    raw = (header + "\n1," + ",".join(["0.5"] * 400) + "\n").encode()
    (tmp_path / "m.csv").write_bytes(raw)
    recs = [{"step": 1, **{n + pad: 0.5 for n in names}}]
    jsonl(tmp_path / "m.jsonl", recs)
    ds = rlx.load(tmp_path)
    assert ds.sizes["run"] == 2 and ds.sizes["metric"] >= 400


@pytest.mark.parametrize("bad", [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x81"])
def test_undecodable_bytes_in_the_first_line(tmp_path, bad):
    line = b'{"step": 1, "note": "' + bad + b'", "x": 1.5}\n{"step": 2, "x": 2.5}\n'
    (tmp_path / "m.jsonl").write_bytes(line)
    (tmp_path / "w.csv").write_bytes(b"step,x" + bad + b"\n1,1.5\n2,2.5\n")
    ds = rlx.load(tmp_path)
    assert ds.sizes["run"] == 2
    assert ds["value"].sel(run="m", metric="x").values.tolist() == [1.5, 2.5]


# ------------------------------------------------------------------ links, special files, rights


def test_a_symlinked_run_directory_is_followed(tmp_path, write_tb):
    outside = tmp_path / "store" / "grpo"
    write_tb(outside, {"loss": [(0, 1.0), (1, 0.5)]})
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "grpo-link").symlink_to(outside, target_is_directory=True)
    jsonl(logs / "ppo.jsonl", [{"step": 0, "loss": 2.0}])
    ds = rlx.load(logs)
    assert sorted(ds.run.values) == ["grpo-link", "ppo"]
    assert ds["value"].sel(run="grpo-link", metric="loss").values[:2].tolist() == [1.0, 0.5]


@pytest.mark.parametrize("loop", ["self", "parent", "two links"])
def test_symlink_loops_end_and_each_run_is_read_once(tmp_path, write_tb, loop):
    root = tmp_path / "logs"
    write_tb(root / "a", {"loss": [(0, 1.0)]})
    if loop == "self":
        (root / "a" / "again").symlink_to(root / "a", target_is_directory=True)
    elif loop == "parent":
        (root / "a" / "up").symlink_to(root, target_is_directory=True)
    else:
        (root / "l1").symlink_to(root / "a", target_is_directory=True)
        (root / "l2").symlink_to(root / "a", target_is_directory=True)
    ds = rlx.load(root)
    assert ds.sizes["run"] == 1
    assert any("already read" in " ".join(f["notes"]) for f in rlx.get_report(ds)["files"])


def test_fifo_socket_and_device_are_reported_never_opened(tmp_path):
    root = Path(tempfile.mkdtemp(prefix="rlx", dir="/tmp"))  # short: a socket path is < 108 B
    try:
        jsonl(root / "m.jsonl", [{"step": 1, "x": 1.0}])
        os.mkfifo(root / "pipe.jsonl")  # opening it for reading would block forever
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(root / "s.sock"))
        (root / "null.csv").symlink_to("/dev/null")
        ds = rlx.load(root)
        assert ds.run.values.tolist() == ["m"]
        rep = files_of(ds)
        assert rep["pipe.jsonl"]["skipped"] == {"not read: a named pipe (FIFO)": 1}
        assert rep["s.sock"]["skipped"] == {"not read: a socket": 1}
        assert rep["null.csv"]["skipped"] == {"not read: a device": 1}
        with pytest.raises(rlx.RLExploreError, match="named pipe"):
            rlx.load(root / "pipe.jsonl")
        with pytest.raises(rlx.RLExploreError, match="named pipe"):
            rlx.load(root / "pipe.jsonl", format="jsonl")
        assert main(["info", str(root)]) == 0  # the CLI does not hang either
        sock.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_a_dangling_link_is_reported_as_unreadable(tmp_path):
    jsonl(tmp_path / "m.jsonl", [{"step": 1, "x": 1.0}])
    (tmp_path / "gone.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    with pytest.warns(rlx.RLExploreWarning, match="gone.jsonl"):
        ds = rlx.load(tmp_path)
    assert "unreadable file" in next(iter(files_of(ds)["gone.jsonl"]["skipped"]))


AS_USER = r"""
import json, sys, warnings
import rlexplore as rlx
warnings.simplefilter("ignore")
try:
    rlx.load(sys.argv[1] + "/secret.jsonl")  # given by name, unreadable: a clear error
except rlx.RLExploreError as err:
    given = str(err)
ds = rlx.load(sys.argv[1])
print(json.dumps({"runs": ds.run.values.tolist(), "files": rlx.get_report(ds)["files"],
                  "given": given}))
"""


def _without_privileges(code: str, *args: str) -> subprocess.CompletedProcess:
    """Run Python code subject to file permissions (root reads everything otherwise).

    As root, the child runs with every capability dropped (``setpriv``), so a file or
    folder with mode 0 is unreadable to it as to any user.
    """
    cmd = [sys.executable, "-c", code, *args]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: permissions cannot be tested")
        cmd = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def restore_modes(tmp_path):
    """Give every path under tmp_path its rights back after the test (so it can be removed)."""
    yield tmp_path
    for p in [tmp_path, *tmp_path.rglob("*")]:
        if not p.is_symlink():
            p.chmod(0o755)


def test_unreadable_directories_and_files_are_reported(restore_modes):
    root = restore_modes
    jsonl(root / "ok.jsonl", [{"step": 1, "x": 1.0}])
    locked = root / "locked"
    jsonl(locked / "hidden.jsonl", [{"step": 1, "x": 2.0}])
    jsonl(root / "secret.jsonl", [{"step": 1, "x": 3.0}])
    locked.chmod(0)
    (root / "secret.jsonl").chmod(0)
    out = _without_privileges(AS_USER, str(root))
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["runs"] == ["ok"]
    why = {Path(f["path"]).name: " ".join(f["skipped"]) for f in got["files"]}
    assert "unreadable directory" in why["locked"]
    assert "unreadable file" in why["secret.jsonl"]
    assert "secret.jsonl" in got["given"] and "Permission denied" in got["given"]


# ------------------------------------------------------------------ records that cannot be stored


def test_out_of_range_steps_values_and_depth_skip_only_that_record(tmp_path):
    deep = {"a": 1.0}
    for _ in range(100):
        deep = {"n": deep}
    lines = [
        '{"step": -9223372036854775808, "x": 4.0}',  # -2**63: kept
        '{"step": 1, "x": 1.0}',
        '{"step": 2, "x": 1' + "0" * 400 + "}",  # 10**400: no float64
        '{"step": 3, "x": 1e400}',  # JSON's 1e400 is inf: a float, kept as inf
        json.dumps({"step": 4, **deep}),  # 100 deep: skipped
        '{"step": 5, "y": ' + "[" * 5000 + "]" * 5000 + "}",  # deeper than Python's stack
        '{"step": 6, "x": 6.0}',
        '{"step": 9223372036854775808, "x": 3.0}',  # 2**63: does not fit
        '{"step": 9223372036854775807, "x": 2.0}',  # 2**63 - 1: the largest int64, kept
    ]
    (tmp_path / "m.jsonl").write_text("\n".join(lines) + "\n")
    ds = rlx.load(tmp_path)
    x = ds["value"].sel(metric="x").squeeze()
    assert ds.step.values.tolist() == [-(2**63), 1, 3, 6, 2**63 - 1]
    assert x.sel(step=2**63 - 1).item() == 2.0 and x.sel(step=-(2**63)).item() == 4.0
    assert np.isinf(x.sel(step=3).item()) and x.sel(step=6).item() == 6.0
    skipped = files_of(ds)["m.jsonl"]["skipped"]
    assert skipped["out-of-range steps (beyond int64)"] == 1
    assert skipped["out-of-range values (beyond float64)"] == 1
    assert skipped["records nested too deeply"] == 2


@pytest.mark.parametrize("fmt", ["wide csv", "long csv", "wandb csv", "trainer_state", "verl"])
def test_out_of_range_steps_in_other_formats(tmp_path, fmt):
    huge = "99999999999999999999"
    if fmt == "wide csv":
        (tmp_path / "m.csv").write_text(f"step,x\n1,1.0\n{huge},2.0\n3,3.0\n")
    elif fmt == "long csv":
        (tmp_path / "m.csv").write_text(f"run,metric,step,value\nr,x,1,1\nr,x,{huge},2\nr,x,3,3\n")
    elif fmt == "wandb csv":
        (tmp_path / "m.csv").write_text(f"Step,r - x\n1,1\n{huge},2\n3,3\n")
    elif fmt == "trainer_state":
        (tmp_path / "trainer_state.json").write_text(
            '{"global_step": 3, "log_history": [{"loss": 1, "step": 1}, '
            f'{{"loss": 2, "step": {huge}}}, {{"loss": 3, "step": 3}}]}}'
        )
    else:
        (tmp_path / "v.log").write_text(f"step:1 - x:1.0\nstep:{huge} - x:2.0\nstep:3 - x:3.0\n")
    ds = rlx.load(tmp_path)
    assert ds.step.values.tolist() == [1, 3]
    assert np.nansum(ds["value"].values) == 4.0
    assert any(
        "out-of-range steps" in why for f in rlx.get_report(ds)["files"] for why in f["skipped"]
    )


@pytest.mark.parametrize("fmt", ["jsonl", "json", "wide csv", "long csv", "wandb csv"])
def test_steps_beyond_2_53_stay_exact_and_distinct(tmp_path, fmt):
    steps = [BIG, BIG + 1, BIG + 2, 2**62 + 1]
    if fmt == "jsonl":
        jsonl(tmp_path / "m.jsonl", [{"step": s, "x": float(k)} for k, s in enumerate(steps)])
    elif fmt == "json":
        (tmp_path / "m.json").write_text(
            json.dumps([{"step": s, "x": float(k)} for k, s in enumerate(steps)])
        )
    elif fmt == "wide csv":
        (tmp_path / "m.csv").write_text(
            "step,x\n" + "".join(f"{s},{k}\n" for k, s in enumerate(steps))
        )
    elif fmt == "long csv":
        (tmp_path / "m.csv").write_text(
            "run,metric,step,value\n" + "".join(f"r,x,{s},{k}\n" for k, s in enumerate(steps))
        )
    else:
        (tmp_path / "m.csv").write_text(
            "Step,r - x\n" + "".join(f"{s},{k}\n" for k, s in enumerate(steps))
        )
    ds = rlx.load(tmp_path)
    assert ds.step.values.tolist() == steps
    assert ds["value"].sel(metric="x").squeeze().values.tolist() == [0.0, 1.0, 2.0, 3.0]


# ------------------------------------------------------------------ configs are not runs


@pytest.mark.parametrize("name", ["args.json", "config.json", "hparams.json", "train_config.json"])
@pytest.mark.parametrize("one_line", [True, False])
def test_a_config_file_gives_hyperparameters_of_its_run(tmp_path, write_tb, name, one_line):
    run = write_tb(tmp_path / "grpo", {"loss": [(0, 1.0), (1, 0.5)]})
    cfg = {"lr": 1e-6, "model": "Qwen2.5-0.5B", "optim": {"beta1": 0.9}, "layers": [1, 2]}
    (run / name).write_text(json.dumps(cfg) if one_line else json.dumps(cfg, indent=2))
    ds = rlx.load(tmp_path)
    assert ds.run.values.tolist() == ["grpo"]  # the config is not a run
    assert ds["hp.lr"].item() == 1e-6 and ds["hp.model"].item() == "Qwen2.5-0.5B"
    assert ds["hp.optim.beta1"].item() == 0.9
    assert files_of(ds)[name]["format"] == "config"


def test_a_config_above_several_runs_goes_to_each(tmp_path):
    (tmp_path / "config.json").write_text('{"algo": "grpo", "seed_base": 7}')
    for seed in (0, 1):
        jsonl(tmp_path / f"seed{seed}" / "metrics.jsonl", [{"step": 1, "x": seed}])
    ds = rlx.load(tmp_path)
    assert sorted(ds.run.values) == ["seed0", "seed1"]
    assert ds["hp.algo"].values.tolist() == ["grpo", "grpo"]


@pytest.mark.parametrize("name", ["all_results.json", "eval_results.json", "summary.json"])
def test_a_single_object_without_a_step_is_not_a_run(tmp_path, name):
    (tmp_path / name).write_text('{"eval_loss": 0.5, "epoch": 3.0}')
    jsonl(tmp_path / "m.jsonl", [{"step": 1, "x": 1.0}])
    ds = rlx.load(tmp_path)
    assert ds.run.values.tolist() == ["m"] and "hp.eval_loss" not in ds.coords


def test_a_trainer_state_without_log_history_is_not_a_run(tmp_path):
    state = {"global_step": 40, "best_metric": None, "is_world_process_zero": True, "epoch": 1.0}
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "trainer_state.json").write_text(json.dumps(state, indent=2))
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "trainer_state.json").write_text(json.dumps(state))
    jsonl(tmp_path / "m.jsonl", [{"step": 1, "x": 1.0}])
    ds = rlx.load(tmp_path)
    assert ds.run.values.tolist() == ["m"]


# ------------------------------------------------------------------ a truncated newest checkpoint


@pytest.mark.parametrize("where", ["checkpoint", "run folder"])
@pytest.mark.parametrize("cut", [0.5, 0.99])
def test_a_truncated_newest_trainer_state_is_reported_with_a_warning(
    tmp_path, real_data, where, cut
):
    # a real TRL GRPO trainer_state.json, and an older copy of it at checkpoint-100
    state = json.loads((real_data / "chaos-economy" / "trainer_state.json").read_text())
    hist = state["log_history"]
    older = dict(state, log_history=hist[:20], global_step=hist[19]["step"])
    run = tmp_path / "out"
    (run / "checkpoint-100").mkdir(parents=True)
    (run / "checkpoint-100" / "trainer_state.json").write_text(json.dumps(older, indent=2))
    newest = run / "checkpoint-200" if where == "checkpoint" else run
    newest.mkdir(exist_ok=True)
    text = json.dumps(state, indent=2)
    (newest / "trainer_state.json").write_text(text[: int(len(text) * cut)])
    with pytest.warns(rlx.RLExploreWarning, match="trainer_state.json"):
        ds = rlx.load(tmp_path)
    assert ds.step.values.tolist() == [h["step"] for h in hist[:20]]
    entry = next(
        f for f in rlx.get_report(ds)["files"] if f["path"] == str(newest / "trainer_state.json")
    )
    assert any("truncated" in why for why in entry["skipped"])
    assert any("older copy" in n and "checkpoint-100" in n for n in entry["notes"])


# ------------------------------------------------------------------ W&B CSV run names


@pytest.mark.parametrize(
    ("header", "runs", "metrics"),
    [
        (
            "Step,GRPO - seed1 - train/reward,GRPO - seed1 - train/reward__MIN,"
            "GRPO - seed2 - train/reward",
            ["GRPO - seed1", "GRPO - seed2"],
            ["train/reward", "train/reward__MIN"],
        ),
        ("Step,a - b - c - loss", ["a - b - c"], ["loss"]),
        ("Step,run - kl - mean,run - loss", ["run"], ["kl - mean", "loss"]),
        ("Step,x - y - loss,x - y - kl,z - loss", ["x - y", "z"], ["loss", "kl"]),
    ],
)
def test_wandb_csv_run_names_with_dashes_survive(tmp_path, header, runs, metrics):
    n = header.count(",")
    (tmp_path / "export.csv").write_text(header + "\n" + "1," + ",".join(["0.5"] * n) + "\n")
    for fmt in ("auto", "wandb_csv"):
        ds = rlx.load(tmp_path, format=fmt)
        assert sorted(ds.run.values) == sorted(runs)
        assert set(metrics) <= set(ds.metric.values)
        assert files_of(ds)["export.csv"]["format"] == "wandb_csv"


def test_wandb_csv_format_on_real_exports(real_data):
    src = real_data / "deep-grpo-wandb-csv"
    auto = rlx.load(src)
    forced = rlx.load(src, format="wandb_csv")
    xr.testing.assert_identical(auto, forced)


# ------------------------------------------------------------------ names, convert, report


def test_non_utf8_directory_names_are_escaped_and_convert_works(tmp_path):
    bad = os.fsdecode(b"run-\xff\xfe")
    jsonl(tmp_path / bad / "metrics.jsonl", [{"step": 1, "x": 1.0}])
    jsonl(tmp_path / "ok" / "metrics.jsonl", [{"step": 1, "\udcff": 2.0}])
    (tmp_path / "ok" / "config.json").write_text('{"\\udcff": "\\udcfe", "lr": 0.1}')
    ds = rlx.load(tmp_path)
    assert sorted(ds.run.values) == ["ok", "run-\\xff\\xfe"]
    assert "\\xff" in ds.metric.values
    assert ds["hp.\\xff"].sel(run="ok").item() == "\\xfe"  # escaped config keys and values
    assert run_name(tmp_path / bad, tmp_path) == "run-\\xff\\xfe"
    out = tmp_path / "out.nc"
    assert main(["convert", str(tmp_path), "-o", str(out)]) == 0
    back = xr.open_dataset(out, engine="h5netcdf")
    assert sorted(back.run.values) == sorted(ds.run.values)
    back.close()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


CONVERT = r"""
import sys
from rlexplore.cli import main
sys.exit(main(["convert", sys.argv[1], "-o", sys.argv[2], "--force"]))
"""


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_convert_that_fails_leaves_the_old_output_whole(restore_modes, suffix):
    logs = restore_modes / "logs"
    jsonl(logs / "m.jsonl", [{"step": 1, "x": 1.0}])
    out_dir = restore_modes / "out"
    out_dir.mkdir()
    out = out_dir / f"runs{suffix}"
    assert main(["convert", str(logs), "-o", str(out)]) == 0
    before = sorted(str(p) for p in out_dir.rglob("*"))
    out_dir.chmod(0o555)  # nobody may write here (root neither, without its privileges)
    res = _without_privileges(CONVERT, str(logs), str(out))
    assert res.returncode != 0
    assert "Traceback" not in res.stderr and "could not write" in res.stderr
    assert sorted(str(p) for p in out_dir.rglob("*")) == before  # old output, no leftovers


@pytest.mark.parametrize(
    "attr",
    ["{", "[]", '{"files": [1]}', '{"files": "x"}', '{"files": [{"path": 1}]}',
     '{"build": {"points": "many"}}', '{"ignored": 3}', "[" * 100_000 + "]" * 100_000, "null"],
)  # fmt: skip
def test_report_on_a_malformed_report_attribute_says_so(attr):
    ds = rlx.demo("dashboard")
    ds.attrs["load_report"] = attr
    with pytest.raises(ValueError, match="load report|load_report"):
        rlx.report(ds)
    with pytest.raises(ValueError):
        rlx.get_report(ds)
    if attr in ("{", "[" * 100_000 + "]" * 100_000):  # not JSON at all: validate says so
        with pytest.raises(ValueError, match="load_report"):
            rlx.validate(ds)


def test_validate_on_int64_steps_far_apart():
    ds = rlx.dataset.from_columns(["r", "r"], ["m", "m"], [-(2**63), 2**63 - 1], [1.0, 2.0])
    assert rlx.validate(ds) is ds
    bad = ds.assign_coords(step=np.array([2**63 - 1, -(2**63)], dtype=np.int64))
    with pytest.raises(ValueError, match="not strictly increasing"):
        rlx.validate(bad)


def test_a_deeply_nested_json_anywhere_does_not_stop_the_load(tmp_path, capsys):
    (tmp_path / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    (tmp_path / "deep2.json").write_text('{"a":' * 50_000 + "1" + "}" * 50_000)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "trainer_state.json").write_text(
        '{"log_history": ' + "[" * 100_000 + "]" * 100_000 + "}"
    )
    jsonl(tmp_path / "m.jsonl", [{"step": 1, "x": 1.0}])
    with pytest.warns(rlx.RLExploreWarning, match="nested too deeply"):
        ds = rlx.load(tmp_path)
    assert ds.run.values.tolist() == ["m"]
    with pytest.warns(rlx.RLExploreWarning):
        assert main(["info", str(tmp_path)]) == 0


def test_load_returns_validated_data_and_keeps_the_report_in_zarr(tmp_path, write_tb):
    write_tb(tmp_path / "logs" / "a", {"loss": [(0, 1.0), (1, 0.5)]})
    jsonl(tmp_path / "logs" / "b" / "m.jsonl", [{"step": 1, "x": "oops"}, {"step": 2, "x": 1}])
    mem = rlx.load(tmp_path / "logs")
    lazy = rlx.load(tmp_path / "logs", to=tmp_path / "runs.zarr")
    rep_mem, rep_lazy = rlx.get_report(mem), rlx.get_report(lazy)
    assert sorted(f["path"] for f in rep_lazy["files"]) == sorted(
        f["path"] for f in rep_mem["files"]
    )
    assert rep_lazy["build"]["points"] == rep_mem["build"]["points"]
    stored = rlx.to_zarr(mem, tmp_path / "again.zarr")
    assert rlx.get_report(stored)["files"] == rep_mem["files"]
    mem.to_netcdf(tmp_path / "m.nc", engine="h5netcdf")
    back = xr.open_dataset(tmp_path / "m.nc", engine="h5netcdf")
    assert rlx.get_report(back) == rep_mem
    back.close()


# ------------------------------------------------------------------ JSONL as a stream


def test_jsonl_memory_is_bounded_by_the_data_kept_not_the_file(tmp_path):
    import tracemalloc

    # ~24 MB of lines whose bulk is text (skipped): the points kept are a few KB
    text = "y" * 3000
    with open(tmp_path / "big.jsonl", "w") as f:
        for s in range(8000):
            f.write(json.dumps({"step": s, "completion": text, "reward": s / 8000}) + "\n")
    size = (tmp_path / "big.jsonl").stat().st_size
    tracemalloc.start()
    try:
        ds = rlx.load(tmp_path / "big.jsonl")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ds.sizes["step"] == 8000 and ds.sizes["metric"] == 1
    assert peak < size / 8, (peak, size)  # reading the whole file at once would exceed it


# ------------------------------------------------------------------ run names for other modules


@pytest.mark.parametrize(
    ("path", "root", "expected"),
    [
        ("logs/grpo/seed1", "logs", "grpo/seed1"),
        ("logs/metrics.jsonl", "logs", "metrics"),
        ("logs/a/metrics.jsonl", "logs", "a"),
        ("logs", "logs", "logs"),
    ],
)
def test_run_name_is_the_name_load_gives(tmp_path, write_tb, path, expected, root):
    target = tmp_path / path
    if target.suffix:
        jsonl(target, [{"step": 1, "x": 1.0}])
    else:  # a TensorBoard run is its folder
        write_tb(target, {"x": [(1, 1.0)]})
    assert run_name(target, tmp_path / root) == expected
    assert rlx.load(tmp_path / root).run.values.tolist() == [expected]


def test_fifos_inside_stores_read_as_a_whole_are_never_opened(tmp_path, monkeypatch):
    mlflow = pytest.importorskip("mlflow")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.chdir(tmp_path)
    mlflow.set_tracking_uri(f"file://{tmp_path}/mlruns")
    mlflow.set_experiment("exp")
    with mlflow.start_run(run_name="grpo") as run:
        for s in range(3):
            mlflow.log_metric("loss", 1.0 / (s + 1), step=s)
    run_dir = next((tmp_path / "mlruns").rglob(run.info.run_id))
    os.mkfifo(run_dir / "metrics" / "stuck")  # a pipe where a metric file would be
    os.mkfifo(run_dir / "params" / "stuck")
    with open(run_dir / "metrics" / "huge_step", "w") as f:
        f.write("1700000000000 1.5 99999999999999999999\n1700000000000 2.5 7\n")
    ds = rlx.load(tmp_path / "mlruns")
    assert ds["value"].sel(run="grpo", metric="loss").dropna("step").values.tolist() == [
        1.0,
        0.5,
        pytest.approx(1 / 3),
    ]
    assert ds["value"].sel(run="grpo", metric="huge_step", step=7).item() == 2.5
    assert "stuck" not in ds.metric.values
