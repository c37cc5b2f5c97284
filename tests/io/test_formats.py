"""Every format other than TensorBoard, from files written by the real writers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from io_helpers import offline_wandb  # noqa: F401  (a fixture)

import rlexplore as rlx
from rlexplore.dataset import get_report


def _vals(ds, run, metric):
    v = ds["value"].sel(run=run, metric=metric)
    keep = ~np.isnan(v.values) | (
        ds["logged"].sel(run=run, metric=metric).values if "logged" in ds else False
    )
    return dict(zip(ds.step.values[keep].tolist(), v.values[keep].tolist()))


def _state(entries, **extra):
    return {
        "global_step": max(e["step"] for e in entries),
        "log_history": entries,
        "logging_steps": 1,
        **extra,
    }


def test_trainer_state_names_and_newest_checkpoint(tmp_path):
    out = tmp_path / "grpo"
    for n in (1, 2):
        hist = [
            {"loss": 1.0 / s, "reward": s, "epoch": s / 10, "step": s} for s in range(1, 2 * n + 1)
        ]
        hist.insert(2, {"eval_loss": 0.5, "eval_reward": 2.0, "epoch": 0.2, "step": 2})
        (out / f"checkpoint-{2 * n}").mkdir(parents=True)
        (out / f"checkpoint-{2 * n}" / "trainer_state.json").write_text(json.dumps(_state(hist)))
    ds = rlx.load(tmp_path)
    assert list(ds.run.values) == ["grpo"]
    assert set(ds.metric.values) == {
        "train/loss",
        "train/reward",
        "train/epoch",
        "eval/loss",
        "eval/reward",
    }
    assert _vals(ds, "grpo", "train/reward") == {1: 1, 2: 2, 3: 3, 4: 4}
    assert _vals(ds, "grpo", "eval/loss") == {2: 0.5}
    assert ds["hp.logging_steps"].item() == 1
    rep = get_report(ds)
    assert any("older checkpoint" in " ".join(f["notes"]) for f in rep["files"])
    # eval and train entries at step 2 both carry epoch: a resolved duplicate
    assert rep["build"]["duplicates_resolved"] == 1


def test_hf_console_log_with_string_values(tmp_path):
    lines = ["***** Running training *****", "  Total optimization steps = 20"]
    for k in range(1, 5):
        lines.append(
            f"\r 25%|##  | {5 * k}/20 [00:01<00:03]"
            + "\r{'loss': '"
            + f"{1 / k:.4g}"
            + "', 'learning_rate': '1e-05', 'epoch': '"
            + f"{0.25 * k:.4g}"
            + "'}"
        )
    lines.append("{'eval_loss': '0.75', 'epoch': '1'}")
    lines.append("{'train_runtime': '12.5', 'train_loss': '0.5', 'epoch': '1'}")
    f = tmp_path / "train.log"
    f.write_text("\n".join(lines) + "\n")
    ds = rlx.load(f)
    run = ds.run.values[0]
    assert _vals(ds, run, "train/loss") == {5: 1.0, 10: 0.5, 15: pytest.approx(0.3333), 20: 0.25}
    assert _vals(ds, run, "eval/loss") == {20: 0.75}
    assert _vals(ds, run, "train/train_runtime") == {20: 12.5}
    assert ds["format"].item() == "hf_console"
    ds2 = rlx.load(f, logging_steps=2)
    assert sorted(_vals(ds2, run, "train/loss")) == [2, 4, 6, 8]


def test_mlflow_file_store_and_sqlite_give_the_same_values(tmp_path, monkeypatch):
    mlflow = pytest.importorskip("mlflow")
    pytest.importorskip("sqlalchemy")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.chdir(tmp_path)
    for uri in [f"file://{tmp_path}/mlruns", f"sqlite:///{tmp_path}/mlflow.db"]:
        mlflow.set_tracking_uri(uri)
        mlflow.set_experiment("exp")
        with mlflow.start_run(run_name="grpo"):
            mlflow.log_params({"lr": 0.001, "opt": "adam"})
            for s in range(5):
                mlflow.log_metric("train/loss", 1.0 / (s + 1), step=s)
            mlflow.log_metric("x", float("nan"), step=1)
            mlflow.log_metric("x", float("inf"), step=2)
            mlflow.log_metric("x", float("-inf"), step=3)
    a = rlx.load(tmp_path / "mlruns")
    b = rlx.load(tmp_path / "mlflow.db")
    for ds in (a, b):
        assert list(ds.run.values) == ["grpo"]
        assert _vals(ds, "grpo", "train/loss") == {s: 1.0 / (s + 1) for s in range(5)}
        x = _vals(ds, "grpo", "x")
        assert math.isnan(x[1]) and x[2] == math.inf and x[3] == -math.inf
        assert float(ds["hp.lr"].item()) == 0.001 and ds["hp.opt"].item() == "adam"
        assert ds["experiment"].item() == "exp"
    assert set(b.format.values) == {"mlflow_sqlite"} and set(a.format.values) == {"mlflow"}
    both = rlx.load(tmp_path)  # mixed formats under one root
    assert both.sizes["run"] == 2


def test_wandb_panel_csv(tmp_path):
    f = tmp_path / "reward.csv"
    f.write_text(
        '"Step","run-a - val/reward@1","run-a - val/reward@1__MIN","run-a - val/reward@1__MAX",'
        '"run.b - val/reward@1"\n'
        '"0","0.5","0.4","0.6",""\n"5","0.7","0.6","0.8","0.1"\n"10","","","","NaN"\n'
    )
    ds = rlx.load(f)
    assert list(ds.run.values) == ["run-a", "run.b"]
    assert _vals(ds, "run-a", "val/reward@1__MAX") == {0: 0.6, 5: 0.8}
    b = _vals(ds, "run.b", "val/reward@1")
    assert b[5] == 0.1 and math.isnan(b[10]) and 0 not in b
    assert ds["format"].values.tolist() == ["wandb_csv", "wandb_csv"]


def test_wandb_csv_with_time_axis_uses_step_columns(tmp_path):
    f = tmp_path / "budget.csv"
    f.write_text(
        '"Relative Time (Process)","r - acc","r - _step"\n"1.5","0.1","3"\n'
        '"2.5","0.2","7"\n"3.5","",""\n'
    )
    ds = rlx.load(f)
    assert _vals(ds, "r", "acc") == {3: 0.1, 7: 0.2}
    assert _vals(ds, "r", "Relative Time (Process)") == {3: 1.5, 7: 2.5}


def test_wandb_offline_run(offline_wandb):
    wandb = pytest.importorskip("wandb")
    run = wandb.init(
        project="p",
        name="my-run",
        config={"lr": 0.01, "model": {"size": 7}},
        dir=str(offline_wandb),
    )
    for s in range(6):
        run.log({"loss": 1.0 / (s + 1), "nested": {"kl": s * 0.1}}, step=s)
    run.finish()
    wandb.teardown()  # wait for wandb's writer process to exit, so the run file is complete
    ds = rlx.load(offline_wandb / "wandb")
    assert list(ds.run.values) == ["my-run"]
    assert _vals(ds, "my-run", "loss") == {s: 1.0 / (s + 1) for s in range(6)}
    assert _vals(ds, "my-run", "nested/kl") == {s: pytest.approx(s * 0.1) for s in range(6)}
    assert float(ds["hp.lr"].item()) == 0.01
    assert float(ds["hp.model.size"].item()) == 7
    assert "wall_time" in ds


def test_jsonl_step_keys_nesting_and_verl_shape(tmp_path):
    (tmp_path / "a.jsonl").write_text(
        '{"step": 1, "data": {"actor/kl": 0.1, "critic": {"score": 2}}}\n'
        '{"step": 2, "data": {"actor/kl": 0.2, "critic": {"score": 3}}}\n'
    )
    (tmp_path / "b.jsonl").write_text(
        '{"_step": 0, "_timestamp": 1700000000.5, "loss": 1, "img": {"_type": "image-file"}}\n'
        '{"_step": 1, "_timestamp": 1700000001.5, "loss": NaN, "note": "hi"}\n'
        "not json\n"
        '{"_step": 2, "loss": "0.25", "x": null}\n'
    )
    with pytest.warns(rlx.RLExploreWarning, match="malformed"):
        ds = rlx.load(tmp_path)
    assert _vals(ds, "a", "critic/score") == {1: 2, 2: 3}
    loss = _vals(ds, "b", "loss")
    assert loss[0] == 1 and math.isnan(loss[1]) and loss[2] == 0.25
    assert ds["wall_time"].sel(run="b", step=0).item() == 1700000000.5
    sk = {f["path"].rsplit("/", 1)[-1]: f["skipped"] for f in get_report(ds)["files"]}
    assert sk["b.jsonl"]["malformed JSON lines"] == 1
    assert sk["b.jsonl"]["non-numeric values"] == 1


def test_csv_long_and_wide(tmp_path):
    (tmp_path / "long.csv").write_text(
        "run,metric,step,value\nx,loss,0,1\nx,loss,1,0.5\ny,loss,0,2\n"
    )
    (tmp_path / "wide.csv").write_text("step,loss,acc\n0,1,\n1,0.5,0.9\n")
    ds = rlx.load(tmp_path)
    assert set(ds.run.values) == {"x", "y", "wide"}
    assert _vals(ds, "wide", "acc") == {1: 0.9}
    assert _vals(ds, "x", "loss") == {0: 1, 1: 0.5}


def test_verl_console_log(tmp_path):
    f = tmp_path / "ppo.log"
    f.write_text(
        "\x1b[36m(main_task pid=1)\x1b[0m \"Initial validation metrics: {'val/score': 0.25}\"\n"
        "INFO some vllm warning\n"
        "\x1b[2m\x1b[36m(main_task pid=1)\x1b[0m step:0 - critic/lr(1e-4):0.100 - actor/kl:0.001\n"
        "(main_task pid=1) step:1 - critic/lr(1e-4):0.200 - actor/kl:np.float64(0.5) - "
        "val/score:0.3\n"
    )
    ds = rlx.load(f)
    run = ds.run.values[0]
    assert _vals(ds, run, "critic/lr(1e-4)") == {0: 0.1, 1: 0.2}
    assert _vals(ds, run, "actor/kl") == {0: 0.001, 1: 0.5}
    assert _vals(ds, run, "val/score") == {0: 0.25, 1: 0.3}


def test_names_relative_unique_and_renamed(tmp_path):
    for d in ("exp/a", "exp/b"):
        (tmp_path / d).mkdir(parents=True)
        (tmp_path / d / "m.jsonl").write_text('{"step": 1, "x": 1}\n')
    (tmp_path / "exp/a/n.jsonl").write_text('{"step": 1, "x": 2}\n')
    ds = rlx.load(tmp_path)
    assert sorted(ds.run.values) == ["exp/a/m", "exp/a/n", "exp/b"]
    ds = rlx.load(tmp_path / "exp", rename={"b": "B"})
    assert "B" in ds.run.values
    ds = rlx.load(tmp_path, rename=lambda n: "all")  # renamed onto one name: merged
    assert list(ds.run.values) == ["all"]


def test_glob_and_list_sources(tmp_path):
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "m.jsonl").write_text('{"step": 1, "x": 1}\n')
    assert sorted(rlx.load(str(tmp_path / "*" / "m.jsonl")).run.values) == ["a", "b"]
    assert rlx.load([tmp_path / "a", tmp_path / "b"]).sizes["run"] == 2
