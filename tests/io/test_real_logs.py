"""The real public logs in ../shared/data/real (skipped when absent): each loads, and the
same run stored in two formats loads to equal values (the pairs of SOURCES.md).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import rlexplore as rlx

pytestmark = pytest.mark.realdata


def _series(ds, metric, run=None):
    run = ds.run.values[0] if run is None else run
    v = ds["value"].sel(run=run, metric=metric)
    keep = ~np.isnan(v.values)
    return dict(zip(ds.step.values[keep].tolist(), v.values[keep].tolist()))


def test_everything_loads(real_data):
    with warnings.catch_warnings():
        warnings.simplefilter("error", rlx.RLExploreWarning)
        ds = rlx.load(real_data)
    rlx.validate(ds)
    formats = set(ds["format"].values.tolist())
    assert formats >= {
        "tensorboard",
        "trainer_state",
        "hf_console",
        "mlflow",
        "wandb_csv",
        "wandb_offline",
        "jsonl",
        "json",
        "verl_console",
    }
    assert len(set(ds.run.values)) == ds.sizes["run"]
    # no bogus run for the hparams-only sub-directory
    assert not any("1719642696.8209522" in r for r in ds.run.values)


def test_nan_grad_norm_is_kept(real_data):
    ds = rlx.load(real_data / "cas-nlp-wordle-grpo/lara", restarts="split")
    run = next(
        r
        for r in ds.run.values
        if "#" in r
        and np.isnan(ds["value"].sel(run=r, metric="train/grad_norm", step=50).item())
        and bool(ds["logged"].sel(run=r, metric="train/grad_norm", step=50))
    )
    assert run


def test_pair_chaos_trainer_state_and_console(real_data):
    a = rlx.load(real_data / "chaos-economy/training_logs.json")
    b = rlx.load(real_data / "chaos-economy/train_8_episodes.log")
    common = sorted(set(a.metric.values) & set(b.metric.values))
    assert len(common) >= 30
    for m in common:
        sa, sb = _series(a, m), _series(b, m)
        assert sorted(sa) == sorted(sb) == list(range(5, 251, 5)), m
        for step in sa:
            assert sb[step] == pytest.approx(sa[step], rel=6e-4, abs=1e-12), (m, step)


def test_pair_cas_stage2_tensorboard_and_trainer_state(real_data):
    base = (
        real_data / "cas-nlp-wordle-grpo/expert_guy/post_training_project/threestage/stage2_output"
    )
    ts = rlx.load(base / "checkpoint-160/trainer_state.json")
    tb = rlx.load(base / "logs/events.out.tfevents.1766306229.Mac.13809.0")
    common = sorted(set(ts.metric.values) & set(tb.metric.values))
    assert "train/reward" in common and "eval/reward" in common
    for m in common:
        a, b = _series(ts, m), _series(tb, m)
        assert sorted(a) == sorted(b), m
        np.testing.assert_allclose(
            [b[s] for s in a], [np.float32(a[s]) for s in a], rtol=1e-6, err_msg=m
        )
    assert len(_series(ts, "train/reward")) == 160 and len(_series(ts, "eval/reward")) == 8


def test_pair_orpo_trainer_state_and_llamafactory_log(real_data):
    ts = rlx.load(real_data / "rlhf-recsys-orpo/trainer_state.json")
    lf = rlx.load(real_data / "rlhf-recsys-orpo/trainer_log.jsonl")
    a, b = _series(ts, "train/loss"), _series(lf, "loss")
    assert a and set(a) <= set(b)
    for s in a:
        assert b[s] == pytest.approx(a[s], rel=1e-3)


def test_pair_resumed_jsonl_dedups_to_clean_file(real_data):
    d = real_data / "agent-memory-redteam/modal_results/strict/stage2"
    raw = rlx.load(d / "train_metrics.with_duplicates.jsonl")
    clean = rlx.load(d / "train_metrics.jsonl")
    assert list(raw.metric.values) == list(clean.metric.values)
    np.testing.assert_array_equal(raw.step.values, clean.step.values)
    np.testing.assert_array_equal(raw["value"].values, clean["value"].values)
    assert sum(f["superseded"] for f in rlx.get_report(raw)["files"]) == 29 * len(raw.metric)


def test_pair_serial_lain_tensorboard_and_trainer_state(real_data):
    tb = rlx.load(real_data / "serial-lain-ai/runs")
    ts = rlx.load(real_data / "serial-lain-ai/trainer_state.json")
    assert tb.sizes["run"] == 1  # the nested hparams directory is not a run
    assert "hp.learning_rate" in tb.coords or any(c.startswith("hp.") for c in tb.coords)
    a, b = _series(ts, "train/loss"), _series(tb, "train/loss")
    assert a and set(a) == set(b)
    np.testing.assert_allclose([b[s] for s in a], [a[s] for s in a], rtol=1e-6)


def test_verl_val_every_ten_steps_and_parentheses(real_data):
    ds = rlx.load(real_data / "verl-data/gsm8k/Qwen2.5-0.5B-bsz256_2-prompt1024-resp512-0.567.log")
    assert "critic/lr(1e-4)" in ds.metric.values
    val = _series(ds, "val/test_score/openai/gsm8k")
    assert sorted(val)[:3] == [9, 19, 29]
    assert len(_series(ds, "critic/score/mean")) == 435


def test_wandb_csv_joins_files_by_run_name(real_data):
    d = real_data / "deep-grpo-wandb-csv/recipe/DEEP_GRPO/paper_draw/data/training_dynamics"
    ds = rlx.load(d)
    assert ds.sizes["run"] == 2
    assert {"actor/main_chain/entropy", "val-core/GSM8K/reward/mean@1__MIN"} <= set(
        ds.metric.values
    )


def test_mlflow_child_runs(real_data):
    ds = rlx.load(real_data / "llm-self-training-mlflow/mlruns")
    assert sorted(ds.run.values) == ["iteration_1", "iteration_2", "iteration_3"]
    assert "hp.drift_threshold" in ds.coords
