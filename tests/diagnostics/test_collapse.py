"""Entropy and length collapse (and length explosion) on constructed series."""

import numpy as np
import pytest

import rlexplore as rlx

N = 1000
STEPS = np.arange(N)


def sigmoid_fall(start, end, center, width=30.0):
    return start + (end - start) / (1 + np.exp(-(STEPS - center) / width))


def noisy(values, sd, seed=0):
    return values + np.random.default_rng(seed).normal(0, sd, len(values))


def kinds(df, kind):
    return df[df.kind == kind]


def test_entropy_collapse_found_where_it_happens(one):
    found = rlx.diagnose(one("actor/entropy", noisy(sigmoid_fall(6.0, 1.0, 500), 0.1)))
    (row,) = kinds(found, "entropy collapse").itertuples()
    # below a third (2.0) of the early level (6.0) from about step 542 on; the fall began near 430
    assert 520 <= row.details["crossing_step"] <= 560
    assert 380 <= row.first_step <= 470 and row.last_step == N - 1
    assert row.value == pytest.approx(1.0, abs=0.1) and row.reference == pytest.approx(6.0, abs=0.1)
    assert (
        row.severity == "warning" and "actor/entropy" in row.message and "step 999" in row.message
    )


def test_entropy_noise_alone_does_not_fire(one):
    for seed in range(5):
        found = rlx.diagnose(one("entropy", noisy(np.full(N, 5.0), 1.0, seed)))
        assert found.empty


@pytest.mark.parametrize("where", [300, N - 1])
def test_entropy_single_outlier_does_not_fire(one, where):
    values = noisy(np.full(N, 5.0), 0.1)
    values[where] = 0.0
    assert kinds(rlx.diagnose(one("entropy", values)), "entropy collapse").empty


def test_entropy_short_final_outliers_do_not_fire(one):
    values = noisy(np.full(N, 5.0), 0.1)
    values[-3:] = 0.0  # three bad points at the end are not "stays there"
    assert kinds(rlx.diagnose(one("entropy", values)), "entropy collapse").empty


def test_entropy_dip_that_recovers_does_not_fire(one):
    values = noisy(np.full(N, 5.0), 0.1)
    values[300:600] = 0.5
    assert kinds(rlx.diagnose(one("actor/entropy", values)), "entropy collapse").empty


def test_entropy_fall_to_half_is_not_a_collapse_but_a_stricter_rule_can_say_so(one):
    ds = one("actor/entropy", noisy(sigmoid_fall(6.0, 3.0, 500), 0.1))
    assert kinds(rlx.diagnose(ds), "entropy collapse").empty
    assert (
        len(kinds(rlx.diagnose(ds, rules={"entropy_collapse_ratio": 0.6}), "entropy collapse")) == 1
    )


def test_severe_collapse_is_critical(one):
    found = rlx.diagnose(one("actor/entropy", noisy(sigmoid_fall(6.0, 0.3, 500), 0.05)))
    assert kinds(found, "entropy collapse").severity.tolist() == ["critical"]


def test_length_halving_is_a_collapse(one):
    found = rlx.diagnose(one("response_length/mean", noisy(sigmoid_fall(1200, 400, 400), 20)))
    (row,) = kinds(found, "length collapse").itertuples()
    assert 400 <= row.details["crossing_step"] <= 480 and row.last_step == N - 1
    assert kinds(found, "length explosion").empty


def test_length_doubling_is_an_explosion(one):
    found = rlx.diagnose(one("completions/mean_length", noisy(sigmoid_fall(300, 900, 400), 20)))
    (row,) = kinds(found, "length explosion").itertuples()
    assert row.value == pytest.approx(900, rel=0.05) and row.reference == pytest.approx(
        300, rel=0.05
    )
    assert "longer" in row.message and kinds(found, "length collapse").empty


def test_length_noise_and_single_outlier_do_not_fire(one):
    values = noisy(np.full(N, 1000.0), 100)
    values[N - 1] = 5000.0
    values[500] = 10.0
    assert rlx.diagnose(one("response_length/mean", values)).empty


def test_negative_or_short_series_are_skipped(one):
    assert rlx.diagnose(one("actor/entropy", sigmoid_fall(-6.0, -1.0, 500))).empty
    assert rlx.diagnose(one("actor/entropy", [6.0, 0.1, 0.1, 0.1])).empty
