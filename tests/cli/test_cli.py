"""The ``rlexplore`` command's arguments and errors (no server started here)."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

import rlexplore
from rlexplore.cli import QUICKSTART_COPY, main, quickstart_copy


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rlexplore", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def test_help_lists_every_command():
    out = run("--help")
    assert out.returncode == 0
    for command in ("demo", "view", "info", "convert"):
        assert command in out.stdout


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert rlexplore.__version__ in capsys.readouterr().out


def test_port_in_use_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = run("demo", "--port", str(port))
    assert out.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("command", [["view"], ["info"], ["convert", "-o", "out.nc"]])
def test_missing_path_is_a_clear_error(tmp_path, command):
    out = run(*command[:1], str(tmp_path / "nope"), *command[1:], cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.strip() == f"rlexplore: error: no such file or directory: {tmp_path / 'nope'}"


def test_host_that_cannot_be_bound_is_a_clear_error(capsys):
    assert main(["demo", "--host", "192.0.2.1", "--port", "0"]) == 2  # TEST-NET-1: never local
    assert "cannot listen on 192.0.2.1" in capsys.readouterr().err


def test_convert_refuses_unknown_suffix_and_existing_output(tmp_path, capsys):
    assert main(["convert", str(tmp_path), "-o", str(tmp_path / "runs.csv")]) == 2
    assert "must end in .nc (netCDF) or .zarr" in capsys.readouterr().err
    (tmp_path / "runs.nc").write_text("keep me")
    assert main(["convert", str(tmp_path), "-o", str(tmp_path / "runs.nc")]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert (tmp_path / "runs.nc").read_text() == "keep me"


def test_unknown_demo_is_rejected_by_the_parser():
    out = run("demo", "nope")
    assert out.returncode == 2
    assert "invalid choice" in out.stderr


def test_quickstart_copy_never_overwrites_the_users_copy(tmp_path):
    fresh = quickstart_copy(tmp_path)
    assert fresh == tmp_path / QUICKSTART_COPY and "rlx.Explorer" in fresh.read_text()
    fresh.write_text("{}")
    assert quickstart_copy(tmp_path).read_text() == "{}"


def test_lab_needs_an_existing_notebook_dir(tmp_path, capsys):
    assert main(["demo", "--lab", "--notebook-dir", str(tmp_path / "nope")]) == 2
    assert "no such directory" in capsys.readouterr().err


def test_an_unwritable_output_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "log.jsonl").write_text('{"step": 1, "x": 1}\n')
    out = tmp_path / "missing-folder" / "runs.nc"
    assert main(["convert", str(tmp_path / "log.jsonl"), "-o", str(out)]) == 2
    assert (
        capsys.readouterr().err
        == f"rlexplore: error: the output folder {out.parent} does not exist\n"
    )


def test_voila_stops_the_kernels_of_closed_tabs_and_extra_args_come_last(tmp_path):
    from rlexplore.app.server import voila_command

    cmd = voila_command(
        tmp_path / "app.ipynb", "127.0.0.1", 8866, ["--MappingKernelManager.cull_idle_timeout=5"]
    )
    assert (
        "--MappingKernelManager.cull_idle_timeout=600" in cmd
        and "--VoilaConfiguration.show_tracebacks=True" in cmd
    )
    assert (
        cmd[-1] == "--MappingKernelManager.cull_idle_timeout=5"
    )  # the user's value wins (traitlets: last one)
    assert "--VoilaConfiguration.show_tracebacks=False" in voila_command(
        tmp_path / "a.ipynb", "0.0.0.0", 1
    )
