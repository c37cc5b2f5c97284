"""The ``rlexplore`` command: the explorer as a local web app, and logs described or converted.

  rlexplore demo [NAME]            the explorer on built-in demo data, as a Voila app
  rlexplore demo --lab             the quickstart notebook in JupyterLab
  rlexplore view LOGDIR ...        the explorer on your logs (like tensorboard --logdir)
  rlexplore info LOGDIR ...        runs, metrics, step ranges and the load report
  rlexplore convert LOGDIR ... -o runs.nc|runs.zarr

Arguments after ``--`` go to the Voila or JupyterLab server unchanged.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from .demo import NAMES
from .errors import RLExploreError

VOILA_PORT = 8866
LAB_PORT = 8888
QUICKSTART_COPY = "rlexplore-quickstart.ipynb"
OUTPUT_SUFFIXES = (".nc", ".zarr")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``rlexplore`` command line and return its exit code.

    Errors in the input (a missing path, a port in use, an unknown format) print one line
    ``rlexplore: error: ...`` and return 2.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    own, server_args = _split_server_args(argv)
    parser = build_parser()
    args = parser.parse_args(own)
    args.server_args = server_args
    try:
        return args.handler(args)
    except RLExploreError as err:
        print(f"rlexplore: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # e.g. an output folder that cannot be written
        where = f": {err.filename}" if err.filename else ""
        print(f"rlexplore: error: {err.strerror or err}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rlexplore: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``rlexplore`` command."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="rlexplore", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"rlexplore {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="serve the explorer on built-in demo data")
    p.add_argument(
        "name", nargs="?", default="methods", choices=NAMES, help="which demo (default: methods)"
    )
    p.add_argument(
        "--lab", action="store_true", help="open the quickstart notebook in JupyterLab instead"
    )
    p.add_argument("--notebook-dir", type=Path, default=Path("."),
                   help=f"with --lab: where {QUICKSTART_COPY} is written (default: here)")  # fmt: skip
    _server_options(p)
    p.set_defaults(handler=_demo)

    p = sub.add_parser("view", help="serve the explorer on your logs")
    _paths(p)
    p.add_argument(
        "--follow", action="store_true", help="watch a training job's logs: show what it appends"
    )
    p.add_argument(
        "--interval",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="with --follow: seconds between reads (default 5)",
    )
    _server_options(p)
    p.set_defaults(handler=_view)

    p = sub.add_parser("info", help="print the runs, metrics, step ranges and load report")
    _paths(p)
    p.set_defaults(handler=_info)

    p = sub.add_parser("convert", help="save logs as one netCDF (.nc) or Zarr (.zarr) dataset")
    _paths(p)
    p.add_argument("-o", "--output", type=Path, required=True, help="runs.nc or runs.zarr")
    p.add_argument("--force", action="store_true", help="replace the output if it exists")
    p.set_defaults(handler=_convert)
    return parser


def _server_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--theme", choices=("auto", "light", "dark"), default="auto",
                   help="the explorer's theme at first (auto: as the page; switchable in the app's bar)")  # fmt: skip
    p.add_argument("--port", type=int, default=None,
                   help=f"port to serve on (default: {VOILA_PORT}, or {LAB_PORT} with --lab; 0 picks a free one)")  # fmt: skip
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only)",
    )


def _paths(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="LOGDIR", help="log files, directories or globs")


def _split_server_args(argv: list[str]) -> tuple[list[str], list[str]]:
    """Split ``argv`` at the first ``--``: our arguments, then the server's."""
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1 :]
    return argv, []


# ---- commands -------------------------------------------------------------------------


def _demo(args: argparse.Namespace) -> int:
    from . import app

    if args.lab:
        return _lab(args)
    return _voila(
        args, app.source_env(demo=args.name, theme=args.theme), what=f"the {args.name!r} demo"
    )


def _view(args: argparse.Namespace) -> int:
    from . import app

    paths = _existing(args.paths)
    if args.follow and (len(paths) != 1 or not args.interval > 0):
        raise RLExploreError(
            "--follow watches one log directory or file, every --interval SECONDS > 0"
        )
    follow = args.interval if args.follow else None
    source = app.source_env(paths=paths, follow=follow, theme=args.theme)
    return _voila(args, source, what=", ".join(paths))


