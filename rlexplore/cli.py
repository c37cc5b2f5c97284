"""The ``rlexplore`` command."""

from __future__ import annotations

import argparse
import sys

from .demo import NAMES, demo


def main(argv: list[str] | None = None) -> int:
    """Run the ``rlexplore`` command line; returns the exit code."""
    parser = argparse.ArgumentParser(prog="rlexplore", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="show the built-in demo data")
    p_demo.add_argument("name", nargs="?", default="methods", choices=NAMES)
    args = parser.parse_args(argv)
    if args.command == "demo":
        print(demo(args.name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
