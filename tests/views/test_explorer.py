"""The explorer, in plain pytest: set the state or a widget as the browser does, assert the marks."""

from __future__ import annotations

import json
import re

import bqplot as bq
import numpy as np
import pandas as pd
import pytest
from explorer_actions import array_state, click, css_classes, drag, drag_in_page, press
from traitlets import All

import rlexplore as rlx
from rlexplore.transforms.ticks import axis_range
from rlexplore.views import Explorer
from rlexplore.views.theme import RAW_OPACITY

RUNS = ("GRPO", "REC-OneSide-NoIS (0.2)", "RED-Weight")


def raw_values(ds, run, metric, steps):
    return ds.value.sel(run=run, metric=metric).sel(step=steps).values


def smoothed_values(ds, run, metric, steps, method, weight):
    full = rlx.smooth(ds.value.sel(run=run, metric=metric).values, method, weight=weight)
    return pd.Series(full, index=ds.step.values).loc[steps].values


# -- construction ----------------------------------------------------------------------------
def test_public_names(methods_ds):
    assert rlx.Explorer is Explorer
    ex = methods_ds.rlx.explore(columns=2, smoothing=0.8)
    assert isinstance(ex, Explorer) and ex.columns == 2 and ex.state.smoothing == 0.8
    assert "application/vnd.jupyter.widget-view+json" in ex._repr_mimebundle_()
    assert "rlx-explorer" in css_classes(ex.widget)


def test_every_panel_draws_a_raw_and_a_smoothed_line_per_run(methods, methods_ds):
    assert [p.metrics for p in methods.panels] == [(m,) for m in methods_ds.rlx.metrics]
    for p in methods.panels:
        assert isinstance(p.figure, bq.Figure) and isinstance(
            p.brush, bq.interacts.BrushIntervalSelector
        )
        lines = p.drawn().groupby(["run", "kind"]).step
        assert set(lines.groups) == {(r, k) for r in RUNS for k in ("raw", "smoothed")}
        width = p.plot_width(methods.panel_view(p.key).width_px)
        assert (lines.size() <= 2 * width + 1).all()  # pixel-bounded: raw min and max a column
        column = 3999 / width  # every line reaches into the first and the last pixel column
        assert (lines.min() <= 1 + column).all() and (lines.max() >= 4000 - column).all()


def test_a_narrow_step_range_draws_every_point(methods):
    methods.state.step_range = (1000, 1100)
    for p in methods.panels:
        assert (p.drawn().groupby(["run", "kind"]).size() == 101).all()


def test_all_panels_share_one_x_scale_and_lines_sit_on_fixed_unit_scales(methods):
    units = set()
    for p in methods.panels:
        assert p.x_axis.scale is methods.x_scale and p.cursor.scale is methods.x_scale
        assert p.rule.scales["x"] is methods.x_scale
        for mark in p.lines.values():
            units.update((id(mark.scales["x"]), id(mark.scales["y"])))
            assert (mark.scales["x"].min, mark.scales["x"].max) == (0.0, 1.0)
    methods.state.step_range = (1000, 2000)  # a zoom moves the axes' scales, never the marks'
    assert all(
        (m.scales["x"].min, m.scales["x"].max) == (0.0, 1.0)
        for p in methods.panels
        for m in p.lines.values()
    )
    assert len({id(p.y_scales[0]["linear"]) for p in methods.panels}) == len(methods.panels)


def test_lines_are_sent_pre_scaled_as_float32_and_decode_to_what_is_drawn(methods):
    methods.state.step_range = (1000, 2000)
    p = methods.panels[0]
    mark = p.lines[("raw", 0)]
    assert mark.x.dtype == np.float32 and mark.get_state("x")["x"]["dtype"] == "float32"
    assert mark.x.shape[0] == 3  # one row per shown run
    drawn = p.drawn().query("kind == 'raw'")
    lo, hi = methods.x_scale.min, methods.x_scale.max
    ylo, yhi = p.y_scales[0]["linear"].min, p.y_scales[0]["linear"].max
    for row, run in enumerate(RUNS):
        rows = drawn[drawn.run == run]
        n = len(rows)
        np.testing.assert_allclose(mark.x[row, :n] * (hi - lo) + lo, rows.step, atol=1e-3)
        np.testing.assert_allclose(
            mark.y[row, :n] * (yhi - ylo) + ylo, rows.value, atol=1e-6 * (yhi - ylo)
        )


