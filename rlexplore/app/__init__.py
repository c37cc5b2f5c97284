"""The application layer: what ``rlexplore demo`` and ``rlexplore view`` serve.

The CLI passes what to show to the Voila kernel through one environment variable,
``RLX_APP_SOURCE`` (JSON: ``{"demo": "methods"}`` or ``{"paths": [...]}``); the packaged
notebook ``explorer.ipynb`` calls :func:`app_explorer`, which reads it.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import RLExploreError

SOURCE_ENV = "RLX_APP_SOURCE"
EXPLORER_NOTEBOOK = "explorer.ipynb"
QUICKSTART_NOTEBOOK = "quickstart.ipynb"


def template(name: str) -> Path:
    """The path of a notebook shipped in ``rlexplore/app``."""
    path = Path(str(resources.files(__name__).joinpath(name)))
    if not path.is_file():
        raise RLExploreError(
            f"the packaged notebook {name!r} is missing from {path.parent}; reinstall rlexplore"
        )
    return path


def source_env(
    *, demo: str | None = None, paths: list[str] | None = None, follow: float | None = None
) -> dict[str, str]:
    """The environment entry telling :func:`app_dataset` what to load (and, with `follow`, to watch)."""
    source: dict[str, Any] = (
        {"demo": demo} if demo else {"paths": [str(Path(p).resolve()) for p in paths or []]}
    )
    if follow is not None:
        source["follow"] = float(follow)
    return {SOURCE_ENV: json.dumps(source)}


# Each demo opens as the reference chart it imitates (see rlexplore.demo).
DEMO_VIEWS: dict[str, dict[str, Any]] = {
    "methods": {
        "title": "sync_interval = 20",
        "labels": {"critic/score/mean": "Training Reward", "actor/kl_loss": "KL Divergence", "actor/entropy": "Entropy",
                   "response_length/mean": "Response Length", "step": "Training Steps"},
    },
    "dashboard": {"title": "", "columns": 3},
    "length": {
        "title": "",
        "metrics": [("response_length/mean", "eval/reproduced_rate")],
        "labels": {"response_length/mean": "Token Length", "eval/reproduced_rate": "Reproduced Rate (%)",
                   "step": "RL Training Steps"},
        "columns": 1,
    },
}  # fmt: skip


def app_dataset(source: dict[str, Any] | None = None):
    """Return ``(dataset, title)`` for `source` (default: read from ``$RLX_APP_SOURCE``)."""
    source = (
        source
        if source is not None
        else json.loads(os.environ.get(SOURCE_ENV) or '{"demo": "methods"}')
    )
    import rlexplore as rlx

    if source.get("demo"):
        return rlx.demo(source["demo"]), f"rlexplore demo: {source['demo']}"
    paths = source.get("paths") or []
    if not paths:
        raise RLExploreError(f"${SOURCE_ENV} names neither a demo nor paths: {source!r}")
    return rlx.load(paths), ", ".join(Path(p).name for p in paths)


def app_explorer(source: dict[str, Any] | None = None, **options: Any):
    """Return the :class:`rlexplore.Explorer` the app shows (options go to the Explorer)."""
    import rlexplore as rlx

    source = (
        source
        if source is not None
        else json.loads(os.environ.get(SOURCE_ENV) or '{"demo": "methods"}')
    )
    if source.get("follow"):  # rlexplore view --follow: one log directory, polled
        path = (source.get("paths") or [""])[0]
        options.setdefault("title", f"{Path(path).name} (following)")
        return rlx.Explorer.follow(path, interval=source["follow"], **options)
    ds, title = app_dataset(source)
    options = {"title": title, **DEMO_VIEWS.get(source.get("demo") or "", {}), **options}
    return rlx.Explorer(ds, **options)
