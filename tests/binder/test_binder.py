"""Binder: a fresh virtualenv built from ``binder/`` alone, as repo2docker does, runs every notebook.

repo2docker copies the repository, installs ``binder/requirements.txt``, then runs
``binder/postBuild`` from the repository root. This test does the same in a temporary folder
(pip's download cache is reused, so only the first run pays for downloads), then executes
every notebook in ``notebooks/`` with that environment's own kernel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(".git", ".venv", "test-artifacts", "__pycache__", "*.egg-info", "build", "dist",
                              ".hypothesis", ".pytest_cache", ".cache", ".ipynb_checkpoints")  # fmt: skip

RUN_NOTEBOOKS = """
import sys, nbformat
from nbclient import NotebookClient
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": "."}}).execute()
    print("executed", path, flush=True)
"""

pytestmark = [pytest.mark.slow, pytest.mark.notebooks, pytest.mark.timeout(900)]


def sh(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert proc.returncode == 0, (
        f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    )
    return proc


def test_binder_environment_runs_every_notebook(tmp_path):
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks to run"
    repo, venv = tmp_path / "repo", tmp_path / "venv"
    shutil.copytree(ROOT, repo, ignore=SKIP)
    base = getattr(sys, "_base_executable", sys.executable)
    sh([base, "-m", "venv", str(venv)])
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV", "JUPYTER_PATH")
    }
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}",
        VIRTUAL_ENV=str(venv),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    for name in (
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "JUPYTER_RUNTIME_DIR",
        "IPYTHONDIR",
        "MPLCONFIGDIR",
    ):
        env[name] = str(tmp_path / name.lower())
    timings = {}
    start = time.monotonic()
    sh(
        ["python", "-m", "pip", "install", "--quiet", "-r", "binder/requirements.txt"],
        cwd=repo,
        env=env,
    )
    timings["requirements"] = time.monotonic() - start
    sh(["bash", "binder/postBuild"], cwd=repo, env=env)
    timings["postBuild"] = time.monotonic() - start - timings["requirements"]

    # rlexplore comes from the new environment, as an installed (not editable) package with its app
    where = sh(
        ["python", "-c", "import rlexplore.app as a; print(a.template('explorer.ipynb'))"],
        cwd=tmp_path,
        env=env,
    )
    assert str(venv) in where.stdout
    sh(["rlexplore", "--help"], env=env)

    work = (
        repo / "notebooks"
    )  # as on Binder: notebooks run inside the repository (09 reads tests/samples/data)
    begin = time.monotonic()
    out = sh(["python", "-c", RUN_NOTEBOOKS, *[n.name for n in notebooks]], cwd=work, env=env)
    timings["notebooks"] = time.monotonic() - begin
    assert out.stdout.count("executed") == len(notebooks)
    print("binder timings (s):", {k: round(v, 1) for k, v in timings.items()})
