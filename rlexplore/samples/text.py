"""Prompts and completions as the trainers store them: plain strings or chat messages.

TRL stores a conversational prompt or completion as a list of ``{"role", "content"}``
messages; read back from Parquet such a list arrives as a NumPy array of dicts. Samples keep
the messages (so nothing is lost) as a plain ``list[dict]``; :func:`as_text` renders them
with their roles for searching, measuring and showing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np


def normalize(value: Any) -> Any:
    """A prompt or completion as a ``str`` or a ``list`` of message dicts.

    Arrays (what Parquet list columns read back as) become lists, nested values plain
    Python; None and NaN become ``""``.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return [_plain(value)]
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def as_text(value: Any) -> str:
    r"""A prompt or completion as one string; chat messages as ``role: content`` blocks.

    Examples
    --------
    >>> as_text("2+2=")
    '2+2='
    >>> as_text([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "4"}])
    'user: hi\n\nassistant: 4'
    """
    value = normalize(value)
    if isinstance(value, str):
        return value
    blocks = []
    for m in value:
        if isinstance(m, Mapping):
            content = m.get("content", "")
            if isinstance(content, list):  # multimodal content parts: keep their text
                content = " ".join(
                    str(p.get("text", "")) if isinstance(p, Mapping) else str(p) for p in content
                )
            blocks.append(f"{m.get('role', '?')}: {'' if content is None else content}")
        else:
            blocks.append(str(m))
    return "\n\n".join(blocks)


def content_text(value: Any) -> str:
    """Only the message contents (no roles): what a completion's length is measured on."""
    value = normalize(value)
    if isinstance(value, str):
        return value
    parts = []
    for m in value:
        content = m.get("content", "") if isinstance(m, Mapping) else m
        parts.append("" if content is None else str(content))
    return "".join(parts)


def lengths_and_hashes(values: Iterable[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Per completion: its text's length in characters and a hash of it (equal text, equal hash).

    Python's own string hash: no copy of the text is made (hashes compare within one process).
    """
    texts = [content_text(v) for v in values]
    n = len(texts)
    return np.fromiter(map(len, texts), np.int64, n), np.fromiter(map(hash, texts), np.int64, n)
