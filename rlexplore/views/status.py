"""The machine-readable status: ``STATE <json>`` in an HTML widget, and in ``$RLX_STATE_FILE``.

Browser tests read it to assert on kernel-side state. It is a test hook, not something to
read: the line is in the page (its text is there for the tests) but hidden unless the
explorer is in debug mode (``debug=True``, or ``$RLX_DEBUG`` set to anything but ``""``
or ``0``). The file is written atomically (a temporary file in the same folder, then
:func:`os.replace`).
"""

from __future__ import annotations

import html
import json
import os
import tempfile
from typing import Any

STATE_FILE_ENV = "RLX_STATE_FILE"
DEBUG_ENV = "RLX_DEBUG"
DEBUG_CLASS = "rlx-debug"  # on the explorer's root: shows the status line
PREFIX = "STATE "


def debug_enabled(debug: bool | None = None) -> bool:
    """`debug` if given, else whether ``$RLX_DEBUG`` is set to something other than ``""``/``0``."""
    if debug is not None:
        return bool(debug)
    return os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no")


def status_text(state: dict[str, Any]) -> str:
    """``STATE `` followed by the state as JSON (ASCII only)."""
    return PREFIX + json.dumps(state, sort_keys=True)


def status_html(state: dict[str, Any]) -> str:
    """:func:`status_text`, escaped for an HTML widget."""
    return html.escape(status_text(state))


def write_state_file(state: dict[str, Any], path: str | None = None) -> None:
    """Write the state JSON to `path` (default ``$RLX_STATE_FILE``; nothing when unset)."""
    path = path or os.environ.get(STATE_FILE_ENV)
    if not path:
        return
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".rlx-state-", dir=folder)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(state, f, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
