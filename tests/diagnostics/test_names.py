"""Metric roles from framework naming conventions, and explicit roles."""

import numpy as np
import pytest

import rlexplore as rlx
from rlexplore.diagnostics import classify, metric_role
from rlexplore.diagnostics.names import lower_is_better


@pytest.mark.parametrize(
    "name, role",
    [
        # verl
        ("actor/entropy", "entropy"),
        ("actor/entropy_loss", "entropy"),
        ("actor/main_chain/entropy", "entropy"),
        ("actor/kl_loss", "kl"),
        ("critic/kl", "kl"),
        ("actor/ppo_kl", "kl"),
        ("response_length/mean", "length"),
        ("response_length/main_chain/mean", "length"),
        ("critic/score/mean", "reward"),
        ("critic/rewards/mean", "reward"),
        ("val-core/GSM8K/reward/mean@1", "eval"),
        ("val/test_score/openai/gsm8k", "eval"),
        ("test_score/openai/gsm8k", "eval"),
        # TRL / HF Trainer (and its TensorBoard names)
        ("entropy", "entropy"),
        ("kl", "kl"),
        ("train/kl", "kl"),
        ("completions/mean_length", "length"),
        ("completion_length", "length"),
        ("train/completions/mean_length", "length"),
        ("reward", "reward"),
        ("train/reward", "reward"),
        ("rewards/wordle_reward_func/mean", "reward"),
        ("eval/reward", "eval"),
        ("eval_reward", "eval"),
        ("eval/loss", "eval"),
        ("eval/math-eval/accuracy/mean", "eval"),
        ("eval/reproduced_rate", "eval"),
    ],
)
def test_roles_from_names(name, role):
    assert metric_role(name) == role


@pytest.mark.parametrize(
    "name",
    [
        "critic/kl_coef",
        "actor/entropy_coeff",
        "reward_std",
        "critic/score/max",
        "critic/score/min",
        "response_length/clip_ratio",
        "completions/max_length",
        "completions/min_length",
        "prompt_length/mean",
        "train/loss",
        "train/grad_norm",
        "learning_rate",
        "eval/runtime",
        "eval/samples_per_second",
        "timing_s/gen",
        "train/epoch",
        "completions/mean_terminated_length",
        "",
    ],
)
def test_names_without_a_role(name):
    assert metric_role(name) is None


def test_explicit_roles_win_and_can_remove_a_role():
    roles = classify(["my/ent", "actor/entropy", "x"], {"my/ent": "entropy", "actor/entropy": None})
    assert roles == {"my/ent": "entropy"}


def test_unknown_explicit_role_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown metric roles .*'my/ent': 'entropi'"):
        classify(["my/ent"], {"my/ent": "entropi"})


def test_explicit_role_through_diagnose(one):
    steps = np.arange(500)
    values = 6.0 - 5.0 / (1 + np.exp(-(steps - 250) / 20))
    ds = one("policy/h", values)
    assert rlx.diagnose(ds).empty
    found = rlx.diagnose(ds, rules={"roles": {"policy/h": "entropy"}})
    assert found.kind.tolist() == ["entropy collapse"]
    assert found.attrs["roles"] == {"policy/h": "entropy"}


def test_lower_is_better():
    assert (
        lower_is_better("eval/loss")
        and lower_is_better("val/perplexity")
        and lower_is_better("eval_wer")
    )
    assert not lower_is_better("eval/accuracy") and not lower_is_better("eval/reward")
