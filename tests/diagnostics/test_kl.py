"""KL spikes, surges and blow-ups on constructed series, and what must not fire."""

import numpy as np
import pytest

import rlexplore as rlx

KL_KINDS = ("kl spike", "kl surge", "kl blow-up")


def noisy(values, sd, seed=0):
    return values + np.random.default_rng(seed).normal(0, sd, len(values))


def kl_rows(df):
    return df[df.kind.isin(KL_KINDS)]


def test_single_spike_is_found_at_its_step(one):
    values = noisy(np.full(500, 0.02), 0.002)
    values[321] = 0.3
    (row,) = kl_rows(rlx.diagnose(one("actor/kl_loss", values))).itertuples()
    assert row.kind == "kl spike" and row.first_step == row.last_step == 321
    assert row.value == pytest.approx(0.3) and row.reference == pytest.approx(0.02, abs=0.002)
    assert "step 321" in row.message


def test_two_far_apart_spikes_are_two_findings(one):
    values = noisy(np.full(500, 0.02), 0.002)
    values[[100, 400]] = 0.5
    found = kl_rows(rlx.diagnose(one("kl", values)))
    assert found.first_step.tolist() == [100, 400] and set(found.kind) == {"kl spike"}


@pytest.mark.parametrize("seed", range(5))
def test_noise_alone_does_not_fire(one, seed):
    values = np.abs(noisy(np.full(2000, 0.03), 0.005, seed))
    assert kl_rows(rlx.diagnose(one("actor/kl_loss", values))).empty


def test_steady_convex_rise_is_not_a_blowup(one):
    t = np.linspace(0, 1, 4000)
    for shape in (0.058 * t**1.6, 0.05 * t**3, 0.02 * t):
        assert kl_rows(rlx.diagnose(one("actor/kl_loss", np.abs(noisy(shape, 0.001))))).empty


def test_warmup_rise_from_zero_is_not_a_spike(one):
    values = np.concatenate([np.linspace(0, 0.5, 6), np.full(25, 0.5)])
    assert kl_rows(rlx.diagnose(one("actor/kl_loss", noisy(values, 0.01)))).empty


def test_surge_hump_is_found(one):
    steps = np.arange(200)
    hump = 0.1 + 0.4 * np.exp(-0.5 * ((steps - 100) / 15) ** 2)
    (row,) = kl_rows(rlx.diagnose(one("critic/kl", noisy(hump, 0.01)))).itertuples()
    assert row.kind == "kl surge" and 90 <= row.details["peak_step"] <= 110
    assert 70 <= row.first_step < 100 < row.last_step <= 130
    assert row.value == pytest.approx(0.5, abs=0.03) and row.reference == pytest.approx(
        0.1, abs=0.03
    )


def test_small_hump_is_not_a_surge(one):
    steps = np.arange(200)
    hump = 0.4 + 0.1 * np.exp(-0.5 * ((steps - 100) / 15) ** 2)  # 1.25 times its level
    assert kl_rows(rlx.diagnose(one("kl", noisy(hump, 0.01)))).empty


def test_exponential_blowup_at_the_end(one):
    t = np.linspace(0, 1, 1000)
    (row,) = kl_rows(rlx.diagnose(one("kl", noisy(0.01 * np.exp(8 * t), 0.005)))).itertuples()
    assert row.kind == "kl blow-up" and row.severity == "critical"
    assert row.first_step == 750 and row.last_step == 999 and "accelerating" in row.message


def test_stricter_rules_change_the_outcome(one):
    values = noisy(np.full(500, 0.02), 0.002)
    values[321] = 0.3
    ds = one("kl", values)
    assert kl_rows(rlx.diagnose(ds, rules={"kl_spike_ratio": 20.0})).empty


def test_warmup_then_slow_decay_is_not_a_surge(one):
    # the second run of the dashboard seed at another noise seed: 0 -> 0.57 by step 10, then 0.36 by 30
    ramp = np.interp(np.arange(31), [0, 5, 10, 30], [0.0, 0.48, 0.57, 0.36])
    assert kl_rows(rlx.diagnose(one("actor/kl_loss", noisy(ramp, 0.02)))).empty
