"""Groups of runs: labels, center and bands, and alignment of different step grids."""

import numpy as np
import pandas as pd
import pytest

import rlexplore as rlx
from rlexplore.dataset import from_columns, hparam_coords
from rlexplore.transforms.groups import aggregate, group_labels, groups


def seeds():
    """Two methods x three seeds, all logging steps 0..4; values = seed index + step."""
    rows = []
    for method in ("grpo", "ppo"):
        for seed in range(3):
            for step in range(5):
                rows.append(
                    (
                        f"{method}-seed{seed}",
                        "reward",
                        step,
                        seed + step + (10 if method == "ppo" else 0),
                    )
                )
    run, metric, step, value = zip(*rows)
    coords = {
        r: hparam_coords({"algo": r.split("-")[0], "lr": 1e-6 if "grpo" in r else 3e-6})
        for r in set(run)
    }
    return from_columns(run, metric, step, value, run_coords=coords)


def test_labels_by_coordinate_and_by_pattern():
    ds = seeds()
    assert group_labels(ds, "hp.algo") == ["grpo"] * 3 + ["ppo"] * 3
    assert group_labels(ds, "hp.lr") == ["1e-06"] * 3 + ["3e-06"] * 3
    assert group_labels(ds, pattern=r"-seed\d+") == ["grpo"] * 3 + ["ppo"] * 3
    assert group_labels(ds, pattern=r"^(\w+)-") == ["grpo"] * 3 + ["ppo"] * 3
    assert groups(ds, pattern=r"-seed\d+")["ppo"] == ("ppo-seed0", "ppo-seed1", "ppo-seed2")


def test_unmatched_names_and_missing_values_form_their_own_groups():
    df = pd.DataFrame({"run": ["a-seed1", "b"], "metric": "m", "step": 0, "value": 1.0})
    ds = rlx.from_dataframe(df)
    assert group_labels(ds, pattern=r"(.*)-seed\d") == ["a", "b"]
    ds = ds.assign_coords(hp=("run", [np.nan, 1.0]))
    assert group_labels(ds, "hp") == ["(missing)", "1"]


def test_bad_grouping_is_a_clear_error():
    ds = seeds()
    with pytest.raises(rlx.RLExploreError, match="run coordinates: \\['hp.algo', 'hp.lr'\\]"):
        group_labels(ds, "hp.nope")
    with pytest.raises(rlx.RLExploreError, match="invalid regular expression"):
        group_labels(ds, pattern="(")
    with pytest.raises(rlx.RLExploreError, match="not both"):
        group_labels(ds, "hp.algo", pattern="x")
    with pytest.raises(rlx.RLExploreError, match="expected one of"):
        aggregate(ds, "hp.algo", band="iqr")


@pytest.mark.parametrize(
    "band, lower, upper",
    [
        ("std", 2.0 - 1.0, 2.0 + 1.0),  # values 1, 2, 3 at step 1: sample std 1
        ("sem", 2.0 - 1 / np.sqrt(3), 2.0 + 1 / np.sqrt(3)),
        ("minmax", 1.0, 3.0),
        ("quantile", 1.5, 2.5),
        ("none", 2.0, 2.0),
    ],
)
def test_center_and_bands_against_numpy(band, lower, upper):
    g = aggregate(seeds(), "hp.algo", band=band).sel(group="grpo", metric="reward", step=1)
    assert float(g["center"]) == pytest.approx(2.0)
    assert float(g["lower"]) == pytest.approx(lower)
    assert float(g["upper"]) == pytest.approx(upper)
    assert int(g["count"]) == 3


def test_median_and_custom_quantiles():
    ds = seeds()
    ds["value"][2, 0, :] += 100  # one outlier seed
    g = aggregate(ds, "hp.algo", center="median", band="quantile", quantiles=(0.0, 1.0))
    cell = g.sel(group="grpo", metric="reward", step=0)
    assert float(cell["center"]) == 1.0
    assert (float(cell["lower"]), float(cell["upper"])) == (0.0, 102.0)
    assert g["n_runs"].values.tolist() == [3, 3]


