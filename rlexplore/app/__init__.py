"""The application layer: what ``rlexplore demo`` and ``rlexplore view`` serve.

The CLI passes what to show to the Voila kernel through one environment variable,
``RLX_APP_SOURCE`` (JSON: ``{"demo": "methods"}`` or ``{"paths": [...]}``, with an optional
``"theme"``); the packaged notebook ``explorer.ipynb`` calls :func:`app_explorer`, which
reads it, and shows :func:`app_widget`: the explorer under the app's bar (a light / dark /
auto switch).

Voila serves the notebook with the packaged template ``rlexplore`` (Voila's ``lab``
template without its Font Awesome stylesheets from a CDN: the explorer uses no icon font,
and an offline page must not ask the network): :func:`voila_template_args` and
:func:`voila_template_env` say where it is.
"""

from __future__ import annotations

import json
import os
import warnings
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import RLExploreError, RLExploreWarning
from ..loading import samples_under

SOURCE_ENV = "RLX_APP_SOURCE"
EXPLORER_NOTEBOOK = "explorer.ipynb"
QUICKSTART_NOTEBOOK = "quickstart.ipynb"
VOILA_TEMPLATE = "rlexplore"
THEMES = ("auto", "light", "dark")  # rlexplore.views.theme.THEMES, without importing widgets


def template(name: str) -> Path:
    """The path of a notebook shipped in ``rlexplore/app``."""
    path = Path(str(resources.files(__name__).joinpath(name)))
    if not path.is_file():
        raise RLExploreError(
            f"the packaged notebook {name!r} is missing from {path.parent}; reinstall rlexplore"
        )
    return path


def source_env(
    *,
    demo: str | None = None,
    paths: list[str] | None = None,
    follow: float | None = None,
    theme: str | None = None,
) -> dict[str, str]:
    """The environment entry telling :func:`app_dataset` what to load (and, with `follow`, to watch).

    `theme`: ``"auto"``, ``"light"`` or ``"dark"``, the explorer's theme at first.
    """
    source: dict[str, Any] = (
        {"demo": demo} if demo else {"paths": [str(Path(p).resolve()) for p in paths or []]}
    )
    if follow is not None:
        source["follow"] = float(follow)
    if theme is not None:
        source["theme"] = _check_theme(theme)
    return {SOURCE_ENV: json.dumps(source)}


def _check_theme(theme: str) -> str:
    if theme not in THEMES:
        raise RLExploreError(f"unknown theme {theme!r}; expected one of {THEMES}")
    return theme


def voila_template_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """`env` (default: this process's) with the packaged Voila template on ``JUPYTER_PATH``."""
    env = dict(os.environ if env is None else env)
    ours = str(Path(str(resources.files(__name__).joinpath("jupyter"))))
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (ours, env.get("JUPYTER_PATH")) if p)
    return env


def voila_template_args(theme: str = "auto") -> list[str]:
    """Voila options: the packaged template, and Voila's dark page for the dark theme."""
    return [f"--template={VOILA_TEMPLATE}"] + (
        ["--theme=dark"] if _check_theme(theme) == "dark" else []
    )


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
    if source.get("theme"):
        options.setdefault("theme", _check_theme(source["theme"]))
    if source.get("follow"):  # rlexplore view --follow: one log directory, polled
        path = (source.get("paths") or [""])[0]
        options.setdefault("title", f"{Path(path).name} (following)")
        return rlx.Explorer.follow(path, interval=source["follow"], **options)
    ds, title = app_dataset(source)
    options = {"title": title, **DEMO_VIEWS.get(source.get("demo") or "", {}), **options}
    if not source.get("demo"):  # rlexplore view LOGDIR: the samples under it, if any
        options.setdefault("samples", _samples_or_warn(ds, source.get("paths") or []))
    return rlx.Explorer(ds, **options)


def _samples_or_warn(ds: Any, paths: list[str]) -> Any:
    """The samples under `paths`; when they cannot be read, a warning and the curves alone."""
    try:
        return samples_under(ds, paths)
    except RLExploreError as err:
        warnings.warn(f"samples not shown: {err}", RLExploreWarning, stacklevel=2)
        return None


def app_widget(explorer: Any):
    """The app's page: a bar with the theme switch (``rlx-theme-switch``) over `explorer`.

    The switch sets ``explorer.theme``; the page around the explorer follows its theme.
    """
    from .bar import AppBar

    return AppBar(explorer).widget
