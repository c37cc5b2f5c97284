import numpy as np
import pytest

import rlexplore as rlx
from rlexplore.transforms import ema


def test_runs_and_metrics():
    ds = rlx.demo("methods")
    assert ds.rlx.runs == ("GRPO", "REC-OneSide-NoIS (0.2)", "RED-Weight")
    assert ds.rlx.metrics == (
        "critic/score/mean",
        "actor/kl_loss",
        "actor/entropy",
        "response_length/mean",
    )


def test_smooth_returns_a_smoothed_copy():
    ds = rlx.demo("dashboard")
    out = ds.rlx.smooth(0.9)
    np.testing.assert_array_equal(out["value"].values, ema(ds["value"].values, 0.9))
    assert not out["value"].equals(ds["value"])
    rlx.validate(out)


def test_smooth_rejects_bad_weight():
    with pytest.raises(ValueError, match="smoothing weight"):
        rlx.demo("dashboard").rlx.smooth(2.0)


def test_sel_steps():
    ds = rlx.demo("length").rlx.sel_steps(100, 200)
    assert ds.step.values[[0, -1]].tolist() == [100, 200]
