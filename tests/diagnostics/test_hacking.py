"""The reward-hacking hint: reward rising while entropy or length collapses."""

import numpy as np

import rlexplore as rlx

N = 1000
STEPS = np.arange(N)
COLLAPSE = 6.0 - 5.0 / (1 + np.exp(-(STEPS - 500) / 30))


def noisy(values, sd, seed=0):
    return values + np.random.default_rng(seed).normal(0, sd, len(values))


def hints(df):
    return df[df.kind == "reward hacking hint"]


def test_hint_when_reward_rises_during_entropy_collapse(many):
    ds = many(
        {
            ("r", "reward"): (STEPS, noisy(0.2 + 0.5 * STEPS / N, 0.02)),
            ("r", "entropy"): (STEPS, noisy(COLLAPSE, 0.1)),
        }
    )
    (row,) = hints(rlx.diagnose(ds)).itertuples()
    assert row.run == "r" and row.metric == "reward" and row.severity == "critical"
    assert 350 <= row.first_step <= 470 and row.last_step == N - 1
    assert row.value > row.reference + 0.2 and "entropy collapsed" in row.message


def test_no_hint_when_reward_is_flat(many):
    ds = many(
        {
            ("r", "reward"): (STEPS, noisy(np.full(N, 0.5), 0.02)),
            ("r", "entropy"): (STEPS, noisy(COLLAPSE, 0.1)),
        }
    )
    assert hints(rlx.diagnose(ds)).empty


def test_no_hint_without_a_collapse(many):
    ds = many(
        {
            ("r", "reward"): (STEPS, noisy(0.2 + 0.5 * STEPS / N, 0.02)),
            ("r", "entropy"): (STEPS, noisy(np.full(N, 6.0), 0.1)),
        }
    )
    assert hints(rlx.diagnose(ds)).empty


def test_no_hint_from_a_rising_eval_metric(many):
    ds = many(
        {
            ("r", "eval/accuracy"): (STEPS, noisy(0.2 + 0.5 * STEPS / N, 0.02)),
            ("r", "entropy"): (STEPS, noisy(COLLAPSE, 0.1)),
        }
    )
    assert hints(rlx.diagnose(ds)).empty


def test_one_hint_per_run_naming_both_collapses(many):
    length = 1000 - 700 / (1 + np.exp(-(STEPS - 600) / 30))
    ds = many(
        {
            ("r", "reward"): (STEPS, noisy(0.2 + 0.5 * STEPS / N, 0.02)),
            ("r", "entropy"): (STEPS, noisy(COLLAPSE, 0.1)),
            ("r", "response_length/mean"): (STEPS, noisy(length, 10)),
        }
    )
    (row,) = hints(rlx.diagnose(ds)).itertuples()
    assert row.details["collapsed_metrics"] == ["entropy", "response_length/mean"]


def test_hint_is_only_info_when_a_held_out_score_rose_too(many):
    evals = np.arange(0, N, 50)
    ds = many(
        {
            ("r", "reward"): (STEPS, noisy(0.2 + 0.5 * STEPS / N, 0.02)),
            ("r", "entropy"): (STEPS, noisy(COLLAPSE, 0.1)),
            ("r", "val/test_score"): (evals, noisy(0.3 + 0.3 * evals / N, 0.01)),
        }
    )
    (row,) = hints(rlx.diagnose(ds)).itertuples()
    assert row.severity == "info" and row.details["eval_metric"] == "val/test_score"
    assert "looks real" in row.message
