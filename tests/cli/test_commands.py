"""``rlexplore info``, ``convert`` and ``view`` on logs written by the real writers."""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.request

import numpy as np
import pytest
import xarray as xr
from rlx_serving import jupyter_env, start_cli, stop

import rlexplore as rlx
from rlexplore.cli import main


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    """Two TensorBoard runs (tensorboardX) and a verl-style JSONL run, in one log directory."""
    tbx = pytest.importorskip("tensorboardX")
    root = tmp_path_factory.mktemp("logs")
    for name, kl in (("grpo", 0.01), ("ppo", 0.02)):
        with tbx.SummaryWriter(str(root / name)) as w:
            for step in range(0, 100, 10):
                w.add_scalar("actor/kl_loss", kl * step, step, walltime=1.7e9 + step)
                if step % 20 == 0:
                    w.add_scalar("eval/acc", step / 100, step, walltime=1.7e9 + step)
    (root / "verl.jsonl").write_text("".join(f'{{"step": {s}, "data": {{"actor/kl_loss": {s / 1000}}}}}\n'
                                             for s in range(1, 6)))  # fmt: skip
    return root


def test_info_prints_runs_metrics_steps_and_the_load_report(logdir, capsys):
    assert main(["info", str(logdir)]) == 0
    out = capsys.readouterr().out
    head, runs, metrics, *report = out.split("\n\n")
    assert head == "3 runs, 2 metrics, steps 0–90"
    rows = {line.split()[0]: line.split()[1:] for line in runs.splitlines()[2:]}
    assert rows == {"grpo": ["2", "15", "0–90", "tensorboard"], "ppo": ["2", "15", "0–90", "tensorboard"],
                    "verl": ["1", "5", "1–5", "jsonl"]}  # fmt: skip
    assert "eval/acc" in metrics and "actor/kl_loss" in metrics
    assert "verl.jsonl" in "\n".join(report)  # the load report names every file it read


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_convert_writes_what_load_reads(logdir, tmp_path, suffix, capsys):
    out = tmp_path / f"runs{suffix}"
    assert main(["convert", str(logdir), "-o", str(out)]) == 0
    assert "3 runs × 2 metrics" in capsys.readouterr().out
    back = xr.open_dataset(out, engine="h5netcdf") if suffix == ".nc" else rlx.open_zarr(out)
    expected = rlx.load(logdir)
    np.testing.assert_array_equal(back["value"].values, expected["value"].values)
    assert back["run"].values.tolist() == expected["run"].values.tolist()
    assert rlx.get_report(back) == rlx.get_report(expected)
    back.close()
    assert main(["convert", str(logdir), "-o", str(out), "--force"]) == 0  # replaces it


def test_python_m_rlexplore_is_the_same_command(logdir):
    out = subprocess.run([sys.executable, "-m", "rlexplore", "info", str(logdir / "grpo")],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("1 run, 2 metrics")


@pytest.mark.skipif(
    not __import__("importlib").util.find_spec("voila"), reason="voila is not installed"
)
def test_view_serves_the_explorer_on_the_logs(logdir, tmp_path):
    served = start_cli(
        ["view", str(logdir), "--port", "0"], tmp_path / "cli.log", jupyter_env(tmp_path)
    )
    try:
        with urllib.request.urlopen(served.url, timeout=120) as resp:  # runs the app notebook
            page = resp.read().decode(errors="replace")
        assert "application/vnd.jupyter.widget-view+json" in page
        assert "Traceback" not in page
    finally:
        survivors = stop(served, signal.SIGINT)
    assert served.proc.returncode == 0 and survivors == []


@pytest.mark.realdata
def test_info_on_the_real_public_logs(real_data, capsys):
    assert main(["info", str(real_data)]) == 0
    out = capsys.readouterr().out
    head, runs = out.split("\n\n")[:2]
    n_runs = int(head.split()[0])
    assert n_runs > 10 and len(runs.splitlines()) == n_runs + 2
    assert {"tensorboard", "trainer_state", "mlflow"} <= {
        line.split()[-1] for line in runs.splitlines()[2:]
    }