def test_constructor_errors_name_what_is_valid(methods_ds):
    with pytest.raises(
        ValueError, match=r"unknown metric\(s\) \['loss'\]; valid metrics: 'critic/score/mean'"
    ):
        Explorer(methods_ds, ["loss"])
    with pytest.raises(ValueError, match="unknown run"):
        Explorer(methods_ds, runs=["PPO"])
    with pytest.raises(ValueError, match="columns"):
        Explorer(methods_ds, columns=0)
    with pytest.raises(ValueError, match="theme"):
        Explorer(methods_ds, theme="sepia")
    with pytest.raises(ValueError, match="not an rlexplore dataset"):
        Explorer(methods_ds.rename({"value": "v"}))


# -- smoothing -------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["ema", "gaussian", "running_mean"])
@pytest.mark.parametrize("weight", [0.0, 0.6, 0.95])
def test_smoothed_lines_are_the_transform_of_the_raw_data_at_the_drawn_steps(
    methods, methods_ds, method, weight
):
    methods.state.smoothing_method = method
    methods.state.smoothing = weight
    for p in methods.panels:
        drawn = p.drawn()
        for (run, metric, kind), rows in drawn.groupby(["run", "metric", "kind"]):
            steps = rows.step.values
            expected = (
                raw_values(methods_ds, run, metric, steps)
                if kind == "raw"
                else smoothed_values(methods_ds, run, metric, steps, method, weight)
            )
            np.testing.assert_allclose(rows.value.values, expected, rtol=1e-12, atol=1e-12)


def test_smoothing_with_a_zoom_still_smooths_the_full_data(methods, methods_ds):
    methods.state.step_range = (2000, 2100)
    methods.state.smoothing = 0.99
    rows = methods.panels[1].drawn().query("kind == 'smoothed' and run == 'GRPO'")
    assert rows.step.min() == 2000 and rows.step.max() == 2100
    expected = smoothed_values(methods_ds, "GRPO", "actor/kl_loss", rows.step.values, "ema", 0.99)
    np.testing.assert_allclose(rows.value.values, expected)


def test_slider_and_trait_follow_each_other(methods):
    slider = methods.controls.smoothing
    assert "rlx-smoothing" in css_classes(slider) and not slider.continuous_update
    slider.set_state({"value": 0.85})  # as the browser sends it
    assert methods.state.smoothing == 0.85
    methods.state.smoothing = 0.3
    assert slider.value == 0.3
    methods.controls.method.set_state({"index": 1})
    assert methods.state.smoothing_method == "gaussian"
    methods.state.smoothing_method = "running mean"
    assert methods.controls.method.value == "running_mean"


def test_a_smoothing_change_resends_only_smoothed_lines(methods):
    changed = []
    for p in methods.panels:
        for (kind, _side), mark in p.lines.items():
            mark.observe(lambda ch, k=kind: changed.append((k, ch["name"])), ["x", "y"])
    methods.state.smoothing = 0.9
    assert changed and {kind for kind, _ in changed} == {"smoothed"}
    assert len(changed) <= 2 * len(methods.panels)  # at most x and y of one mark per panel


def test_a_zoom_sends_each_line_mark_once_and_moves_no_scale_of_theirs(methods):
    changed = []
    for p in methods.panels:
        for mark in p.lines.values():
            mark.observe(lambda ch: changed.append((id(ch["owner"]), ch["name"])), names=All)
    methods.state.step_range = (1000, 2000)
    names = {name for _, name in changed}
    assert names <= {"x", "y"}  # no scales, colours or labels
    assert len(changed) == 2 * 2 * len(methods.panels)  # x and y of 2 marks per panel


def test_smoothing_is_cached_per_weight(methods):
    methods.state.smoothing = 0.9
    store = methods.model.source
    cached = store.smoothed("GRPO", "actor/entropy", "ema", 0.9)[1]
    methods.state.smoothing = 0.5
    methods.state.smoothing = 0.9
    assert store.smoothed("GRPO", "actor/entropy", "ema", 0.9)[1] is cached


# -- runs ------------------------------------------------------------------------------------
def shown(ex):
    return [set(p.drawn().run) for p in ex.panels]


def test_hiding_a_run_removes_it_from_every_panel(methods):
    methods.state.visible_runs = ["GRPO", "RED-Weight"]
    assert shown(methods) == [{"GRPO", "RED-Weight"}] * 4
    assert all(len(p.line_marks()) == 2 for p in methods.panels)  # raw and smoothed: runs are rows
    for p in methods.panels:
        for m in p.lines.values():  # a row the mark still holds is hidden, or it is gone
            visible = [run for run, o in zip(m.labels, m.opacities) if o > 0]
            assert visible == ["GRPO", "RED-Weight"] and m.x.shape[0] == len(m.labels)
    methods.state.visible_runs = []
    assert all(p.figure.marks == [] for p in methods.panels)