def grid_runs():
    """'every10' logs 0, 10, .., 40; 'every5' logs 0, 5, .., 60 (longer)."""
    run = ["every10"] * 5 + ["every5"] * 13
    step = list(range(0, 50, 10)) + list(range(0, 65, 5))
    value = [1.0] * 5 + [3.0] * 13
    return from_columns(run, ["m"] * len(run), step, value)


def test_intersect_keeps_only_steps_every_covering_run_logged():
    g = aggregate(grid_runs(), labels=["g", "g"]).sel(group="g", metric="m")
    kept = g["step"].values[np.isfinite(g["center"].values)].tolist()
    # multiples of 10 while both run; past step 40 'every5' goes on alone
    assert kept == [0, 10, 20, 30, 40, 45, 50, 55, 60]
    assert g["center"].sel(step=10).item() == 2.0
    assert g["count"].sel(step=50).item() == 1
    assert np.isnan(g["lower"].sel(step=50).item())  # one run: no std band, not a zero one


def test_any_keeps_every_logged_step_and_min_runs_drops_thin_ones():
    ds = grid_runs()
    g = aggregate(ds, labels=["g", "g"], align="any").sel(group="g", metric="m")
    assert np.isfinite(g["center"].values).sum() == 13
    assert g["center"].sel(step=5).item() == 3.0  # only 'every5' logged there
    g = aggregate(ds, labels=["g", "g"], align="any", min_runs=2).sel(group="g", metric="m")
    assert g["step"].values[np.isfinite(g["center"].values)].tolist() == [0, 10, 20, 30, 40]


def test_no_step_is_invented_and_nan_is_skipped():
    ds = grid_runs()
    ds["value"][1, 0, ds.indexes["step"].get_loc(20)] = np.nan
    g = aggregate(ds, labels=["g", "g"], align="any").sel(group="g", metric="m")
    logged_somewhere = np.isfinite(ds["value"].values).any(axis=0)[0]
    assert (np.isfinite(g["center"].values) <= logged_somewhere).all()
    assert g["center"].sel(step=20).item() == 1.0


def test_aggregate_on_smoothed_data_matches_numpy_mean():
    ds = rlx.demo("methods").isel(step=slice(0, 200))
    smooth = ds.rlx.smooth(0.9)
    g = aggregate(smooth, labels=["all"] * 3, band="std")
    expect = smooth["value"].mean("run")
    np.testing.assert_allclose(g["center"].sel(group="all").values, expect.values)
    np.testing.assert_allclose(
        (g["upper"] - g["center"]).sel(group="all").values,
        smooth["value"].std("run", ddof=1).values,
    )


@pytest.mark.realdata
def test_real_seeds_grouped_by_name(real_data):
    import warnings

    from rlexplore.io import load

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rlx.RLExploreWarning)
        ds = load(real_data / "nips-grpo-dynamics")
    found = groups(ds, pattern=r"_seed\d+$")
    assert (
        len(found["gates_1_2/logs/gate1_adq"]) == 4
        and len(found["gates_1_2/logs/gate2_rho3.00"]) == 3
    )
    stats = aggregate(ds, pattern=r"_seed\d+$", band="minmax")
    members = list(found["gates_1_2/logs/gate1_adq"])
    values = ds["value"].sel(run=members).values
    everyone = np.isfinite(values).all(axis=0)
    center = stats["center"].sel(group="gates_1_2/logs/gate1_adq").values
    np.testing.assert_allclose(center[everyone], values.mean(axis=0)[everyone])
    upper = stats["upper"].sel(group="gates_1_2/logs/gate1_adq").values
    np.testing.assert_allclose(upper[everyone], values.max(axis=0)[everyone])
    assert (stats["count"].values <= stats["n_runs"].values[:, None, None]).all()


def test_nanquantile_equals_numpy_on_random_gaps():
    import warnings

    from rlexplore.transforms.groups import nanquantile

    rng = np.random.default_rng(7)
    for _ in range(100):
        x = rng.normal(size=(int(rng.integers(1, 8)), 4, 9))
        x[rng.random(x.shape) < 0.4] = np.nan
        qs = (0.0, 0.1, 0.25, 0.5, 0.9, 1.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # numpy warns on all-NaN columns
            expect = np.nanquantile(x, qs, axis=0)
        np.testing.assert_allclose(nanquantile(x, qs), expect, equal_nan=True)
