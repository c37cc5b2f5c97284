"""The explorer state: validation, derived values, and no widget imports."""

import json
import subprocess
import sys

import pytest
from traitlets import TraitError

import rlexplore as rlx
from rlexplore.state import (
    ExplorerState,
    StateError,
    check_step_range,
    panel_key,
    panel_label,
    panel_metrics,
)

RUNS = ("GRPO", "REC-OneSide-NoIS (0.2)", "RED-Weight")
METRICS = ("critic/score/mean", "actor/kl_loss", "actor/entropy", "response_length/mean")


@pytest.fixture
def st():
    return ExplorerState(RUNS, METRICS)


def test_defaults_show_everything(st):
    assert st.visible_runs == RUNS and st.shown_runs == RUNS
    assert st.metrics == METRICS
    assert (st.smoothing, st.smoothing_method, st.run_filter, st.step_range) == (
        0.6,
        "ema",
        "",
        None,
    )
    assert st.log_scale == st.ignore_outliers == st.pinned == st.expanded == ()
    assert st.hover_step is None


def test_constructor_sets_traits_and_rejects_unknown_ones():
    st = ExplorerState(RUNS, METRICS, smoothing=0.9, visible_runs=["GRPO"], step_range=(10, 5))
    assert (st.smoothing, st.visible_runs, st.step_range) == (0.9, ("GRPO",), (5.0, 10.0))
    with pytest.raises(StateError, match="unknown state 'smooth'.*smoothing"):
        ExplorerState(RUNS, METRICS, smooth=0.5)


def test_runs_and_available_metrics_are_read_only(st):
    with pytest.raises(TraitError):
        st.runs = ("x",)


@pytest.mark.parametrize("weight", [0, 0.5, 0.999])
def test_smoothing_accepts_tensorboard_weights(st, weight):
    st.smoothing = weight
    assert st.smoothing == weight and isinstance(st.smoothing, float)


@pytest.mark.parametrize("weight", [-0.1, 1.0, float("nan"), float("inf")])
def test_smoothing_rejects_weights_outside_0_to_0999(st, weight):
    with pytest.raises(StateError, match=r"\[0, 0.999\]"):
        st.smoothing = weight
    assert st.smoothing == 0.6


@pytest.mark.parametrize(
    "given, stored",
    [
        ("EMA", "ema"),
        ("Gaussian", "gaussian"),
        ("running mean", "running_mean"),
        ("running-mean", "running_mean"),
        ("running_mean", "running_mean"),
    ],
)
def test_smoothing_method_names_are_normalized(st, given, stored):
    st.smoothing_method = given
    assert st.smoothing_method == stored


def test_unknown_smoothing_method_lists_the_valid_ones(st):
    with pytest.raises(StateError, match="'median'.*'ema', 'gaussian', 'running_mean'"):
        st.smoothing_method = "median"


def test_visible_runs_are_checked_and_kept_in_dataset_order(st):
    st.visible_runs = ["RED-Weight", "GRPO", "GRPO"]
    assert st.visible_runs == ("GRPO", "RED-Weight")
    st.visible_runs = "RED-Weight"
    assert st.visible_runs == ("RED-Weight",)
    with pytest.raises(ValueError, match=r"unknown run\(s\) \['PPO'\]; valid runs: 'GRPO'"):
        st.visible_runs = ["PPO"]
    assert st.visible_runs == ("RED-Weight",)


def test_state_errors_are_value_errors_and_trait_errors(st):
    with pytest.raises(StateError) as info:
        st.visible_runs = ["PPO"]
    assert isinstance(info.value, ValueError) and isinstance(info.value, TraitError)
    assert isinstance(info.value, rlx.RLExploreError)


def test_toggle_run_switches_one_run(st):
    st.toggle_run("GRPO")
    assert st.visible_runs == RUNS[1:]
    st.toggle_run("GRPO")
    assert st.visible_runs == RUNS


def test_run_filter_is_a_case_insensitive_regex(st):
    st.run_filter = "^re"
    assert st.shown_runs == ("REC-OneSide-NoIS (0.2)", "RED-Weight")
    st.visible_runs = ["GRPO", "RED-Weight"]
    assert st.shown_runs == ("RED-Weight",)
    assert st.matches_filter("red") and not st.matches_filter("GRPO")


def test_an_invalid_run_filter_is_refused_and_the_old_one_kept(st):
    st.run_filter = "GR"
    with pytest.raises(StateError, match="not a valid regular expression"):
        st.run_filter = "(GR"
    assert st.run_filter == "GR"