def test_a_legend_click_toggles_the_run_everywhere(methods):
    entry = methods.controls.legend_entries["RED-Weight"]
    assert {"rlx-legend-entry", "rlx-run-2", "rlx-run-name-RED-Weight"} <= set(css_classes(entry))
    press(entry)
    assert methods.state.visible_runs == ("GRPO", "REC-OneSide-NoIS (0.2)")
    assert shown(methods) == [{"GRPO", "REC-OneSide-NoIS (0.2)"}] * 4
    assert "rlx-off" in css_classes(entry) and entry.style.text_decoration == "line-through"
    assert methods.controls.checkboxes["RED-Weight"].value is False
    press(entry)
    assert shown(methods) == [set(RUNS)] * 4 and "rlx-off" not in css_classes(entry)


def test_checkboxes_toggle_runs_both_ways(methods):
    box = methods.controls.checkboxes["GRPO"]
    box.set_state({"value": False})
    assert "GRPO" not in methods.state.visible_runs and "GRPO" not in set().union(*shown(methods))
    methods.state.visible_runs = RUNS
    assert box.value is True


def test_the_run_filter_hides_runs_and_their_controls(methods):
    methods.controls.run_filter.set_state({"value": "^re"})
    assert methods.state.run_filter == "^re"
    assert shown(methods) == [{"REC-OneSide-NoIS (0.2)", "RED-Weight"}] * 4
    assert methods.controls.legend_entries["GRPO"].layout.display == "none"
    assert methods.controls.checkboxes["GRPO"].layout.display == "none"
    methods.controls.run_filter.set_state({"value": "(re"})  # mid-typing: not a regex yet
    assert (
        methods.state.run_filter == "^re"
        and "regular expression" in methods.controls.filter_error.value
    )
    methods.state.run_filter = ""
    assert shown(methods) == [set(RUNS)] * 4 and methods.controls.run_filter.value == ""


def test_showing_a_hidden_run_again_recomputes_nothing(methods):
    before = [p.frame.sides[0] for p in methods.panels]
    methods.state.toggle_run("GRPO")
    methods.state.toggle_run("GRPO")
    for side, p in zip(before, methods.panels):
        assert p.frame.sides[0].raw is side.raw and p.frame.sides[0].smoothed is side.smoothed


def test_a_run_shown_again_gets_the_smoothing_set_while_it_was_hidden(methods, methods_ds):
    methods.state.toggle_run("GRPO")
    methods.state.smoothing = 0.97
    methods.state.toggle_run("GRPO")
    rows = methods.panels[0].drawn().query("run == 'GRPO' and kind == 'smoothed'")
    expected = smoothed_values(
        methods_ds, "GRPO", "critic/score/mean", rows.step.values, "ema", 0.97
    )
    np.testing.assert_allclose(rows.value.values, expected)


def test_each_run_keeps_its_colour_when_others_are_hidden(methods):
    mark = methods.panels[0].lines[("smoothed", 0)]
    before = dict(zip(mark.labels, mark.colors))
    assert len(set(before.values())) == 3
    methods.state.visible_runs = ["RED-Weight"]
    for p in methods.panels:
        for m in p.lines.values():
            colors = {r: c for r, c, o in zip(m.labels, m.colors, m.opacities) if o > 0}
            assert colors == {"RED-Weight": before["RED-Weight"]}


def test_a_run_toggle_that_keeps_the_y_range_sends_only_opacities(methods):
    p = methods.panel("actor/entropy")
    y = p.y_scales[0]["linear"]
    before = (y.min, y.max)
    changed = []
    for mark in p.lines.values():
        mark.observe(lambda ch: changed.append(ch["name"]), names=All)
    methods.state.toggle_run("RED-Weight")  # its lines lie inside the others' range here
    assert (y.min, y.max) == before and set(changed) == {"opacities"}
    assert list(p.lines[("smoothed", 0)].opacities) == [1.0, 1.0, 0.0]
    assert set(p.drawn().run) == {"GRPO", "REC-OneSide-NoIS (0.2)"}
    changed.clear()
    methods.state.toggle_run("RED-Weight")
    assert set(changed) == {"opacities"} and set(p.drawn().run) == set(RUNS)
    methods.state.toggle_run("REC-OneSide-NoIS (0.2)")  # it holds the range: lines are re-sent
    assert (y.min, y.max) != before and {"x", "y"} <= set(changed)


