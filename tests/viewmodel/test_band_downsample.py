"""Group bands are pixel-bounded too, and keep each pixel column's envelope."""

from __future__ import annotations

import numpy as np
import xarray as xr

import rlexplore as rlx
from rlexplore.transforms.downsample import pixel_columns
from rlexplore.viewmodel.lines import band_xy

STEPS = 20_000


def seeds() -> xr.Dataset:
    rng = np.random.default_rng(0)
    values = np.cumsum(rng.normal(0, 0.1, (3, 1, STEPS)), axis=-1)
    values[1, 0, 12_345] = 30.0  # one seed spikes once: the band's upper edge must show it
    return xr.Dataset(
        {"value": (("run", "metric", "step"), values)},
        coords={
            "run": np.array([f"grpo-seed{i}" for i in range(3)], dtype=object),
            "metric": np.array(["loss"], dtype=object),
            "step": np.arange(STEPS, dtype=np.int64),
        },
    )


def test_band_xy_keeps_every_columns_envelope():
    rng = np.random.default_rng(1)
    x = np.arange(50_000.0)
    lower = rng.normal(size=x.size)
    upper = lower + rng.uniform(0, 3, x.size)
    bx, by = band_xy(x, lower, upper, (1000, 40_000), 100)
    assert bx.size <= 8 * 100 and by.shape == (2, bx.size)
    cols, full_cols = pixel_columns(bx, 100, (1000, 40_000)), pixel_columns(x, 100, (1000, 40_000))
    inside = (x >= 1000) & (x <= 40_000)
    for col in range(100):
        full = inside & (full_cols == col)
        assert by[0, cols == col].min() == lower[full].min()
        assert by[1, cols == col].max() == upper[full].max()


def test_the_explorers_group_band_is_bounded_and_shows_a_spike():
    ex = rlx.Explorer(seeds(), group_pattern=r"-seed\d", group_band="minmax", smoothing=0.0)
    panel = ex.panel("loss")
    mark = next(m for m in panel.figure.marks if getattr(m, "fill", None) == "between")
    band = panel.frame.sides[0].bands[0]
    width = panel.plot_width(ex.panel_view(panel.key).width_px)
    assert mark.x.size == band.x.size <= 8 * width < STEPS
    assert band.upper.max() == 30.0  # the one-step spike of one seed
    ex.state.step_range = (12_300.0, 12_400.0)
    band = panel.frame.sides[0].bands[0]
    assert band.x.tolist() == list(np.arange(12_300.0, 12_401.0))  # zoomed in: every point
