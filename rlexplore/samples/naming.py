"""Run names for samples: the same names :func:`rlexplore.load` gives the curves of a tree.

Issue 14 adds ``rlexplore.io.run_name(path, root)``; until it is on main this module asks the
loader context of :mod:`rlexplore.io.base` for the name (its public ``Context.run_name``).
Switching is one line: ``run_name = rlexplore.io.run_name``.
"""

from __future__ import annotations

from pathlib import Path

from ..io.base import Context

_CONTEXT = Context()


def run_name(run_dir: Path, root: Path) -> str:
    """The name ``rlexplore.load(root)`` gives the run stored in `run_dir`.

    TensorBoard's convention: `run_dir` relative to `root`, ``/``-separated; the root
    itself is named after its own directory name.
    """
    return _CONTEXT.run_name(Path(run_dir), Path(root))