def test_raw_lines_are_faint_under_the_smoothed_ones(methods):
    p = methods.panels[0]
    raw, smoothed = p.lines[("raw", 0)], p.lines[("smoothed", 0)]
    assert p.line_marks() == [raw, smoothed]  # smoothed drawn last, on top
    assert [p.kind_of(m) for m in p.line_marks()] == [
        ("critic/score/mean", "raw"),
        ("critic/score/mean", "smoothed"),
    ]
    assert list(raw.opacities) == [RAW_OPACITY] * 3 and smoothed.stroke_width == 2.0
    assert raw.stroke_width < 1.0 and smoothed.marker is None
    methods.state.show_raw = False  # the option to hide raw lines
    assert raw.visible is False and smoothed.visible is True
    assert methods.controls.show_raw.value is False
    methods.controls.show_raw.set_state({"value": True})
    assert methods.state.show_raw is True and raw.visible is True


# -- step range and brushing ---------------------------------------------------------------
def test_setting_step_range_zooms_every_panel_and_the_summary(methods):
    methods.state.step_range = (1000, 2000)
    assert (methods.x_scale.min, methods.x_scale.max) == (1000.0, 2000.0)
    for p in methods.panels:
        steps = p.drawn().step
        assert steps.min() == 1000 and steps.max() == 2000
    assert "steps 1000 to 2000" in methods.summary_widget.value
    methods.state.step_range = None
    assert (methods.x_scale.min, methods.x_scale.max) == (1.0, 4000.0)


@pytest.mark.parametrize("browser", [False, True])
def test_a_brush_on_any_panel_sets_the_range_on_release(methods, browser):
    seen = []
    methods.state.observe(lambda ch: seen.append(ch["new"]), "step_range")
    drag(methods.panels[2].brush, 1500.0, 2500.0, browser=browser)
    assert seen == [(1500.0, 2500.0)]  # nothing while the mouse was down
    assert (methods.x_scale.min, methods.x_scale.max) == (1500.0, 2500.0)
    assert all(p.drawn().step.between(1500, 2500).all() for p in methods.panels)
    assert methods.panels[2].brush.selected is None  # cleared, so the zoom cannot feed back
    summary = methods.summary()
    assert summary.index.names == ["run", "metric"] and list(summary.columns) == [
        "last",
        "min",
        "max",
        "mean",
    ]
    window = methods.model.source.raw("GRPO", "actor/entropy")
    sel = (window[0] >= 1500) & (window[0] <= 2500)
    np.testing.assert_allclose(
        summary.loc[("GRPO", "actor/entropy")].values,
        [window[1][sel][-1], window[1][sel].min(), window[1][sel].max(), window[1][sel].mean()],
    )


def test_the_page_reports_a_drag_at_its_mouse_up_and_the_brush_only_confirms_it(methods):
    seen, widths = [], []
    methods.state.observe(lambda ch: seen.append(ch["new"]), "step_range")
    drag_in_page(methods, 1, 1500.0, 2500.0, confirm=False)
    assert seen == [(1500.0, 2500.0)]  # zoomed before the brush's own report arrives
    assert methods.panels[1].brush.selected is None
    mark = methods.panels[0].lines[("smoothed", 0)]
    mark.observe(lambda ch: widths.append(ch["new"].shape), "x")
    brush = methods.panels[1].brush  # its report: the same span, a pixel off: not drawn again
    brush.set_state({"brushing": False, "selected": array_state([1501.0, 2499.0])})
    assert seen == [(1500.0, 2500.0)] and widths == [] and brush.selected is None
    # a report of another span wins; a later click still shows every step
    drag_in_page(methods, 0, 2000.0, 2200.0, confirm=False)
    methods.panels[0].brush.set_state(
        {"brushing": False, "selected": array_state([2050.0, 2150.0])}
    )
    assert methods.state.step_range == (2050.0, 2150.0)
    click(methods.panels[0].brush)
    assert methods.state.step_range is None


def test_the_page_report_does_nothing_in_inspect_mode(methods):
    methods.tool = "inspect"
    drag_in_page(methods, 0, 1000.0, 3000.0, confirm=False)
    assert methods.state.step_range is None


