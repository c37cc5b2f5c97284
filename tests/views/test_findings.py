"""Findings in the explorer: bands on their panels, the table, click-to-brush, the toggle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import rlexplore as rlx

REC = "REC-OneSide-NoIS (0.2)"


@pytest.fixture
def ex(methods_ds):
    explorer = rlx.Explorer(methods_ds, findings=True)
    yield explorer
    explorer.close()


def test_findings_are_drawn_on_their_panels_under_the_lines(ex):
    drawn = ex.findings.drawn()
    assert set(zip(drawn.panel, drawn.kind)) == {
        ("actor/entropy", "entropy collapse"),
        ("response_length/mean", "length collapse"),
        ("critic/score/mean", "reward hacking hint"),
    }
    assert set(drawn.run) == {REC}
    panel = ex.panel("actor/entropy")
    (band,) = panel.figure.marks[:1]
    row = ex.findings.findings.query("kind == 'entropy collapse'").iloc[0]
    assert band.x.tolist() == [row.first_step, row.first_step, row.last_step, row.last_step]
    assert band.colors == [ex.colors[REC]] and band.fill == "inside"
    assert band.scales["x"] is ex.x_scale  # zooms with every panel
    assert set(panel.drawn().kind) == {"raw", "smoothed"}  # the data lines are unchanged


def test_bands_lie_along_the_top_edge_and_are_labelled_with_their_kind(ex):
    from rlexplore.views.findings import STRIP

    panel = ex.panel("actor/entropy")
    band, label = panel.figure.marks[0], panel.figure.marks[-1]  # the label over the lines
    assert min(band.y) >= STRIP[0] and max(band.y) <= STRIP[1]  # never over the lines
    assert ex.findings.labels(panel) == ["entropy collapse"]
    assert label.colors == [ex.colors[REC]] and label.x[0] == band.x[0]
    assert label.y[0] < STRIP[0]  # under the strip, inside the plot
    ex.state.visible_runs = [r for r in ex.state.runs if r != REC]
    assert ex.findings.labels(ex.panel("actor/entropy")) == []


def test_table_lists_every_finding_most_severe_first(ex):
    found = ex.findings.findings
    assert len(found) == len(rlx.diagnose(ex.data)) == len(ex.findings.buttons)
    assert found.severity.iloc[0] == "critical"
    assert len(ex.findings.table.children) == 6 * (len(found) + 1)
    children = list(ex.widget.children)
    assert (
        children.index(ex.findings.widget) == children.index(ex.summary_widget) - 1
    )  # under the panels


def test_hiding_a_run_hides_its_findings_and_showing_it_brings_them_back(ex):
    ex.state.toggle_run(REC)
    # drawn(): the finding marks that are on a panel's figure, read from the figures
    assert ex.findings.drawn().empty and ex.findings.shown().empty
    assert len(ex.findings.table.children) == 6  # the header only
    ex.state.toggle_run(REC)
    assert len(ex.findings.drawn()) == 3


def test_toggle_hides_marks_and_table_as_the_browser_sets_it(ex):
    ex.findings.toggle.set_state({"value": False})
    assert ex.findings.drawn().empty and ex.findings.table.layout.display == "none"
    ex.state.smoothing = 0.9  # a redraw keeps them hidden
    assert ex.findings.drawn().empty
    ex.findings.toggle.set_state({"value": True})
    assert len(ex.findings.drawn()) == 3 and ex.findings.table.layout.display is None


def test_clicking_a_finding_brushes_its_steps_in_every_panel(ex):
    i = int(ex.findings.findings.index[ex.findings.findings.kind == "entropy collapse"][0])
    row = ex.findings.findings.loc[i]
    ex.findings.buttons[i].click()
    lo, hi = ex.state.step_range
    width = row.last_step - row.first_step
    assert (
        lo == pytest.approx(row.first_step - 0.1 * width) and hi == 4000
    )  # padded, inside the data
    assert (ex.x_scale.min, ex.x_scale.max) == (lo, hi)
    assert ex.summary().index.get_level_values("run").nunique() == 3


def test_single_step_finding_is_a_line_and_brushes_around_its_step():
    ex = rlx.Explorer(
        rlx.demo("length"), [("response_length/mean", "eval/reproduced_rate")], findings=True
    )
    drawn = ex.findings.drawn()
    best = drawn[drawn.kind == "best checkpoint"].iloc[0]
    assert best.panel == (
        "response_length/mean",
        "eval/reproduced_rate",
    )  # a dual-axis panel shows both sides
    mark = ex.panels[0].figure.marks[0]
    assert mark.x.tolist() == [best.first_step] * 2 and mark.fill == "none"
    ex.findings.select(
        int(ex.findings.findings.index[ex.findings.findings.kind == "best checkpoint"][0])
    )
    lo, hi = ex.state.step_range
    assert lo < best.first_step < hi and hi - lo < 50
    ex.close()


def test_dashboard_shows_the_kl_surge_of_the_blue_run_only(dashboard):
    ds = rlx.demo("dashboard")
    ex = rlx.Explorer(ds, findings=True)
    kl = ex.findings.drawn().query("panel == 'actor/kl_loss'")
    assert kl.run.tolist() == [ds.rlx.runs[0]] and kl.kind.tolist() == ["kl surge"]
    ex.close()


def test_new_panels_get_their_findings(ex):
    ex.state.metrics = ("actor/entropy",)
    assert ex.findings.drawn().panel.tolist() == ["actor/entropy"]
    ex.state.metrics = ("response_length/mean", "actor/entropy")
    assert set(ex.findings.drawn().panel) == {"response_length/mean", "actor/entropy"}


def test_findings_option_takes_rules_or_a_frame(methods_ds):
    assert rlx.Explorer(methods_ds).findings is None
    strict = rlx.Explorer(methods_ds, findings={"entropy_collapse_ratio": 0.1})
    assert "entropy collapse" not in set(strict.findings.findings.kind)
    given = rlx.diagnose(methods_ds).iloc[:1]
    assert len(rlx.Explorer(methods_ds, findings=given).findings.findings) == 1
    with pytest.raises(ValueError, match="missing columns"):
        rlx.Explorer(methods_ds, findings=pd.DataFrame({"run": []}))


def test_names_are_escaped_in_the_table():
    evil = "<img src=x onerror=alert(1)>"
    values = np.linspace(1, 2, 20)
    values[5] = np.nan
    ds = rlx.from_dataframe(
        pd.DataFrame({"run": evil, "metric": "grad<b>norm", "step": np.arange(20), "value": values})
    )
    ex = rlx.Explorer(ds, findings=True)
    text = " ".join(getattr(w, "value", "") for w in ex.findings.table.children)
    assert (
        "&lt;img src=x onerror=alert(1)&gt;" in text
        and "<img" not in text
        and "grad&lt;b&gt;norm" in text
    )
    ex.close()


def test_another_x_axis_lists_but_does_not_draw(methods_ds):
    ex = rlx.Explorer(methods_ds, findings=True)
    ex.state.x_axis = "wall_time"
    assert ex.findings.drawn().empty and all(b.disabled for b in ex.findings.buttons)
    assert len(ex.findings.shown()) == 3
    ex.state.x_axis = "step"
    assert len(ex.findings.drawn()) == 3 and not any(b.disabled for b in ex.findings.buttons)
    ex.close()


# -- in a real browser ---------------------------------------------------------------------
# The browser fixtures live in tests/browser/conftest.py; they are loaded here under another
# module name (a second conftest named "conftest" would clash) and used as they are.
def _browser_fixtures():
    import importlib.util
    import sys
    from pathlib import Path

    browser = Path(__file__).resolve().parents[1] / "browser"
    sys.path.insert(0, str(browser))  # explorer_page
    spec = importlib.util.spec_from_file_location("rlx_browser_fixtures", browser / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_fx = _browser_fixtures()
artifacts, chromium_path, chromium_browser, app_page, serve_voila = (
    _fx.artifacts,
    _fx.chromium_path,
    _fx.chromium_browser,
    _fx.app_page,
    _fx.serve_voila,
)

FINDINGS_NOTEBOOK = """
import rlexplore as rlx
rlx.Explorer(rlx.demo("methods"), findings=True).widget
"""


@pytest.mark.browser
def test_findings_in_a_real_browser(tmp_path, app_page, serve_voila, artifacts):
    import nbformat
    from explorer_page import open_app, wait_for_status, wait_until
    from nbformat.v4 import new_code_cell, new_notebook

    from rlexplore.views.theme import run_color

    nb = new_notebook(cells=[new_code_cell(FINDINGS_NOTEBOOK)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, tmp_path / "findings.ipynb")
    page = app_page
    open_app(page, serve_voila(tmp_path / "findings.ipynb").url)
    table = wait_until(
        page,
        lambda: (
            "entropy collapse" in page.inner_text(".rlx-findings-table")
            and page.inner_text(".rlx-findings-table")
        ),
        "the findings table",
    )
    assert REC in table and "reward hacking hint" in table and "length collapse" in table
    rec = run_color(rlx.demo("methods").rlx.runs.index(REC))
    # a band is a closed line filled faintly in its run's colour ("inside" fill)
    fills = page.eval_on_selector_all(
        ".rlx-panel path.line",
        "ps => ps.filter(p => (p.getAttribute('d') || '').length > 2)"
        " .map(p => getComputedStyle(p).fill)",
    )
    assert (
        sum(f.replace(" ", "") == _rgb(rec) for f in fills) == 3
    )  # one band on each of three panels
    page.screenshot(path=str(artifacts / "voila-findings.png"), full_page=True)
    page.locator(".rlx-findings").screenshot(path=str(artifacts / "voila-findings-table.png"))
    page.locator(".rlx-finding-brush").first.click()
    state = wait_for_status(
        page, lambda s: s["step_range"] is not None, "the finding's steps to be brushed"
    )
    assert 700 < state["step_range"][0] < 1200 and state["step_range"][1] == 4000
    page.locator(".rlx-findings-toggle").click()
    wait_until(
        page, lambda: not page.is_visible(".rlx-findings-table"), "the toggle to hide the table"
    )
    page.screenshot(path=str(artifacts / "voila-findings-brushed.png"), full_page=True)


def _rgb(hex_color: str) -> str:
    return "rgb({},{},{})".format(*(int(hex_color[i : i + 2], 16) for i in (1, 3, 5)))


def test_refresh_after_new_data(methods_ds):
    ex = rlx.Explorer(methods_ds.sel(step=slice(None, 1000)), findings=True)
    assert ex.findings.findings.empty and ex.findings.drawn().empty  # nothing has collapsed yet
    ex.set_data(methods_ds)
    ex.findings.refresh()
    assert "entropy collapse" in set(ex.findings.findings.kind) and len(ex.findings.drawn()) == 3
    assert ex.findings.toggle.description == "Findings (3)"
    ex.close()


def test_a_long_table_lists_the_most_severe_and_says_how_many_more(methods_ds, monkeypatch):
    from rlexplore.views import findings as module

    monkeypatch.setattr(module, "MAX_ROWS", 2)
    ex = rlx.Explorer(methods_ds, findings=True)
    cells = ex.findings.table.children
    assert len(cells) == 6 * 3 + 1 and "and 1 more" in cells[-1].value
    assert len(ex.findings.drawn()) == 3  # every finding is still drawn
    ex.close()


def test_recoloured_runs_recolour_their_findings(ex):
    from rlexplore.views.extensions import recolor

    recolor(ex, {REC: "#123456"})
    band = ex.panel("actor/entropy").figure.marks[0]
    assert band.colors == ["#123456"] and band.fill_colors == ["#123456"]
