"""Names: short run labels, __MIN/__MAX bands, x-like columns, end-of-training scalars."""

import numpy as np
import pytest

import rlexplore as rlx
from rlexplore.transforms.names import (
    band_pairs,
    end_scalars,
    is_x_like,
    plan_metrics,
    short_names,
)


def test_short_names_keep_the_distinguishing_path_tail():
    runs = ["g4_safe/drgrpo_seed42", "gates/logs/gate1_seed42", "gates/logs/gate1_seed43"]
    assert list(short_names(runs).values()) == ["drgrpo_seed42", "gate1_seed42", "gate1_seed43"]
    # words every name shares go: here the seed
    assert list(short_names(runs[:2]).values()) == ["drgrpo", "gate1"]


def test_short_names_go_up_the_path_when_the_last_part_repeats():
    runs = ["exp/a/seed1", "exp/b/seed1"]
    assert short_names(runs) == {"exp/a/seed1": "a/seed1", "exp/b/seed1": "b/seed1"}


def test_short_names_drop_shared_leading_and_trailing_words_case_insensitively():
    runs = ["Qwen2.5-0.5B-Instruct-GRPO-n64-final", "qwen2.5-0.5b-instruct-TreeRL-final"]
    assert list(short_names(runs).values()) == ["GRPO-n64", "TreeRL"]


def test_short_names_keep_numbers_that_end_a_value():
    runs = ["qwen2.5-7b-grpo-lr3e-6", "qwen2.5-7b-grpo-lr1e-6"]
    assert list(short_names(runs).values()) == ["lr3e-6", "lr1e-6"]


def test_short_names_never_empty_nor_equal():
    runs = ["run", "run-2", "Run"]
    short = short_names(runs)
    assert all(short.values()) and len(set(short.values())) == 3
    assert short_names(["only/one"]) == {"only/one": "one"}
    assert short_names([]) == {}


def test_band_pairs_need_both_columns():
    metrics = ["loss", "loss__MIN", "loss__MAX", "kl__MIN", "acc__MAX"]
    assert band_pairs(metrics) == {"loss": ("loss__MIN", "loss__MAX")}


@pytest.mark.parametrize(
    "name, x_like",
    [
        ("_step", True),
        ("_step__MIN", True),
        ("_step__MAX", True),
        ("Relative Time (Process)", True),
        ("Relative Time (Wall)", True),
        ("_runtime", True),
        ("train/global_step", False),
        ("train/loss", False),
        ("steps_per_second", False),
    ],
)
def test_x_like_columns(name, x_like):
    assert is_x_like(name) is x_like


def test_end_scalars_are_metrics_logged_once():
    assert end_scalars({"loss": 200, "train_runtime": 1, "never": 0}) == ["train_runtime"]
    assert end_scalars({"loss": 3, "train_runtime": 1}) == []  # a job that has just begun


def test_plan_keeps_a_pair_without_its_centre_as_panels():
    plan = plan_metrics(["x__MIN", "x__MAX", "y"])
    assert plan.panels == ("x__MIN", "x__MAX", "y") and plan.bands == {}


def test_plan_of_a_wandb_export(real_data):
    ds = rlx.load(real_data / "deep-grpo-wandb-csv")
    metrics = [str(m) for m in ds.metric.values]
    plan = plan_metrics(metrics)
    assert not any(m.endswith(("__MIN", "__MAX")) for m in plan.panels)
    assert set(plan.x_like) == {"_step__MIN", "_step__MAX", "Relative Time (Process)"}
    assert "actor/entropy" in plan.panels
    assert plan.bands["actor/entropy"] == ("actor/entropy__MIN", "actor/entropy__MAX")
    every = set(plan.panels) | set(plan.x_like) | {c for p in plan.bands.values() for c in p}
    assert every == set(metrics)  # nothing lost


def test_plan_of_nips_moves_end_of_training_scalars_to_the_summary(real_data):
    ds = rlx.load(real_data / "nips-grpo-dynamics")
    counts = np.isfinite(ds["value"].values).sum(axis=2).max(axis=0)
    plan = plan_metrics([str(m) for m in ds.metric.values], dict(zip(ds.metric.values, counts)))
    assert "train/train_runtime" in plan.scalars and "train/train_runtime" not in plan.panels
    assert "train/loss" in plan.panels
    short = short_names([str(r) for r in ds.run.values])
    assert len(set(short.values())) == 15
    assert all("/" not in s for s in short.values())