def test_a_brush_never_zooms_the_scale_it_brushes_on(methods):
    brush_scale = methods.panels[0].brush.scale
    assert brush_scale is not methods.x_scale
    assert methods.overview.brush.scale is not methods.x_scale
    assert all(p.brush.scale is brush_scale for p in methods.panels)
    drag(methods.panels[0].brush, 100.0, 900.0, browser=True)
    # the brush scale follows the zoom only once the brush holds no selection
    assert methods.panels[0].brush.selected is None
    assert (brush_scale.min, brush_scale.max) == (100.0, 900.0)
    assert (methods.overview.scale.min, methods.overview.scale.max) == (1.0, 4000.0)


def test_brushing_again_zooms_further_in(methods):
    drag(methods.panels[0].brush, 1000.0, 3000.0, browser=True)
    drag(methods.panels[1].brush, 1500.0, 2000.0, browser=True)
    assert methods.state.step_range == (1500.0, 2000.0)


def test_a_click_or_double_click_without_a_drag_returns_to_all_steps(methods):
    """In Chromium a double-click on a d3 brush sends a single empty gesture."""
    methods.state.step_range = (10, 20)
    click(methods.panels[3].brush)
    assert methods.state.step_range is None and methods.x_scale.max == 4000.0


def test_the_reset_button_returns_to_all_steps(methods):
    methods.state.step_range = (10, 20)
    press(methods.controls.reset)
    assert methods.state.step_range is None and methods.x_scale.max == 4000.0


def test_the_overview_shows_the_range_and_brushing_it_sets_the_range(methods):
    overview = methods.overview
    assert "rlx-overview" in css_classes(overview.figure)
    methods.state.step_range = (100, 200)
    assert overview.brush.selected.tolist() == [100.0, 200.0]
    drag(overview.brush, 300.0, 700.0, browser=True)
    assert methods.state.step_range == (300.0, 700.0)
    assert overview.brush.selected.tolist() == [300.0, 700.0]  # it stays, showing the range
    click(overview.brush)
    assert methods.state.step_range is None and overview.brush.selected is None


def test_the_overview_draws_the_first_metric_for_shown_runs(methods):
    lines = methods.overview.lines
    assert methods.overview.figure.marks == [lines] and lines.x.shape[0] == 3
    methods.state.toggle_run("GRPO")
    assert methods.overview.rows.runs == RUNS[1:] and lines.x.shape[0] == 2


def test_the_overview_is_not_resent_when_only_the_smoothing_changes(methods):
    changed = []
    methods.overview.lines.observe(changed.append, names=All)
    methods.state.smoothing = 0.95
    methods.state.smoothing_method = "gaussian"
    assert changed == []


# -- per-panel options and toolbar -------------------------------------------------------------
def test_log_scale_is_per_panel_and_follows_the_menu(methods):
    p = methods.panel("actor/kl_loss")
    p.toolbar.log_scale.set_state({"value": True})
    assert methods.state.log_scale == ("actor/kl_loss",)
    assert isinstance(p.y_axes[0].scale, bq.LogScale)
    assert (p.drawn().value > 0).all()
    lo, hi = p.y_axes[0].scale.min, p.y_axes[0].scale.max
    top = p.drawn().query("kind == 'raw'").value.max()
    row = p.lines[("raw", 0)].y  # pre-scaled by log10
    assert np.nanmax(row) == pytest.approx(np.log10(top / lo) / np.log10(hi / lo), abs=1e-5)
    other = methods.panel("actor/entropy")
    assert isinstance(other.y_axes[0].scale, bq.LinearScale)
    methods.state.set_panel_option("log_scale", "actor/kl_loss", False)
    assert isinstance(p.y_axes[0].scale, bq.LinearScale) and p.toolbar.log_scale.value is False


def test_ignore_outliers_sets_the_y_range_to_percentiles_and_keeps_the_points(methods, methods_ds):
    p = methods.panel("actor/kl_loss")
    methods.state.smoothing = 0.0
    methods.state.step_range = (500, 3000)
    drawn = p.drawn()
    full = (p.y_scales[0]["linear"].min, p.y_scales[0]["linear"].max)
    methods.state.set_panel_option("ignore_outliers", "actor/kl_loss")
    assert p.toolbar.ignore_outliers.value is True
    shown = methods_ds.value.sel(metric="actor/kl_loss", step=slice(500, 3000)).values.ravel()
    lo, hi = np.percentile(shown, [5, 95])  # of the raw points
    pad = (hi - lo) * 0.05  # padded, then stretched to round ticks
    assert (p.y_scales[0]["linear"].min, p.y_scales[0]["linear"].max) == pytest.approx(
        axis_range(lo - pad, hi + pad, max_ticks=p.max_y_ticks)[:2]
    )
    assert full[0] <= p.y_scales[0]["linear"].min and p.y_scales[0]["linear"].max < full[1]
    pd.testing.assert_frame_equal(p.drawn(), drawn)  # the outliers are still drawn


