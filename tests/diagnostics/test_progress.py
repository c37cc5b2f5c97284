"""Plateau, decline and the best checkpoint on constructed reward and eval series."""

import numpy as np
import pytest

import rlexplore as rlx


def noisy(values, sd, seed=0):
    return values + np.random.default_rng(seed).normal(0, sd, len(values))


def rows(df, kind):
    return df[df.kind == kind]


STEPS = np.arange(1000)
RISE_THEN_FLAT = 0.2 + 0.5 * np.minimum(STEPS / 400, 1.0)


def test_plateau_found_from_where_it_stopped(one):
    (row,) = rows(rlx.diagnose(one("reward", noisy(RISE_THEN_FLAT, 0.02))), "plateau").itertuples()
    assert 360 <= row.first_step <= 420 and row.last_step == 999
    assert row.severity == "info" and row.value == pytest.approx(0.7, abs=0.02)


def test_rise_to_the_end_is_neither_plateau_nor_decline(one):
    found = rlx.diagnose(one("critic/score/mean", noisy(0.2 + 0.5 * STEPS / 999, 0.02)))
    assert found.empty


def test_decline_after_peak(one):
    peaked = 0.2 + 0.5 * np.exp(-0.5 * ((STEPS - 400) / 150) ** 2)
    (row,) = rows(rlx.diagnose(one("train/reward", noisy(peaked, 0.02))), "decline").itertuples()
    assert 370 <= row.first_step <= 430 and row.last_step == 999
    assert row.reference == pytest.approx(0.7, abs=0.02) and row.value < 0.3
    assert rows(rlx.diagnose(one("train/reward", noisy(peaked, 0.02))), "plateau").empty


@pytest.mark.parametrize("seed", range(5))
def test_noise_alone_is_not_a_plateau_or_decline(one, seed):
    assert rlx.diagnose(one("reward", noisy(np.full(300, 0.5), 0.05, seed))).empty


def test_best_checkpoint_follows_the_smoothed_peak_not_one_lucky_eval(one):
    steps = np.arange(0, 500, 10)
    broad = 20 + 15 * np.exp(-0.5 * ((steps - 300) / 60) ** 2)
    values = noisy(broad, 0.3)
    values[steps == 100] = 40.0  # one lucky evaluation
    found = rlx.diagnose(one("eval/accuracy", values, steps))
    (row,) = rows(found, "best checkpoint").itertuples()
    assert 270 <= row.first_step == row.last_step <= 330
    assert row.details["best_logged_step"] == 100 and "step" in row.message


def test_best_checkpoint_of_a_loss_is_its_minimum(one):
    steps = np.arange(0, 200, 10)
    loss = 2.0 - 1.5 * np.exp(-0.5 * ((steps - 120) / 30) ** 2)
    (row,) = rows(
        rlx.diagnose(one("eval/loss", noisy(loss, 0.01), steps)), "best checkpoint"
    ).itertuples()
    assert (
        110 <= row.first_step <= 130 and row.details["lower_is_better"] and "lowest" in row.message
    )


def test_training_reward_gets_no_best_checkpoint(one):
    assert rows(rlx.diagnose(one("reward", noisy(RISE_THEN_FLAT, 0.02))), "best checkpoint").empty


def test_decline_from_the_start(one):
    values = noisy(0.7 - 0.5 * STEPS / 999, 0.02)
    (row,) = rows(rlx.diagnose(one("reward", values)), "decline").itertuples()
    assert row.first_step < 100 and "got worse from the start" in row.message


def test_short_noisy_eval_rarely_declines(one):
    steps = np.arange(0, 320, 20)
    fired = sum(
        not rows(
            rlx.diagnose(one("eval/accuracy", noisy(np.full(16, 0.3), 0.02, seed), steps)),
            "decline",
        ).empty
        for seed in range(40)
    )
    assert fired <= 2
