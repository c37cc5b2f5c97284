"""The explorer's x axis switch, groups as bands, new data (live follow) and export."""

import io
import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import rlexplore as rlx
from rlexplore.io import load


def seeds():
    ds = rlx.demo("methods").isel(step=slice(0, 400))
    parts = [ds.assign_coords(run=[f"{r}-seed{i}" for r in ds.run.values]) for i in range(3)]
    out = xr.concat(parts, "run")
    out["value"] = out["value"] + np.repeat(np.arange(3.0), 3)[:, None, None] * 0.01
    return out


def brush(ex, lo, hi):
    """Brush a panel the way the browser does."""
    b = ex.panels[0].brush
    b.brushing = True
    b.selected = np.array([lo, hi])
    b.brushing = False


def test_x_axis_switch_moves_lines_brush_and_summary(methods):
    methods.state.step_range = (100, 200)
    methods.extras.x_axis.set_state({"index": 2})  # the dropdown, as the browser sets it
    assert methods.state.x_axis == "relative_time" and methods.state.step_range is None
    assert methods.overview.scale.min == 0.0 and methods.overview.scale.max > 100_000
    assert max(x.max() for x in methods.overview.rows.x) > 100_000
    panel = methods.panel("actor/kl_loss")
    assert panel.x_axis.label == "time since start (s)"
    drawn = panel.drawn()
    assert drawn["step"].min() == 0.0 and drawn["step"].max() > 100_000  # seconds, not steps
    brush(methods, 0.0, 3600.0)  # the first hour
    assert methods.state.step_range == (0.0, 3600.0)
    assert (methods.panel("actor/kl_loss").drawn()["step"] <= 3600.0).all()
    summary = methods.summary()
    wall = methods.data.wall_time.sel(run="GRPO")
    in_hour = (wall - wall.min()) <= 3600.0
    expect = methods.data.value.sel(run="GRPO", metric="actor/kl_loss").where(in_hour).max()
    assert summary.loc[("GRPO", "actor/kl_loss"), "max"] == float(expect)


def test_a_non_monotone_metric_is_refused_and_the_axis_stays(methods):
    methods.state.x_axis = "actor/kl_loss"
    assert methods.state.x_axis == "step"
    assert "cannot be the x axis" in methods.controls.filter_error.value


def test_groups_as_bands_with_a_legend_and_summary_per_group():
    ex = rlx.Explorer(seeds(), group_pattern=r"-seed\d", group_band="minmax")
    assert ex.state.runs == ("GRPO", "REC-OneSide-NoIS (0.2)", "RED-Weight")
    assert [e.description for e in ex.controls.legend_entries.values()][0].endswith("GRPO")
    panel = ex.panel("actor/entropy")
    bands = [m for m in panel.figure.marks if m.fill == "between"]
    assert len(bands) == 3 and [panel.kind_of(b) for b in bands] == [("actor/entropy", "band")] * 3
    first = panel.frame.sides[0].bands[0]
    np.testing.assert_allclose(first.upper - first.lower, 0.02, atol=1e-9)  # seed offsets 0..0.02
    summary = ex.summary()
    assert summary.index.get_level_values("run").unique().tolist() == list(ex.state.runs)
    ex.state.toggle_run("GRPO")
    assert len([m for m in panel.figure.marks if m.fill == "between"]) == 2
    ex.state.group_pattern = ""  # back to single runs
    assert len(ex.state.runs) == 9 and not [
        m for m in ex.panel("actor/entropy").figure.marks if m.fill == "between"
    ]
    ex.state.group_by = "hp.algorithm"
    assert len(ex.state.runs) == 3
    ex.close()


def test_new_data_keeps_choices_and_adds_runs_and_metrics(methods_ds):
    first = methods_ds.isel(step=slice(0, 1000), run=[0, 1])
    ex = rlx.Explorer(first, smoothing=0.9)
    ex.state.visible_runs = ("GRPO",)
    brush(ex, 200, 800)
    ex.set_data(methods_ds)
    assert ex.state.runs == tuple(methods_ds.run.values)
    assert ex.state.visible_runs == (
        "GRPO",
        "RED-Weight",
    )  # the new run shows, the hidden one stays hidden
    assert ex.state.step_range == (200.0, 800.0) and ex.state.smoothing == 0.9
    assert ex.panel("actor/kl_loss").drawn()["step"].max() <= 800
    ex.state.step_range = None
    assert ex.panel("actor/kl_loss").drawn()["step"].max() == 4000
    ex.close()


def test_follow_a_log_directory(tmp_path):
    path = tmp_path / "run.jsonl"
    path.write_text("".join(json.dumps({"step": s, "loss": 1 / (s + 1)}) + "\n" for s in range(5)))
    ex = rlx.Explorer.follow(tmp_path, interval=3600)
    assert ex.state.following and ex.watch.running
    with open(path, "a") as out:
        out.write(
            "".join(
                json.dumps({"step": s, "loss": 1 / (s + 1), "acc": s / 10}) + "\n"
                for s in range(5, 9)
            )
        )
    assert ex.watch.step()  # one poll, as the timer would do it
    assert ex.state.available_metrics == ("loss", "acc") and ex.panels[-1].metrics == ("acc",)
    xr.testing.assert_identical(ex.data, load(tmp_path))
    ex.state.following = True
    assert ex.watch.running
    ex.close()  # closing stops following
    assert not ex.watch.running and not ex.state.following
    with pytest.raises(rlx.RLExploreError, match="no such file"):
        rlx.Explorer.follow(tmp_path / "nope")