def test_the_y_range_follows_the_shown_runs_and_steps(methods, methods_ds):
    p = methods.panel("actor/entropy")
    methods.state.visible_runs = ["GRPO"]
    values = methods_ds.value.sel(run="GRPO", metric="actor/entropy").values
    values = np.concatenate(
        [
            values,
            smoothed_values(
                methods_ds, "GRPO", "actor/entropy", methods_ds.step.values, "ema", 0.6
            ),
        ]
    )
    pad = (values.max() - values.min()) * 0.05  # padded, then stretched to round ticks
    assert (p.y_scales[0]["linear"].min, p.y_scales[0]["linear"].max) == pytest.approx(
        axis_range(values.min() - pad, values.max() + pad, max_ticks=p.max_y_ticks)[:2]
    )


def test_pin_and_expand_from_the_toolbar(methods):
    p = methods.panel("response_length/mean")
    p.toolbar.pin.set_state({"value": True})
    assert methods.state.pinned == ("response_length/mean",)
    assert methods.grid.widget.children[0].children[0] is p.widget  # first
    p.toolbar.expand.set_state({"value": True})
    assert (
        methods.state.expanded == ("response_length/mean",)
        and p.widget.layout.grid_column == "1 / -1"
    )
    methods.state.expanded = ()
    assert p.widget.layout.grid_column is None and p.toolbar.expand.value is False