def _info(args: argparse.Namespace) -> int:
    from .app.info import describe, report_text

    ds = _load(args.paths)
    print(describe(ds))
    report = report_text(ds)
    if report:
        print(f"\n{report}")
    return 0


def _convert(args: argparse.Namespace) -> int:
    out: Path = args.output
    suffix = out.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise RLExploreError(
            f"the output must end in .nc (netCDF) or .zarr (Zarr), not {out.name!r}"
        )
    if out.exists() and not args.force:
        raise RLExploreError(f"{out} exists; pass --force to replace it")
    if not out.parent.is_dir():
        raise RLExploreError(f"the output folder {out.parent} does not exist")
    ds = _load(args.paths)
    _save(ds, out, suffix)
    print(
        f"rlexplore: wrote {ds.sizes['run']} runs × {ds.sizes['metric']} metrics × {ds.sizes['step']} steps to {out}"
    )
    return 0


# ---- helpers --------------------------------------------------------------------------


def _existing(paths: Sequence[str]) -> list[str]:
    """`paths` unchanged, after checking each exists (a glob must match something)."""
    import glob

    for path in paths:
        if not (Path(path).exists() or glob.glob(path, recursive=True)):
            raise RLExploreError(f"no such file or directory: {path}")
    return list(paths)


def _load(paths: Sequence[str]):
    import rlexplore

    paths = _existing(paths)
    return rlexplore.load(paths if len(paths) > 1 else paths[0])


def _save(ds, out: Path, suffix: str) -> None:
    """Write `ds` to a temporary file next to `out`, then rename it: never a partial `out`."""
    import os
    import shutil

    from .errors import missing_extra

    module, extra = ("h5netcdf", "netcdf") if suffix == ".nc" else ("zarr", "zarr")
    try:
        __import__(module)
    except ImportError:
        raise missing_extra(module, extra) from None
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    _remove(tmp)
    try:
        _write(ds, tmp, suffix)
    except BaseException as err:
        _remove(tmp)
        if isinstance(err, Exception):
            raise RLExploreError(
                f"could not write {out}: {type(err).__name__}: {err} (nothing was written)"
            ) from None
        raise
    if out.is_dir() and not out.is_symlink():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)


def _write(ds, path: Path, suffix: str) -> None:
    if suffix == ".nc":
        ds.to_netcdf(path, engine="h5netcdf")
        return
    import warnings

    with warnings.catch_warnings():  # Zarr 3: "consolidated metadata is not in the spec yet"
        warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
        ds.to_zarr(path, mode="w")


def _remove(path: Path) -> None:
    import shutil

    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _voila(args: argparse.Namespace, source: dict[str, str], what: str) -> int:
    import os

    from . import app
    from .app import server

    port = server.pick_port(args.host, VOILA_PORT if args.port is None else args.port)
    cmd = server.voila_command(
        app.template(app.EXPLORER_NOTEBOOK),
        args.host,
        port,
        [*app.voila_template_args(args.theme), *args.server_args],
    )
    env = {**app.voila_template_env(dict(os.environ)), **source}
    return server.serve(cmd, args.host, port, server.url_for(args.host, port), env=env, what=what)


def quickstart_copy(directory: Path) -> Path:
    """Copy the quickstart notebook into `directory` unless a copy is there (it may hold edits)."""
    from . import app

    root = Path(directory).resolve()
    if not root.is_dir():
        raise RLExploreError(f"no such directory: {directory}")
    notebook = root / QUICKSTART_COPY
    if not notebook.exists():
        shutil.copyfile(app.template(app.QUICKSTART_NOTEBOOK), notebook)
    return notebook


def _lab(args: argparse.Namespace) -> int:
    from .app import server

    root = quickstart_copy(args.notebook_dir).parent
    port = server.pick_port(args.host, LAB_PORT if args.port is None else args.port)
    token = server.new_token()
    cmd = server.lab_command(root, args.host, port, token, args.server_args)
    url = server.url_for(args.host, port, f"/lab/tree/{QUICKSTART_COPY}?token={token}")
    return server.serve(cmd, args.host, port, url, what=f"JupyterLab on {root}")


if __name__ == "__main__":
    sys.exit(main())