def test_metric_filter_narrows_the_panels_and_empty_shows_all(st):
    st.metrics = ["actor/kl_loss", ("critic/score/mean", "actor/entropy"), "response_length/mean"]
    st.metric_filter = "^ACTOR/"
    assert st.shown_metrics == ("actor/kl_loss", ("critic/score/mean", "actor/entropy"))
    st.metric_filter = ""
    assert st.shown_metrics == st.metrics
    with pytest.raises(StateError, match="metric_filter is not a valid regular expression"):
        st.metric_filter = "(actor"
    assert st.metric_filter == ""


@pytest.mark.parametrize(
    "given, stored", [(None, None), ((1, 2), (1.0, 2.0)), ([300, 100], (100.0, 300.0))]
)
def test_step_range_is_none_or_a_sorted_float_pair(st, given, stored):
    st.step_range = given
    assert st.step_range == stored
    assert check_step_range(given) == stored


@pytest.mark.parametrize("bad", [(1,), (1, 2, 3), ("a", "b"), (5, 5), (0, float("nan")), 7])
def test_step_range_rejects_what_is_not_a_window(st, bad):
    with pytest.raises(StateError, match="step_range"):
        st.step_range = bad


def test_step_range_can_be_reset(st):
    st.step_range = (1, 2)
    st.reset_range()
    assert st.step_range is None


def test_metrics_hold_names_and_dual_axis_pairs(st):
    st.metrics = ["actor/kl_loss", ["actor/entropy", "response_length/mean"]]
    assert st.metrics == ("actor/kl_loss", ("actor/entropy", "response_length/mean"))
    assert panel_metrics(st.metrics[1]) == ("actor/entropy", "response_length/mean")
    assert panel_label(st.metrics[1]) == "actor/entropy | response_length/mean"


def test_metrics_must_exist_and_appear_once(st):
    with pytest.raises(
        StateError, match=r"unknown metric\(s\) \['loss'\]; valid metrics: 'critic/score/mean'"
    ):
        st.metrics = ["loss"]
    with pytest.raises(StateError, match="once"):
        st.metrics = ["actor/kl_loss", "actor/kl_loss"]
    with pytest.raises(StateError, match="pair"):
        st.metrics = [("a", "b", "c")]


def test_panel_key_normalizes_entries():
    assert panel_key("m") == "m"
    assert panel_key(["a", "b"]) == ("a", "b")
    with pytest.raises(StateError):
        panel_key(3)


@pytest.mark.parametrize("option", ["log_scale", "ignore_outliers", "pinned", "expanded"])
def test_panel_options_switch_per_panel(st, option):
    st.set_panel_option(option, "actor/kl_loss")
    st.set_panel_option(option, ["actor/entropy", "response_length/mean"])
    assert getattr(st, option) == ("actor/kl_loss", ("actor/entropy", "response_length/mean"))
    assert st.panel_option(option, "actor/kl_loss")
    st.set_panel_option(option, "actor/kl_loss", False)
    assert getattr(st, option) == (("actor/entropy", "response_length/mean"),)
    with pytest.raises(StateError, match="unknown panel option"):
        st.set_panel_option("bold", "actor/kl_loss")


def test_hover_step_is_finite_or_none(st):
    st.hover_step = 12
    assert st.hover_step == 12.0
    with pytest.raises(StateError):
        st.hover_step = float("inf")
    st.hover_step = None


def test_observers_see_each_change_once(st):
    seen = []
    st.observe(lambda ch: seen.append((ch["name"], ch["new"])))
    st.smoothing = 0.8
    st.smoothing = 0.8
    st.visible_runs = ["GRPO"]
    assert seen == [("smoothing", 0.8), ("visible_runs", ("GRPO",))]


def test_to_dict_is_json(st):
    st.metrics = ["actor/kl_loss", ("actor/entropy", "response_length/mean")]
    st.step_range = (3, 4)
    d = json.loads(json.dumps(st.to_dict()))
    assert d["metrics"] == ["actor/kl_loss", ["actor/entropy", "response_length/mean"]]
    assert d["step_range"] == [3.0, 4.0] and d["shown_runs"] == list(RUNS)
    assert set(ExplorerState.settable()) <= set(d)


def test_state_module_imports_neither_ipywidgets_nor_bqplot():
    code = (
        "import sys, rlexplore.state\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ipywidgets', 'bqplot')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