def test_panels_are_drawn_for_the_width_the_page_measures(methods):
    p = methods.panel("actor/entropy")
    assert methods.panel_view(p.key).width_px == (1200 - 3 * 6) // 4  # assumed until measured
    methods.state.set_panel_option("expanded", "actor/entropy")
    assert methods.panel_view(p.key).width_px == 1200
    q = methods.panel("actor/kl_loss")
    narrow = q.drawn().groupby(["run", "kind"]).size()
    methods.meter.set_state({"width": 2400})  # as the page reports it
    assert methods.panel_view(p.key).width_px == 2400
    assert methods.panel_view(q.key).width_px == (2400 - 3 * 6) // 4
    wide = q.drawn().groupby(["run", "kind"]).size()
    assert (wide > narrow).all() and (wide <= 4 * q.plot_width((2400 - 18) // 4)).all()


def test_smoothed_lines_have_about_one_point_per_pixel_column(methods):
    for p in methods.panels:
        width = p.plot_width(methods.panel_view(p.key).width_px)
        sizes = p.drawn().query("kind == 'smoothed'").groupby("run").size()
        assert (sizes <= width + 1).all()


def test_the_menu_opens_and_offers_a_csv_of_the_panel(methods):
    import base64

    p = methods.panel("actor/kl_loss")
    p.toolbar.menu_toggle.set_state({"value": True})
    assert p.toolbar.menu.layout.display == "flex"
    methods.state.step_range = (10, 19)
    press(p.toolbar.csv)
    link = p.toolbar.link.value
    assert 'download="actor-kl_loss.csv"' in link
    csv = base64.b64decode(link.split("base64,")[1].split('"')[0]).decode()
    frame = pd.read_csv(pd.io.common.StringIO(csv))
    assert list(frame.columns) == ["run", "metric", "step", "raw", "smoothed"]
    assert len(frame) == 3 * 10 and frame.step.between(10, 19).all()


def test_png_and_svg_buttons_save_the_figure(methods, monkeypatch):
    p = methods.panel("actor/kl_loss")
    saved = []
    monkeypatch.setattr(p.figure, "save_png", lambda name: saved.append(name))
    monkeypatch.setattr(p.figure, "save_svg", lambda name: saved.append(name))
    press(p.toolbar.png)
    press(p.toolbar.svg)
    assert saved == ["actor-kl_loss.png", "actor-kl_loss.svg"]


# -- sparse metrics, markers, dual axes -----------------------------------------------------
def test_sparse_metrics_are_connected_lines_with_markers(dashboard, length):
    p = dashboard.panel("eval/math-eval/accuracy/mean")
    drawn = p.drawn()
    assert drawn.value.notna().all() and (drawn.groupby(["run", "kind"]).size() == 16).all()
    # logged every other step: no markers, as reference 002; every 5th or 10th: markers (003)
    assert p.lines[("raw", 0)].marker is None
    p = length.panels[0]
    # small markers on the logged (raw) points, none on the smoothed curve
    assert p.lines[("raw", 1)].marker == "circle" and p.lines[("smoothed", 1)].marker is None
    assert p.lines[("raw", 1)].marker_size <= 16


def test_dense_metrics_have_no_markers_unless_asked(methods_ds, methods):
    marks = [m for m in methods.panels[0].figure.marks]
    assert {m.marker for m in marks} == {None}
    ex = Explorer(methods_ds, ["actor/kl_loss"], markers=True)
    assert "circle" in {m.marker for m in ex.panels[0].figure.marks}


def test_a_dual_axis_panel_has_two_coloured_axes_and_says_which_line_is_which(length):
    p = length.panels[0]
    assert p.metrics == ("response_length/mean", "eval/reproduced_rate") and p.dual
    left, right = p.y_axes
    assert (left.side, right.side) == ("left", "right")
    assert (left.label, right.label) == ("response_length/mean", "eval/reproduced_rate")
    assert left.scale is not right.scale
    colors = {p.kind_of(m)[0]: m.colors[0] for m in p.line_marks()}
    assert (
        left.color == colors["response_length/mean"]
        and right.color == colors["eval/reproduced_rate"]
    )
    assert left.color != right.color
    markers = {p.kind_of(m)[0]: m.marker for m in p.line_marks() if p.kind_of(m)[1] == "raw"}
    assert markers == {"response_length/mean": "square", "eval/reproduced_rate": "circle"}
    assert "left axis" in p.axis_key.value and "right axis" in p.axis_key.value
    drawn = p.drawn().groupby(["metric", "kind"]).size().to_dict()
    assert drawn == {
        ("response_length/mean", "raw"): 101,
        ("response_length/mean", "smoothed"): 101,
        ("eval/reproduced_rate", "raw"): 51,
        ("eval/reproduced_rate", "smoothed"): 51,
    }


def test_a_dual_axis_panel_with_several_runs_keeps_run_colours(methods_ds):
    ex = Explorer(methods_ds, [("actor/entropy", "response_length/mean")])
    p = ex.panels[0]
    by_run = {}
    for m in p.figure.marks:
        for run, color in zip(m.labels, m.colors):
            by_run.setdefault(run, set()).add(color)
    assert all(len(c) == 1 for c in by_run.values()) and len(by_run) == 3
    assert p.y_axes[0].color is None
    styles = {p.kind_of(m)[0]: m.line_style for m in p.line_marks()}
    assert styles == {"actor/entropy": "solid", "response_length/mean": "dashed"}


# -- hover --------------------------------------------------------------------------------------
def test_hover_draws_a_rule_in_every_panel_and_a_readout(methods, methods_ds):
    before = [len(p.drawn()) for p in methods.panels]
    methods.state.hover_step = 1234
    for p in methods.panels:
        assert p.rule in p.figure.marks and p.rule.visible and p.rule.x.tolist() == [1234.0, 1234.0]
        assert "step 1234" in p.readout.value
    grpo = methods_ds.value.sel(run="GRPO", metric="actor/entropy", step=1234).item()
    assert f"{grpo:.4g}" in methods.panel("actor/entropy").readout.value
    assert "smoothed" in methods.panels[0].readout.value
    assert [len(p.drawn()) for p in methods.panels] == before  # the rule is not data
    methods.state.hover_step = None
    assert all(not p.rule.visible and p.readout.value == "" for p in methods.panels)


def test_the_inspect_tool_moves_the_hover_step(methods):
    methods.tool = "inspect"
    p = methods.panels[1]
    assert all(q.figure.interaction is q.cursor for q in methods.panels)
    p.cursor.set_state({"selected": array_state([2000.4])})
    assert methods.state.hover_step == 2000.0  # snapped to a logged step
    assert "step 2000" in methods.panels[3].readout.value
    methods.tool = "zoom"
    assert methods.state.hover_step is None and all(
        q.figure.interaction is q.brush for q in methods.panels
    )
    with pytest.raises(ValueError, match="tool"):
        methods.tool = "lasso"


def test_hover_readout_uses_the_nearest_logged_point_of_sparse_metrics(dashboard):
    dashboard.state.hover_step = 5
    readout = dashboard.panel("eval/math-eval/accuracy/mean").readout.value
    assert re.search(r"@[46]<", readout)


# -- layout --------------------------------------------------------------------------------
def test_panels_fill_rows_of_columns_and_carry_their_index(methods):
    grid = methods.grid.widget.children[0]
    assert grid.layout.grid_template_columns == "repeat(4, minmax(0, 1fr))"
    assert [f"rlx-panel-{i}" in css_classes(p.widget) for i, p in enumerate(methods.panels)] == [
        True
    ] * 4


def test_sections_group_panels_by_prefix_and_fold(dashboard):
    ex = Explorer(rlx.demo("dashboard"), sections=True)
    names = [s.children[0].description for s in ex.grid.widget.children]
    assert names == ["\u25be eval", "\u25be actor"]
    actor = ex.grid.section("actor")
    assert [w for w in actor.grid.children] == [
        ex.panel("actor/entropy_loss").widget,
        ex.panel("actor/kl_loss").widget,
    ]
    press(actor.header)
    assert actor.grid.layout.display == "none" and actor.header.description.startswith("\u25b8")
    ex.state.pinned = ["actor/kl_loss"]
    assert ex.grid.widget.children[0] is ex.grid.section("", pinned=True).widget
    assert ex.grid.section("", pinned=True).grid.children == (ex.panel("actor/kl_loss").widget,)


def test_sections_by_default_only_when_the_panels_fill_more_than_a_row(methods_ds):
    assert Explorer(methods_ds, columns=4).grid.widget.children[0].__class__.__name__ == "GridBox"
    ex = Explorer(methods_ds, columns=2)
    assert "rlx-section" in css_classes(ex.grid.widget.children[0])


def test_changing_metrics_rebuilds_only_the_panels_that_changed(methods):
    kept = methods.panel("actor/entropy")
    methods.state.metrics = ["actor/entropy", ("actor/kl_loss", "critic/score/mean")]
    assert methods.panels[0] is kept and "rlx-panel-0" in css_classes(kept.widget)
    drawn = methods.panels[1].drawn().groupby(["run", "metric", "kind"]).size()
    assert methods.panels[1].dual and len(drawn) == 3 * 2 * 2 and (drawn > 0).all()
    assert list(methods.summary().index.get_level_values("metric").unique()) == [
        "actor/entropy",
        "actor/kl_loss",
        "critic/score/mean",
    ]


def test_title_and_themes(methods_ds):
    ex = Explorer(methods_ds, title="sync_interval = 20", theme="dark")
    title = next(w for w in ex.widget.children if "rlx-title" in css_classes(w))
    assert title.value == "<h3>sync_interval = 20</h3>"
    assert "rlx-theme-dark" in css_classes(ex.widget)
    ex.theme = "light"
    assert "rlx-theme-light" in css_classes(ex.widget) and "rlx-theme-dark" not in css_classes(
        ex.widget
    )
    assert ".rlx-theme-dark" in ex.widget.children[0].value  # the stylesheet


# -- status for the browser tests ----------------------------------------------------------------
def test_the_status_widget_and_state_file_follow_every_change(methods_ds, tmp_path, monkeypatch):
    path = tmp_path / "state.json"
    monkeypatch.setenv("RLX_STATE_FILE", str(path))
    ex = Explorer(methods_ds)
    status = next(w for w in ex.widget.children if "rlx-status" in css_classes(w))
    ex.state.smoothing = 0.42
    ex.state.step_range = (5, 50)
    text = status.value.replace("&quot;", '"').replace("&amp;", "&")
    assert text.startswith("STATE ")
    published = json.loads(text[len("STATE ") :])
    assert published == json.loads(path.read_text())
    assert published["smoothing"] == 0.42 and published["step_range"] == [5.0, 50.0]
    assert published["x_domain"] == [5.0, 50.0] and published["visible_runs"] == list(RUNS)
    before = published["updates"]
    press(ex.controls.legend_entries["GRPO"])
    after = json.loads(path.read_text())
    assert after["updates"] > before and after["shown_runs"] == list(RUNS[1:])
    assert not list(tmp_path.glob(".rlx-state-*"))  # the temporary file was renamed


def test_callback_errors_go_to_the_errors_output_only_when_they_happen(methods, monkeypatch):
    sent = []
    methods.errors.observe(sent.append, names=All)
    methods.controls.checkboxes["GRPO"].set_state({"value": False})  # no message when all is well
    assert sent == [] and methods.state.visible_runs == RUNS[1:]
    monkeypatch.setattr(methods.state, "toggle_run", lambda run: 1 / 0)
    methods.controls.checkboxes["GRPO"].set_state({"value": True})
    assert "rlx-errors" in css_classes(methods.errors)
    assert "ZeroDivisionError" in methods.errors.outputs[-1]["text"]
