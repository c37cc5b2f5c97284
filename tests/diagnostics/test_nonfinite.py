"""Non-finite values: logged NaN (told from 'not logged') and ±Inf."""

import numpy as np

import rlexplore as rlx


def test_logged_nan_found_at_its_step(one):
    values = np.linspace(1, 2, 100)
    values[50] = np.nan
    ds = one("train/grad_norm", values)
    assert "logged" in ds
    (row,) = rlx.diagnose(ds).query("kind == 'non-finite values'").itertuples()
    assert (row.first_step, row.last_step, row.severity) == (50, 50, "critical")
    assert row.details["NaN"] == 1 and row.value == 1 and row.reference == 100
    assert "logged 1 NaN, at step 50" in row.message


def test_inf_found_without_logged_and_counted(one):
    values = np.linspace(1, 2, 100)
    values[[10, 20, 30]] = [np.inf, -np.inf, np.inf]
    ds = one("loss", values)
    assert "logged" not in ds
    (row,) = rlx.diagnose(ds).itertuples()
    assert (row.first_step, row.last_step) == (10, 30)
    assert (row.details["+Inf"], row.details["-Inf"], row.details["NaN"]) == (2, 1, 0)
    assert "2 +Inf and 1 -Inf, first at step 10 and last at step 30" in row.message


def test_steps_not_logged_are_not_nan(many):
    ds = many(
        {
            ("a", "loss"): (np.arange(0, 100, 2), np.ones(50)),
            ("a", "eval/loss"): (np.arange(0, 100, 10), np.ones(10)),
        }
    )
    assert np.isnan(ds["value"].values).any()
    assert rlx.diagnose(ds).query("kind == 'non-finite values'").empty


def test_nan_does_not_break_the_other_rules(one):
    steps = np.arange(1000)
    values = 6.0 - 5.0 / (1 + np.exp(-(steps - 500) / 30))
    values[[10, 700]] = np.nan
    found = rlx.diagnose(one("actor/entropy", values))
    assert sorted(found.kind.astype(str)) == ["entropy collapse", "non-finite values"]
