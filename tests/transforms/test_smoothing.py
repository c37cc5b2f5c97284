import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rlexplore.transforms import ema, gaussian, running_mean, smooth, window_for_weight
from rlexplore.transforms import smoothing as smoothing_mod
from rlexplore.transforms.smoothing import smooth_many


def tensorboard_ema(xs, w):
    """TensorBoard's scalar-dashboard loop, transcribed line by line as the reference."""
    finite = [x for x in xs if math.isfinite(x)]
    if finite and all(x == finite[0] for x in finite):
        return list(xs)
    last, n, out = 0.0, 0, []
    for x in xs:
        if not math.isfinite(x):
            out.append(x)
            continue
        last = last * w + (1 - w) * x
        n += 1
        debias = 1.0 - w**n if w != 1 else 1.0
        out.append(last / debias)
    return out


def reference_window(xs, weights_for):
    """Plain loop over the logged points: weighted mean of the neighbours in points."""
    idx = [i for i, x in enumerate(xs) if math.isfinite(x)]
    vals = [xs[i] for i in idx]
    out = list(xs)
    for k, i in enumerate(idx):
        num = den = 0.0
        for j, v in enumerate(vals):
            wt = weights_for(j - k)
            num += wt * v
            den += wt
        out[i] = num / den
    return out


def test_ema_hand_computed():
    # w = 0.5: last = 0.5, 0.5*0.5+0.5*2 = 1.25 -> /0.75 = 1.6667; NaN passes; then 2.4286
    assert ema([1.0, 2.0, np.nan, 3.0], 0.5) == pytest.approx(
        [1.0, 5 / 3, np.nan, 17 / 7], nan_ok=True
    )


def test_ema_first_finite_point_unchanged():
    out = ema([np.nan, np.inf, 4.0, 0.0], 0.9)
    assert np.isnan(out[0]) and out[1] == np.inf and out[2] == 4.0


def test_ema_constant_series_stays_constant():
    x = np.full(1000, 0.1)
    assert np.array_equal(ema(x, 0.99), x)


def test_ema_weight_zero_is_identity():
    x = np.array([3.0, -1.0, np.nan, 7.0])
    np.testing.assert_array_equal(ema(x, 0.0), x)


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5, "a", None])
def test_ema_weight_bounds(bad):
    with pytest.raises(ValueError, match="smoothing weight"):
        ema([1.0, 2.0], bad)


@settings(max_examples=80, deadline=None)
@given(
    arrays(
        np.float64,
        st.integers(1, 300),
        elements=st.one_of(st.floats(-1e6, 1e6), st.just(np.nan), st.just(np.inf)),
    ),
    st.sampled_from([0.0, 0.1, 0.6, 0.9, 0.99, 0.999]),
)
def test_ema_matches_tensorboard_loop(xs, w):
    expected = tensorboard_ema(xs.tolist(), w)
    scale = max(1.0, np.nanmax(np.abs(np.where(np.isfinite(xs), xs, 0))))
    np.testing.assert_allclose(ema(xs, w), expected, rtol=1e-9, atol=1e-9 * scale)


@settings(max_examples=200, deadline=None)
@given(
    arrays(
        np.float64,
        st.integers(1, 300),
        elements=st.one_of(st.floats(-1e6, 1e6), st.just(np.nan), st.just(np.inf)),
    ),
    st.floats(0.0, 0.999),
)
def test_compiled_ema_is_tensorboards_loop_bit_for_bit(xs, w):
    if smoothing_mod.compiled_ema is None:
        pytest.skip("the C extension is not built")
    np.testing.assert_array_equal(ema(xs, w), np.array(tensorboard_ema(xs.tolist(), w)))


def test_compiled_and_numpy_ema_agree_on_a_long_series(monkeypatch):
    rng = np.random.default_rng(3)
    xs = rng.normal(size=200_000).cumsum()
    xs[rng.integers(0, xs.size, 5000)] = np.nan
    compiled = ema(xs, 0.999)
    monkeypatch.setattr(smoothing_mod, "compiled_ema", None)
    np.testing.assert_allclose(compiled, ema(xs, 0.999), rtol=1e-9)


