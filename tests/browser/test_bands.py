"""Groups as bands and the x axis switch in a real browser."""

from __future__ import annotations

import pytest
from explorer_page import (
    open_app,
    status,
    wait_for_status,
    wait_until,
    write_notebook,
    x_tick_labels,
)

pytestmark = pytest.mark.browser

NOTEBOOK = """
import numpy as np, xarray as xr
import rlexplore as rlx
ds = rlx.demo("methods").isel(step=slice(0, 500))
seeds = xr.concat([ds.assign_coords(run=[f"{r}-seed{i}" for r in ds.run.values]) for i in range(3)], "run")
seeds["value"] = seeds["value"] * (1 + 0.05 * np.repeat(np.arange(3.0), 3))[:, None, None]
rlx.Explorer(seeds, ["actor/entropy", "actor/kl_loss"], group_pattern=r"-seed\\d", group_band="minmax").widget
"""


def band_paths(page, panel: int) -> list[str]:
    """The shaded areas of the bands in panel `panel` (``path.area``, translucent, non-empty)."""
    return page.eval_on_selector_all(
        f".rlx-panel-{panel} path.area",
        """ps => ps.filter(p => { const o = parseFloat(getComputedStyle(p).opacity); return o > 0 && o < 1; })
                 .map(p => p.getAttribute('d') || '').filter(d => d.length > 2)""",
    )


def test_bands_are_drawn_and_the_x_axis_switches(tmp_path, app_page, serve_voila, artifacts):
    page = app_page
    write_notebook(tmp_path / "bands.ipynb", NOTEBOOK)
    open_app(page, serve_voila(tmp_path / "bands.ipynb").url)
    assert status(page)["visible_runs"] == ["GRPO", "REC-OneSide-NoIS (0.2)", "RED-Weight"]
    wait_until(page, lambda: len(band_paths(page, 0)) == 3, "one band per group")
    legend = page.eval_on_selector_all(".rlx-legend-entry", "es => es.map(e => e.textContent)")
    assert [t.split(" ", 1)[1] for t in legend] == ["GRPO", "REC-OneSide-NoIS (0.2)", "RED-Weight"]
    page.screenshot(path=str(artifacts / "voila-bands.png"), full_page=True)
    page.select_option(".rlx-x-axis select", "relative_time")
    wait_for_status(page, lambda s: s["x_axis"] == "relative_time", "the x axis to switch")
    wait_until(
        page,
        lambda: max(x_tick_labels(page, 0, "time since start (s)") or [0]) > 1000,
        "the x axis in seconds",
    )
    wait_until(page, lambda: len(band_paths(page, 0)) == 3, "bands on the new axis")
    page.screenshot(path=str(artifacts / "voila-bands-time.png"), full_page=True)
    assert page.rlx_errors == []
