"""Axis ticks: 4 to 7 round values covering the data, short labels, constant metrics."""

import numpy as np
import pytest

from rlexplore.transforms.ticks import (
    MAX_TICKS,
    MIN_TICKS,
    flat_range,
    inner_ticks,
    nice_domain,
    tick_labels,
)

RANGES = [
    (0.31, 0.79),
    (0.0, 0.058),
    (0.0, 8.0),
    (500.0, 2000.0),
    (3000.0, 6500.0),
    (20.0, 35.0),
    (-0.013, 0.0271),
    (1e-5, 3.1e-4),
    (2.1e-7, 2.3e-7),
    (1.0, 1e9),
    (-2.0, -1.9),
    (0.25, 0.355),
]


@pytest.mark.parametrize("lo, hi", RANGES)
def test_a_few_round_ticks_cover_the_data_and_end_the_domain(lo, hi):
    first, last, ticks = nice_domain(lo, hi)
    assert MIN_TICKS <= len(ticks) <= MAX_TICKS
    assert first <= lo and last >= hi
    assert (ticks[0], ticks[-1]) == (first, last)
    steps = np.diff(ticks)
    np.testing.assert_allclose(steps, steps[0], rtol=1e-6)
    mantissa = steps[0] / 10 ** np.floor(np.log10(steps[0]))
    assert min(abs(mantissa - m) for m in (1, 2, 2.5, 5)) < 1e-6
    # the domain is tight: one step less on either side would cut the data
    assert first + steps[0] > lo and last - steps[0] < hi


@pytest.mark.parametrize("value", [0.0, 5.0, -3.2, 1e-6, 4.5e5])
def test_a_constant_metric_gets_a_small_range_around_its_value(value):
    first, last, ticks = nice_domain(value, value)
    assert first < value < last
    assert last - first <= max(abs(value) * 0.5, 2.0)
    assert MIN_TICKS <= len(ticks) <= MAX_TICKS
    assert flat_range(value)[0] < value < flat_range(value)[1]


def test_max_ticks_is_respected_for_narrow_panels():
    for lo, hi in RANGES:
        assert len(nice_domain(lo, hi, max_ticks=5)[2]) <= 5


def test_inner_ticks_stay_inside_a_fixed_x_domain():
    assert inner_ticks(0, 4000, max_ticks=3).tolist() == [0.0, 2000.0, 4000.0]
    ticks = inner_ticks(13, 4751, max_ticks=4)
    slack = 0.005 * (4751 - 13)  # half a percent outside an end still marks it
    assert ticks[0] >= 13 - slack and ticks[-1] <= 4751 + slack and 2 <= len(ticks) <= 4
    # a round end just outside the domain (steps from 1) is still its first tick
    assert inner_ticks(1, 4000, max_ticks=3).tolist() == [0.0, 2000.0, 4000.0]
    assert inner_ticks(100, 4000, max_ticks=3)[0] >= 100
    assert inner_ticks(5, 5).tolist() == [5.0]


def test_nonfinite_ranges_are_refused():
    with pytest.raises(ValueError, match="finite"):
        nice_domain(0.0, float("nan"))


@pytest.mark.parametrize(
    "ticks, labels",
    [
        ([0, 500, 1000, 1500], ["0", "0.5k", "1k", "1.5k"]),
        ([3000, 4000, 5000], ["3k", "4k", "5k"]),
        ([0, 1e-4, 2e-4], ["0", "1e-4", "2e-4"]),
        ([1.5e-5, 2.5e-5], ["1.5e-5", "2.5e-5"]),
        ([0, 0.05, 0.1, 0.15, 0.2], ["0", "0.05", "0.1", "0.15", "0.2"]),
        ([-0.02, -0.01, 0, 0.01], ["-0.02", "-0.01", "0", "0.01"]),
        ([20, 22.5, 25], ["20", "22.5", "25"]),
        ([0, 2.5e6, 5e6], ["0", "2.5M", "5M"]),
        ([], []),
    ],
)
def test_labels_are_short_and_share_one_unit(ticks, labels):
    assert tick_labels(ticks) == labels


@pytest.mark.parametrize("lo, hi", RANGES)
def test_labels_of_nice_ticks_are_distinct_and_short(lo, hi):
    labels = tick_labels(nice_domain(lo, hi)[2])
    assert len(set(labels)) == len(labels)
    assert max(len(label) for label in labels) <= 7
