"""Real log trees at a glance (issue 13): colours, metric filter, hover, bands, overview, sizes."""

from __future__ import annotations

import numpy as np
import pytest
from explorer_actions import css_classes

import rlexplore as rlx
from rlexplore.transforms.ticks import MAX_TICKS, MIN_TICKS
from rlexplore.views import Explorer


@pytest.fixture(scope="module")
def nips_ds(real_data):
    return rlx.load(real_data / "nips-grpo-dynamics")


@pytest.fixture(scope="module")
def wandb_ds(real_data):
    return rlx.load(real_data / "deep-grpo-wandb-csv")


def test_fifteen_runs_fifteen_colours_and_short_names(nips_ds):
    ex = Explorer(nips_ds)
    assert len(set(ex.colors.values())) == 15
    entries = ex.controls.legend_entries
    labels = [e.description.split(" ", 1)[1] for e in entries.values()]
    assert len(set(labels)) == 15 and all("/" not in label for label in labels)
    assert all(run in e.tooltip for run, e in entries.items())  # the full name on hover
    ex.state.toggle_run(ex.state.runs[3])
    hidden = entries[ex.state.runs[3]]
    assert hidden.style.text_decoration == "line-through"
    assert hidden.style.text_color == ex.colors[ex.state.runs[3]]  # struck through, not greyed
    ex.close()


def test_metric_filter_narrows_the_panels_and_empty_shows_all(nips_ds):
    ex = Explorer(nips_ds)
    every = [p.key for p in ex.shown_panels]
    ex.state.metric_filter = "^train/"
    keys = [p.key for p in ex.shown_panels]
    assert keys and all(k.startswith("train/") for k in keys) and len(keys) < len(every)
    grid = [w for s in ex.grid.widget.children for w in getattr(s, "children", ())]
    drawn = {p.widget for p in ex.shown_panels}
    cells = {c for g in grid for c in getattr(g, "children", ())} | set(grid)
    assert drawn <= cells and not ({p.widget for p in ex.panels} - drawn) & cells
    assert set(ex.overview_metric.options) == {m for k in keys for m in (k,)}
    ex.controls.metric_filter.set_state({"value": ""})  # typed in the bar
    assert ex.state.metric_filter == "" and [p.key for p in ex.shown_panels] == every
    ex.close()


def test_hover_snaps_to_a_logged_step_and_fills_every_shown_panel(methods_ds):
    ds = methods_ds.isel(step=slice(0, None, 10))  # logged every 10 steps
    ex = Explorer(ds)
    ex.hover_tracker.set_state({"pointer": {"panel": 1, "fx": 0.5004}})  # from the page
    step = ex.state.hover_step
    assert step in set(ds.step.values.tolist())
    lo, hi = ex.x_scale.min, ex.x_scale.max
    assert abs(step - (lo + 0.5004 * (hi - lo))) <= 5
    for p in ex.panels:
        assert f"step {step:.6g}</b>" in p.readout.value and p.readout.value.count("<tr>") == 4
    ex.state.hover_step = step + 3.2  # a notebook setting it snaps too
    assert ex.state.hover_step in set(ds.step.values.tolist())
    ex.hover_tracker.set_state({"pointer": None})
    assert ex.state.hover_step is None and all(p.readout.value == "" for p in ex.panels)
    ex.close()


def test_wandb_min_max_columns_are_bands_not_panels(wandb_ds):
    ex = Explorer(wandb_ds)
    keys = [p.key for p in ex.panels]
    assert not any(k.endswith(("__MIN", "__MAX")) for k in keys)
    assert "_step__MIN" not in keys and "Relative Time (Process)" not in keys
    p = ex.panel("actor/entropy")
    bands = [m for m in p.figure.marks if p.kind_of(m) == ("actor/entropy", "band")]
    assert len(bands) == 1
    (band,) = p.frame.sides[0].bands
    low = wandb_ds.value.sel(run=band.run, metric="actor/entropy__MIN").values
    assert np.nanmin(band.lower) == pytest.approx(np.nanmin(low), rel=1e-6)
    ex.close()


def test_overview_names_its_metric_and_switches(dashboard):
    menu = dashboard.overview_metric
    assert menu.value == dashboard.panels[0].metrics[0] and "rlx-overview-metric" in css_classes(
        menu
    )
    before = np.array(dashboard.overview.figure.marks[0].y, copy=True)
    menu.set_state({"index": list(menu.options).index("actor/kl_loss")})  # as the page sends it
    assert not np.array_equal(before, dashboard.overview.figure.marks[0].y)


def test_y_axes_have_four_to_seven_round_ticks_with_compact_labels(methods):
    for p in methods.panels:
        ticks = p.y_axes[0].tick_values
        assert MIN_TICKS <= len(ticks) <= MAX_TICKS
        scale = p.y_scales[0]["linear"]
        assert (scale.min, scale.max) == (ticks[0], ticks[-1])  # no tick cut at an edge
        assert all(len(label) <= 5 for label in p.y_axes[0].tick_labels.values())
    kl = methods.panel("actor/kl_loss").y_scales[0]["linear"]
    assert kl.min == 0.0  # KL is never negative: the padding does not make it so


def test_panels_size_from_the_measured_width(methods):
    methods.meter.set_state({"width": 1880})
    heights = {p.figure.layout.height for p in methods.panels}
    assert methods.shown_columns == 4 and len(heights) == 1
    wide = int(heights.pop()[:-2])
    methods.meter.set_state({"width": 620})  # a narrow JupyterLab pane: fewer columns
    assert methods.shown_columns == 2
    narrow = int(methods.panels[0].figure.layout.height[:-2])
    assert 170 <= narrow <= wide <= 420
    width = methods.panel_width(methods.panels[0].key)
    assert 1.3 <= (width - methods.panels[0].margin) / narrow <= 2.2


def test_the_status_line_shows_only_in_debug_mode(methods_ds, monkeypatch):
    monkeypatch.delenv("RLX_DEBUG", raising=False)
    assert "rlx-debug" not in css_classes(Explorer(methods_ds).widget)
    assert "rlx-debug" in css_classes(Explorer(methods_ds, debug=True).widget)
    monkeypatch.setenv("RLX_DEBUG", "1")
    assert "rlx-debug" in css_classes(Explorer(methods_ds).widget)
    assert "rlx-debug" not in css_classes(Explorer(methods_ds, debug=False).widget)