def test_export_of_the_view(methods):
    methods.state.visible_runs = ("GRPO",)
    methods.state.metrics = ("actor/kl_loss",)
    methods.state.step_range = (10, 19)
    frame = pd.read_csv(io.BytesIO(methods.export("CSV")))
    assert frame["run"].unique().tolist() == ["GRPO"] and frame["step"].tolist() == list(
        range(10, 20)
    )
    assert "smoothed" in frame.columns
    pytest.importorskip("h5netcdf")
    back = xr.open_dataset(io.BytesIO(methods.export("netCDF")), engine="h5netcdf")
    assert back.sizes["step"] == 10
    methods.extras.buttons["SVG"].click()
    assert 'download="rlexplore-view.svg"' in methods.extras.link.value


def test_to_matplotlib_of_grouped_view_on_time():
    pytest.importorskip("matplotlib")
    ex = rlx.Explorer(
        seeds(), ["actor/entropy"], group_by="hp.algorithm", x="relative_time", smoothing=0.8
    )
    fig = ex.to_matplotlib()
    ax = fig.axes[0]
    assert ax.get_title() == "actor/entropy" and ax.get_xlabel() == "time since start (s)"
    assert [t.get_text() for t in ax.get_legend().get_texts()][0] == "GRPO (n=3)"
    assert len(ax.collections) == 3
    ex.close()


def test_app_follows_when_the_command_says_so(tmp_path, capsys):
    from rlexplore.app import app_explorer, source_env
    from rlexplore.cli import main

    path = tmp_path / "run.jsonl"
    path.write_text("".join(json.dumps({"step": s, "loss": 1 / (s + 1)}) + "\n" for s in range(5)))
    source = json.loads(source_env(paths=[str(tmp_path)], follow=0.5)["RLX_APP_SOURCE"])
    ex = app_explorer(source)
    assert ex.state.following and ex.watch.interval == 0.5
    ex.state.following = False
    ex.close()
    assert main(["view", str(tmp_path), str(path), "--follow"]) == 2
    assert "--follow watches one log directory" in capsys.readouterr().err


def test_run_table_drives_the_explorer():
    ds = seeds()
    ex = rlx.Explorer(ds, ["actor/entropy"])
    table = ex.run_table(columns=["hp.algorithm"])
    table.filter = "GRPO"
    table.show_only_rows()
    assert ex.state.visible_runs == ("GRPO-seed0", "GRPO-seed1", "GRPO-seed2")
    ex.state.toggle_run("GRPO-seed1")
    assert table.visible_runs == ("GRPO-seed0", "GRPO-seed2")
    table.color_by = "hp.algorithm"  # every seed of a method in one colour
    mark = ex.panel("actor/entropy").lines[("smoothed", 0)]
    marks = dict(zip(mark.labels, mark.colors))
    assert marks["GRPO-seed0"] == marks["GRPO-seed2"] == table.colors["GRPO-seed0"]
    table.group_by = "hp.algorithm"
    assert ex.state.group_by == "hp.algorithm" and len(ex.state.runs) == 3
    ex.close()


def test_hover_readout_names_the_x_axis(methods):
    methods.state.x_axis = "relative_time"
    methods.state.hover_step = 3600.0
    assert methods.panels[0].readout.value.startswith("<b>time since start (s) 3600</b>")


def test_summary_caption_names_the_x_axis(methods):
    methods.state.x_axis = "relative_time"
    methods.state.step_range = (0, 3600)
    assert "Raw values over time since start (s) 0 to 3600" in methods.summary_widget.value


WRITER = r"""
import json, sys, time
from pathlib import Path
from tensorboardX import SummaryWriter
logdir = Path(sys.argv[1])
tb = SummaryWriter(str(logdir / "tb"), flush_secs=3600)
with open(logdir / "run.jsonl", "w") as jsonl:
    for step in range(40):
        tb.add_scalar("loss", 1.0 / (step + 1), step)
        tb.flush()
        line = json.dumps({"step": step, "reward": step / 40})
        jsonl.write(line[:9]); jsonl.flush(); time.sleep(0.01)
        jsonl.write(line[9:] + "\n"); jsonl.flush(); time.sleep(0.01)
tb.close()
"""


def test_explorer_follows_a_real_writer_process_to_a_fresh_load(tmp_path):
    import subprocess
    import sys
    import time

    pytest.importorskip("tensorboardX")
    (tmp_path / "run.jsonl").write_text(json.dumps({"step": 0, "reward": 0.0}) + "\n")
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)])
    ex = rlx.Explorer.follow(tmp_path, interval=3600, smoothing=0.0)
    try:
        while proc.poll() is None:
            ex.watch.step()  # what the timer does, here as fast as we like
            time.sleep(0.05)
    finally:
        proc.wait(timeout=30)
    ex.watch.step()
    fresh = load(tmp_path)
    xr.testing.assert_identical(ex.data, fresh)
    shown = pd.read_csv(io.BytesIO(ex.export("CSV")))  # every point the explorer holds in view
    expected = rlx.to_dataframe(fresh)
    assert len(shown) == len(expected) == 80
    assert sorted(zip(shown.run, shown.metric, shown.step)) == sorted(
        zip(expected.run, expected.metric, expected.step)
    )
    ex.close()
