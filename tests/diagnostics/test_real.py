"""diagnose() on the real public logs in ../shared/data/real (skipped when absent)."""

import numpy as np
import pytest

import rlexplore as rlx

pytestmark = pytest.mark.realdata

NAN_FILE = "cas-nlp-wordle-grpo/lara/4070/output5/wordle-grpo-rtx4070/logs/events.out.tfevents.1767713359.lara_TUF.31628.0"


@pytest.fixture(scope="module")
def load():
    if not hasattr(rlx, "load"):
        pytest.skip("rlexplore.load does not exist yet (issue 3)")
    return rlx.load


def sources(root):
    return sorted(p for p in root.iterdir() if p.is_dir())


def test_runs_on_every_real_source_that_loads(real_data, load):
    loaded = 0
    for source in sources(real_data):
        try:
            ds = load(source)
        except rlx.RLExploreError:
            continue  # a source the loaders refuse is theirs to report, not diagnose's
        found = rlx.diagnose(ds)
        loaded += 1
        assert set(found.run) <= set(ds.rlx.runs) and set(found.metric) <= set(ds.rlx.metrics)
        assert (found.first_step <= found.last_step).all()
        assert found.message.map(lambda m: isinstance(m, str) and m.endswith(".")).all()
    assert loaded, "no real source loaded"


def test_finds_the_nan_gradient_norm(real_data, load):
    ds = load(real_data / NAN_FILE)
    found = rlx.diagnose(ds)
    nan = found[(found.kind == "non-finite values") & found.metric.str.endswith("grad_norm")]
    assert len(nan) == 1
    row = nan.iloc[0]
    assert row.first_step == 50 and row.details["NaN"] >= 1
    assert np.isnan(ds["value"].sel(run=row.run, metric=row.metric, step=50).item())