def test_smooth_many_smooths_each_series_as_smooth_does():
    rng = np.random.default_rng(4)
    rows = [rng.normal(size=n).cumsum() for n in (1, 50, 300_000, 120_000)]
    for method in ("ema", "gaussian", "running_mean"):
        buffers = [np.empty_like(r) for r in rows]
        out = smooth_many(rows, method, weight=0.97, out=buffers)
        for row, buffer, (got, extremes) in zip(rows, buffers, out):
            expected = smooth(row, method, weight=0.97)
            np.testing.assert_array_equal(got, expected)
            assert got is buffer and extremes == (expected.min(), expected.max())
    with pytest.raises(ValueError, match="method"):
        smooth_many(rows, "lowess")


def test_ema_long_series_crosses_blocks():
    rng = np.random.default_rng(1)
    xs = rng.normal(size=5000).cumsum()
    xs[rng.integers(0, 5000, 300)] = np.nan
    for w in (0.6, 0.95):
        np.testing.assert_allclose(
            ema(xs, w), tensorboard_ema(xs.tolist(), w), rtol=1e-9, atol=1e-9
        )


def test_vectorized_over_runs_and_metrics_and_padding_invariant():
    rng = np.random.default_rng(0)
    a = rng.normal(size=50)
    grid = np.full((2, 3, 100), np.nan)
    grid[0, 1, ::2] = a  # a run that logged every other step
    grid[1, 2, :50] = rng.normal(size=50)
    for method in ("ema", "gaussian", "running_mean"):
        out = smooth(grid, method, weight=0.8)
        np.testing.assert_allclose(out[0, 1, ::2], smooth(a, method, weight=0.8), rtol=1e-12)
        assert np.isnan(out[0, 1, 1::2]).all() and np.isnan(out[0, 0]).all()


def test_gaussian_matches_reference_loop():
    rng = np.random.default_rng(2)
    xs = rng.normal(size=60)
    xs[[5, 17, 40]] = np.nan
    sigma = 2.5
    half = math.ceil(4 * sigma)
    expected = reference_window(
        xs.tolist(), lambda d: math.exp(-0.5 * (d / sigma) ** 2) if abs(d) <= half else 0.0
    )
    np.testing.assert_allclose(gaussian(xs, sigma), expected, rtol=1e-12)


def test_gaussian_hand_computed_and_constant():
    k = [math.exp(-0.5 * d * d) for d in (-1, 0, 1)]
    assert gaussian([0.0, 3.0, 0.0], 1.0)[1] == pytest.approx(3 * k[1] / sum(k))
    np.testing.assert_allclose(gaussian(np.full(20, 2.5), 3.0), 2.5)


@pytest.mark.parametrize("window", [1, 2, 3, 4, 7])
def test_running_mean_matches_reference_loop(window):
    rng = np.random.default_rng(3)
    xs = rng.normal(size=40)
    xs[[0, 9, 10]] = np.nan
    left, right = (window - 1) // 2, window // 2
    expected = reference_window(xs.tolist(), lambda d: 1.0 if -left <= d <= right else 0.0)
    np.testing.assert_allclose(running_mean(xs, window), expected, rtol=1e-12)


def test_running_mean_hand_computed():
    assert running_mean([1.0, 2.0, 3.0, 10.0], 3).tolist() == [1.5, 2.0, 5.0, 6.5]


@pytest.mark.parametrize("bad", [0, -1, 2.5])
def test_running_mean_window_bounds(bad):
    with pytest.raises(ValueError, match="window must be a whole number"):
        running_mean([1.0], bad)


def test_gaussian_sigma_bounds():
    with pytest.raises(ValueError, match="sigma must be >= 0"):
        gaussian([1.0], -1)


def test_smooth_dispatch_and_unknown_method():
    x = np.arange(10.0)
    np.testing.assert_array_equal(smooth(x, "ema", weight=0.3), ema(x, 0.3))
    np.testing.assert_array_equal(
        smooth(x, "gaussian", weight=0.6), gaussian(x, window_for_weight(0.6))
    )
    with pytest.raises(ValueError, match="unknown smoothing method 'lowess'"):
        smooth(x, "lowess")


def test_window_for_weight_grows_with_weight():
    assert window_for_weight(0.0) == 0.0
    assert window_for_weight(0.6) < window_for_weight(0.9) < window_for_weight(0.99)


def test_smooth_along_other_axis():
    x = np.random.default_rng(4).normal(size=(30, 2))
    np.testing.assert_allclose(ema(x, 0.7, axis=0), ema(x.T, 0.7).T)
