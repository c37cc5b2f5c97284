"""Any values, any lengths: diagnose returns a well-formed frame and never raises."""

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rlexplore as rlx
from rlexplore.diagnostics import COLUMNS

METRICS = [
    "actor/entropy",
    "actor/kl_loss",
    "response_length/mean",
    "reward",
    "eval/acc",
    "eval/loss",
    "x",
]
VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, 1.0, -1.0, 1e300, -1e-300]),
)


@st.composite
def datasets(draw):
    frames = []
    for run in draw(
        st.lists(st.sampled_from(["a_seed1", "a_seed2", "b"]), min_size=1, max_size=3, unique=True)
    ):
        for metric in draw(st.lists(st.sampled_from(METRICS), min_size=1, max_size=4, unique=True)):
            values = draw(st.lists(VALUES, min_size=1, max_size=40))
            steps = np.sort(
                draw(
                    st.lists(
                        st.integers(0, 200), min_size=len(values), max_size=len(values), unique=True
                    )
                )
            )
            frames.append(
                pd.DataFrame({"run": run, "metric": metric, "step": steps, "value": values})
            )
    return rlx.from_dataframe(pd.concat(frames, ignore_index=True))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets())
def test_any_dataset_gives_a_well_formed_frame(ds):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no 0/0 or overflow warnings reach the user
        found = rlx.diagnose(ds)
    assert tuple(found.columns) == COLUMNS
    assert (found.first_step <= found.last_step).all()
    assert found.message.map(lambda m: isinstance(m, str) and len(m) > 20).all()
