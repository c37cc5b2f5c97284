"""Finding sample files under a log tree: their format, run, split and reward weights."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RLExploreError
from ..io import run_name
from . import trl, verl, wandb_tables


@dataclass(frozen=True)
class SampleFile:
    """One file of samples: where it is, who wrote it, its run and its split.

    `weights` maps TRL's reward columns to their ``reward_weights`` when they are known
    (given, or recorded in the run's W&B config), else it is empty.
    """

    path: Path
    format: str
    run: str
    split: str  # "train" or "eval"
    weights: Mapping[str, float] = field(default_factory=dict)


def find(
    path: str | os.PathLike[str], reward_weights: Mapping[str, float] | None = None
) -> tuple[list[SampleFile], list[str]]:
    """The sample files under `path` (a file or a directory), in path order.

    Also returns the files passed over although named like sample files (a ``<step>.jsonl``
    that holds no sample among its first lines, a ``completions_*.parquet`` that is not
    Parquet), for the load report.
    """
    root = Path(path)
    if not root.exists():
        raise RLExploreError(f"no such file or directory: {str(root)!r}")
    candidates = [root] if root.is_file() else _walk(root)
    found: list[tuple[Path, str, Path, str]] = []  # path, format, run directory, split
    seen: set[tuple[Path, str]] = set()
    passed_over: list[str] = []
    for p in candidates:
        if trl.sniff(p):
            found.append((p, trl.NAME, trl.run_dir(p), "train"))
        elif verl.sniff(p):
            found.append((p, verl.NAME, verl.run_dir(p), verl.split_of(p)))
        elif wandb_tables.sniff(p):
            d, digest = wandb_tables.run_dir(p), wandb_tables.content_hash(p)
            if (d, digest) in seen:  # TRL logs its last samples again when training ends
                continue
            seen.add((d, digest))
            found.append((p, wandb_tables.NAME, d, "train"))
        elif trl.named_like(p) or verl.named_like(p):
            passed_over.append(str(p))
    names: dict[Path, str] = {}
    configs: dict[Path, dict[str, Any]] = {}
    wandb_runs = sorted({d for _, fmt, d, _ in found if fmt == wandb_tables.NAME})
    for d in {d for _, fmt, d, _ in found if fmt != wandb_tables.NAME}:
        names[d] = run_name(d, root)
    for d in wandb_runs:
        display, run_id, configs[d] = wandb_tables.run_info(d)
        name = display or run_id
        # as rlexplore.load does: a display name another run already has gets the run id
        names[d] = f"{name} ({run_id})" if name in names.values() else name
    weights: dict[Path, Mapping[str, float]] = {}
    for _, fmt, d, _ in found:
        if d in weights or fmt == verl.NAME:
            continue
        output_dir = d if fmt == trl.NAME else d.parent.parent
        weights[d] = _weights(output_dir, reward_weights, configs)
    files = [SampleFile(p, fmt, names[d], split, weights.get(d, {})) for p, fmt, d, split in found]
    return files, passed_over


def _weights(
    output_dir: Path,
    given: Mapping[str, float] | None,
    configs: dict[Path, dict[str, Any]],
) -> Mapping[str, float]:
    """TRL's reward weights of a run: given, else its W&B config's with the trainer state's names."""
    if given is not None:
        return dict(given)
    names = trl.reward_names(output_dir)
    if not names:
        return {}
    for d in sorted((output_dir / "wandb").glob("offline-run-*")):
        if d not in configs:
            configs[d] = wandb_tables.run_info(d)[2]
        if d.parent.parent == output_dir:
            w = trl.config_weights(configs[d])
            if w is not None and len(w) == len(names):
                return dict(zip(names, w))
    return {}


def _walk(root: Path) -> list[Path]:
    out: list[Path] = []
    for d, dirs, names in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not x.startswith(".") and x != "__pycache__")
        out.extend(Path(d) / n for n in sorted(names))
    return out
