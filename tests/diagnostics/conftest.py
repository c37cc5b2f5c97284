"""Builders of constructed series for the diagnostics tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import rlexplore as rlx


def series_ds(series: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]):
    """A dataset from ``{(run, metric): (steps, values)}``."""
    frames = [
        pd.DataFrame(
            {
                "run": run,
                "metric": metric,
                "step": np.asarray(steps),
                "value": np.asarray(values, float),
            }
        )
        for (run, metric), (steps, values) in series.items()
    ]
    return rlx.from_dataframe(pd.concat(frames, ignore_index=True))


@pytest.fixture
def one():
    """``one(metric, values, steps=None, run="run")``: a one-series dataset."""

    def build(metric, values, steps=None, run="run"):
        values = np.asarray(values, float)
        steps = np.arange(values.size) if steps is None else steps
        return series_ds({(run, metric): (steps, values)})

    return build


@pytest.fixture
def many():
    """``many({(run, metric): (steps, values)})``: a dataset of several series."""
    return series_ds
