"""TensorBoard event files: TFRecord framing and scalar decoding.

Two implementations of one parser with identical results:

- ``rlexplore.io._tfrecord.EventParser``, a C extension (built by ``pip install``), which
  releases the GIL so that files load in parallel threads;
- :class:`PyEventParser` below, the pure-Python reference, used when the extension is
  not available (and by the tests, to check that both agree).

A parser is fed bytes and returns the offset after the last complete record, so a
reader can start at any record boundary and a partial record at the end of a file that
is still being written simply waits for the next read (:func:`read_event_file`).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

try:  # pragma: no cover - depends on the build
    from . import _tfrecord as _c  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    _c = None

KIND_UNKNOWN, KIND_SCALARS, KIND_TEXT, KIND_HPARAMS, KIND_OTHER = 0, 1, 2, 3, 4
STAT_NAMES = (
    "records",
    "events",
    "points",
    "bad_checksum",
    "corrupt_bytes",
    "corrupt_regions",
    "malformed",
    "truncated_bytes",
    "histograms",
    "images",
    "audio",
    "tensors",
    "text",
    "bad_scalars",
)
MAX_EXTRAS = 100_000
CHUNK_BYTES = 16 << 20


def have_extension() -> bool:
    """Whether the C parser is available."""
    return _c is not None


def new_parser(pure_python: bool = False):
    """A fresh parser: the C one when available (unless `pure_python`)."""
    if _c is not None and not pure_python:
        return _c.EventParser()
    return PyEventParser()


# --------------------------------------------------------------------------- CRC32C


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc_table()


def _crc32c_py(data: bytes) -> int:
    c = 0xFFFFFFFF
    table = _TABLE
    for b in data:
        c = table[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def _pick_crc() -> Callable[[bytes], int]:
    try:  # fast optional implementations with the same results
        import google_crc32c

        return lambda data: google_crc32c.value(bytes(data))
    except ImportError:
        pass
    try:
        import crc32c

        return lambda data: crc32c.crc32c(bytes(data))
    except ImportError:
        return _crc32c_py


_crc32c = _pick_crc()


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC32C of `data`."""
    c = _crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# --------------------------------------------------------------------------- protobuf


class _Malformed(Exception):
    pass


def _varint(buf: bytes, p: int, end: int) -> tuple[int, int]:
    v = 0
    shift = 0
    while shift < 64 and p < end:
        b = buf[p]
        p += 1
        v |= (b & 0x7F) << shift
        if not b & 0x80:
            return v & 0xFFFFFFFFFFFFFFFF, p
        shift += 7
    raise _Malformed


def _skip(buf: bytes, p: int, end: int, wt: int) -> tuple[int, int, int]:
    """Skip one field; returns (next, payload_start, payload_end) (payload for wt 2)."""
    if wt == 0:
        _, p = _varint(buf, p, end)
        return p, -1, -1
    if wt == 1:
        if end - p < 8:
            raise _Malformed
        return p + 8, -1, -1
    if wt == 5:
        if end - p < 4:
            raise _Malformed
        return p + 4, -1, -1
    if wt == 2:
        n, p = _varint(buf, p, end)
        if n > end - p:
            raise _Malformed
        return p + n, p, p + n
    raise _Malformed


def _fields(buf: bytes, p: int, end: int):
    """Iterate (field, wire type, value-or-(start, end)) over a message."""
    while p < end:
        key, p = _varint(buf, p, end)
        f, wt = key >> 3, key & 7
        if wt == 2:
            p2, a, b = _skip(buf, p, end, 2)
            yield f, wt, (a, b)
            p = p2
        else:
            start = p
            p, _, _ = _skip(buf, p, end, wt)
            yield f, wt, start


def _s64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def _half(h: int) -> float:
    return float(np.frombuffer(struct.pack("<H", h & 0xFFFF), dtype="<f2")[0])


def _bf16(h: int) -> float:
    return struct.unpack("<f", struct.pack("<I", (h & 0xFFFF) << 16))[0]


_TYPED = {5, 6, 7, 10, 11, 13, 16, 17}
_NUMERIC_DTYPES = {1, 2, 3, 4, 5, 6, 9, 10, 14, 17, 19, 22, 23}


def _tensor_scalar(buf: bytes, p: int, end: int) -> float | None:
    """Mirror of the C `tensor_scalar`: the number, or None if not one numeric value."""
    dtype = 0
    all_one = True
    content = None
    have = 0
    first = 0.0
    while p < end:
        key, p = _varint(buf, p, end)
        f, wt = key >> 3, key & 7
        if f == 1 and wt == 0:
            dtype, p = _varint(buf, p, end)
        elif f == 2 and wt == 2:
            p, s, se = _skip(buf, p, end, 2)
            for f2, wt2, v2 in _fields(buf, s, se):
                if f2 == 2 and wt2 == 2:
                    size = 0
                    d, de = v2
                    while d < de:
                        k3, d = _varint(buf, d, de)
                        if k3 >> 3 == 1 and k3 & 7 == 0:
                            size, d = _varint(buf, d, de)
                            size = _s64(size)
                        else:
                            d, _, _ = _skip(buf, d, de, k3 & 7)
                    if size != 1:
                        all_one = False
        elif f == 4 and wt == 2:
            p, a, b = _skip(buf, p, end, 2)
            content = (a, b)
        elif (
            (f == 5 and wt in (5, 2))
            or (f == 6 and wt in (1, 2))
            or (f in (7, 10, 11, 13, 16, 17) and wt in (0, 2))
        ):
            if wt == 2:
                p, q, qe = _skip(buf, p, end, 2)
            else:
                q, qe = p, end
            while q < qe:
                if f == 5:
                    if qe - q < 4:
                        raise _Malformed
                    x = struct.unpack_from("<f", buf, q)[0]
                    q += 4
                elif f == 6:
                    if qe - q < 8:
                        raise _Malformed
                    x = struct.unpack_from("<d", buf, q)[0]
                    q += 8
                else:
                    v, q = _varint(buf, q, qe)
                    if f == 7:
                        v32 = v & 0xFFFFFFFF
                        x = float(v32 - (1 << 32) if v32 >= 1 << 31 else v32)
                    elif f == 10:
                        x = float(_s64(v))
                    elif f == 11:
                        x = 1.0 if v else 0.0
                    elif f == 13:
                        x = _bf16(v) if dtype == 14 else _half(v)
                    elif f == 16:
                        x = float(v & 0xFFFFFFFF)
                    else:
                        x = float(v)
                if not have:
                    first = x
                have += 1
                if wt != 2:
                    break
            if wt != 2:
                p = q
        else:
            p, _, _ = _skip(buf, p, end, wt)
    if not all_one:
        return None
    if content is not None:
        c = bytes(buf[content[0] : content[1]])
        fmt = {
            1: (4, "<f"),
            2: (8, "<d"),
            3: (4, "<i"),
            4: (1, "<B"),
            5: (2, "<h"),
            6: (1, "<b"),
            9: (8, "<q"),
            10: (1, "<B"),
            17: (2, "<H"),
            22: (4, "<I"),
            23: (8, "<Q"),
        }
        if dtype in (14, 19):
            if len(c) != 2:
                return None
            h = c[0] | (c[1] << 8)
            return _bf16(h) if dtype == 14 else _half(h)
        if dtype not in fmt or len(c) != fmt[dtype][0]:
            return None
        x = struct.unpack(fmt[dtype][1], c)[0]
        if dtype == 10:
            return 1.0 if x else 0.0
        return float(x)
    if have == 1 and dtype in _NUMERIC_DTYPES:
        return first
    return None


def _plugin_kind(name: bytes) -> int:
    return {b"scalars": KIND_SCALARS, b"text": KIND_TEXT, b"hparams": KIND_HPARAMS}.get(
        bytes(name), KIND_OTHER
    )


@dataclass
class _PyOut:
    tag: list[int] = field(default_factory=list)
    step: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    extras: list[tuple] = field(default_factory=list)
    starts: list[tuple[int, int]] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAT_NAMES, 0))
    fv: str | None = None


class PyEventParser:
    """Pure-Python reference of the C ``EventParser`` (same interface and results)."""

    def __init__(self) -> None:
        self._tags: list[bytes] = []
        self._ids: dict[bytes, int] = {}
        self._kinds: list[int] = []
        self._reported = 0
        self._in_corrupt = False
        self._kept: list[list] = [[], [], [], []]

    def tag_kinds(self) -> list[int]:
        """The plugin kind of every tag seen so far, by tag id."""
        return list(self._kinds)

    def _intern(self, tag: bytes) -> int:
        t = self._ids.get(tag)
        if t is None:
            t = self._ids[tag] = len(self._tags)
            self._tags.append(tag)
            self._kinds.append(KIND_UNKNOWN)
        return t

    def take(self) -> tuple[bytes, bytes, bytes, bytes]:
        """Hand over the records decoded so far and start afresh."""
        k = self._kept
        out = (
            np.array(k[0], dtype=np.int32).tobytes(),
            np.array(k[1], dtype=np.int64).tobytes(),
            np.array(k[2], dtype=np.float64).tobytes(),
            np.array(k[3], dtype=np.float64).tobytes(),
        )
        self._kept = [[], [], [], []]
        return out

    def feed(self, buffer: Any, start: int = 0, final: bool = False, keep: bool = False) -> tuple:
        """Decode the complete records of ``buffer`` from ``start``; return where decoding stopped."""
        buf = bytes(buffer)
        n = len(buf)
        if start < 0 or start > n:
            raise ValueError("start is outside the buffer")
        out = _PyOut()
        if keep:
            out.tag, out.step, out.value, out.wall = self._kept
        st = out.stats
        pos = start
        while pos < n:
            if n - pos < 12:
                break
            length = int.from_bytes(buf[pos : pos + 8], "little")
            if masked_crc32c(buf[pos : pos + 8]) != int.from_bytes(
                buf[pos + 8 : pos + 12], "little"
            ):
                if not self._in_corrupt:
                    st["corrupt_regions"] += 1
                    self._in_corrupt = True
                st["corrupt_bytes"] += 1
                pos += 1
                continue
            if length > n - pos - 16:
                break
            self._in_corrupt = False
            data_start = pos + 12
            data_end = data_start + length
            nxt = pos + 16 + length
            st["records"] += 1
            if masked_crc32c(buf[data_start:data_end]) != int.from_bytes(
                buf[data_end : data_end + 4], "little"
            ):
                st["bad_checksum"] += 1
                pos = nxt
                continue
            n_points, n_extra, n_start = len(out.step), len(out.extras), len(out.starts)
            saved = dict(st)
            try:
                self._event(buf, data_start, data_end, out)
            except _Malformed:
                for lst in (out.tag, out.step, out.value, out.wall):
                    del lst[n_points:]
                del out.extras[n_extra:]
                del out.starts[n_start:]
                for k in STAT_NAMES:
                    if k not in ("records", "bad_checksum", "corrupt_bytes", "corrupt_regions"):
                        st[k] = saved[k]
                st["malformed"] += 1
            pos = nxt
        if final:
            if pos < n:
                st["truncated_bytes"] += n - pos
            self._in_corrupt = False
        new_tags = [t.decode("utf-8", "replace") for t in self._tags[self._reported :]]
        self._reported = len(self._tags)
        if keep:
            return (pos, new_tags, b"", b"", b"", b"", st, out.extras, out.starts, out.fv)
        return (
            pos,
            new_tags,
            np.array(out.tag, dtype=np.int32).tobytes(),
            np.array(out.step, dtype=np.int64).tobytes(),
            np.array(out.value, dtype=np.float64).tobytes(),
            np.array(out.wall, dtype=np.float64).tobytes(),
            st,
            out.extras,
            out.starts,
            out.fv,
        )

    def _event(self, buf: bytes, p: int, end: int, out: _PyOut) -> None:
        wall, step = 0.0, 0
        summary = slog = fv = None
        for f, wt, v in _fields(buf, p, end):
            if f == 1 and wt == 1:
                wall = struct.unpack_from("<d", buf, v)[0]
            elif f == 2 and wt == 0:
                step = _s64(_varint(buf, v, end)[0])
            elif wt == 2 and f == 5:
                summary = v
            elif wt == 2 and f == 7:
                slog = v
            elif wt == 2 and f == 3:
                fv = v
        if fv is not None and out.fv is None:
            out.fv = buf[fv[0] : fv[1]].decode("utf-8", "replace")
        if slog is not None:
            for f, wt, v in _fields(buf, slog[0], slog[1]):
                if f == 1 and wt == 0:
                    status = _varint(buf, v, slog[1])[0]
                    if status == 1:
                        out.starts.append((len(out.step), step))
        if summary is not None:
            out.stats["events"] += 1
            for f, wt, v in _fields(buf, summary[0], summary[1]):
                if f == 1 and wt == 2:
                    self._value(buf, v[0], v[1], step, wall, out)

    def _value(self, buf: bytes, p: int, end: int, step: int, wall: float, out: _PyOut) -> None:
        tag = tensor = meta = None
        simple = None
        other = None
        while p < end:
            key, p = _varint(buf, p, end)
            f, wt = key >> 3, key & 7
            if f == 2 and wt == 5:
                if end - p < 4:
                    raise _Malformed
                simple = struct.unpack_from("<f", buf, p)[0]
                p += 4
                continue
            p, a, b = _skip(buf, p, end, wt)
            if wt != 2:
                continue
            if f == 1:
                tag = buf[a:b]
            elif f == 8:
                tensor = (a, b)
            elif f == 9:
                meta = (a, b)
            elif f in (3, 5):
                other = "histograms"
            elif f == 4:
                other = "images"
            elif f == 6:
                other = "audio"
        t = self._intern(bytes(tag) if tag is not None else b"")
        content = None
        kind = 0
        if meta is not None:
            data_class_scalar = False
            for f, wt, v in _fields(buf, meta[0], meta[1]):
                if f == 1 and wt == 2:
                    for f2, wt2, v2 in _fields(buf, v[0], v[1]):
                        if f2 == 1 and wt2 == 2 and v2[1] > v2[0]:
                            kind = _plugin_kind(buf[v2[0] : v2[1]])
                        elif f2 == 2 and wt2 == 2:
                            content = v2
                elif f == 4 and wt == 0 and _varint(buf, v, meta[1])[0] == 1:
                    data_class_scalar = True
            if kind == 0 and data_class_scalar:
                kind = KIND_SCALARS
            if kind and self._kinds[t] == KIND_UNKNOWN:
                self._kinds[t] = kind
        st = out.stats
        if simple is not None:
            self._push(out, t, step, float(simple), wall)
            return
        tk = self._kinds[t]
        if tensor is not None:
            if tk == KIND_SCALARS:
                x = _tensor_scalar(buf, tensor[0], tensor[1])
                if x is None:
                    st["bad_scalars"] += 1
                else:
                    self._push(out, t, step, x, wall)
                return
            if tk == KIND_TEXT:
                s = None
                for f, wt, v in _fields(buf, tensor[0], tensor[1]):
                    if f == 8 and wt == 2 and s is None:
                        s = v
                st["text"] += 1
                self._extra(out, t, KIND_TEXT, step, wall, b"", buf[s[0] : s[1]] if s else b"")
                return
            if tk == KIND_HPARAMS:
                self._extra(
                    out,
                    t,
                    KIND_HPARAMS,
                    step,
                    wall,
                    buf[content[0] : content[1]] if content else b"",
                    b"",
                )
                return
            st["tensors"] += 1
            return
        if tk == KIND_HPARAMS and content is not None:
            self._extra(out, t, KIND_HPARAMS, step, wall, buf[content[0] : content[1]], b"")
            return
        if other is not None:
            st[other] += 1

    @staticmethod
    def _push(out: _PyOut, t: int, step: int, value: float, wall: float) -> None:
        out.tag.append(t)
        out.step.append(step)
        out.value.append(value)
        out.wall.append(wall)
        out.stats["points"] += 1

    @staticmethod
    def _extra(
        out: _PyOut, t: int, kind: int, step: int, wall: float, content: bytes, text: bytes
    ) -> None:
        if len(out.extras) < MAX_EXTRAS:
            out.extras.append((t, kind, step, wall, bytes(content), bytes(text)))


# --------------------------------------------------------------------------- reading files


@dataclass
class EventColumns:
    """What one or more event files held: scalar columns plus side information."""

    tags: list[str] = field(default_factory=list)
    tag: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))
    step: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    value: np.ndarray = field(default_factory=lambda: np.empty(0, np.float64))
    wall_time: np.ndarray = field(default_factory=lambda: np.empty(0, np.float64))
    stats: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAT_NAMES, 0))
    extras: list[tuple] = field(default_factory=list)  # (tag, kind, step, wall, content, text)
    session_starts: list[tuple[int, int]] = field(default_factory=list)  # (point index, step)
    file_version: str | None = None
    end_offset: int = 0


def read_event_file(
    path: str,
    parser: Any = None,
    *,
    start: int = 0,
    final: bool = True,
    chunk_bytes: int = CHUNK_BYTES,
    on_bytes: Callable[[int], None] | None = None,
    keep: bool = False,
) -> EventColumns:
    """Read the complete records of an event file from byte offset `start`.

    Parameters
    ----------
    path : str
        The event file.
    parser : EventParser or PyEventParser, optional
        Reuse a parser (tags interned across files of one run); a new one by default.
    start : int
        Byte offset of a record boundary to start from.
    final : bool
        True when the file is complete: bytes after the last complete record are
        counted as ``truncated_bytes``. With False they are left for a later read that
        starts at ``end_offset`` (live following).
    chunk_bytes : int
        Read size; memory use is about this plus the decoded columns.
    on_bytes : callable, optional
        Called with the number of bytes consumed, for progress bars.
    keep : bool
        Leave the columns accumulating in `parser` (several files of one run, without
        copies); get them with :func:`take_columns`. ``session_starts`` then index the
        accumulated columns.

    Returns
    -------
    EventColumns
        ``tags`` lists the tags first seen in this call (with a reused parser, earlier
        tags keep their ids); ``end_offset`` is the offset after the last complete record.
    """
    parser = parser if parser is not None else new_parser()
    out = EventColumns(end_offset=start)
    parts: list[tuple[bytes, bytes, bytes, bytes]] = []
    buf = bytearray(chunk_bytes)
    filled = 0
    base = start
    with open(path, "rb") as f:
        f.seek(start)
        while True:
            mv = memoryview(buf)
            n = f.readinto(mv[filled:])
            mv.release()
            eof = n == 0 or filled + n < len(buf)
            filled += n
            if not eof and filled < len(buf):
                continue
            res = parser.feed(memoryview(buf)[:filled], 0, eof and final, keep)
            end, new_tags, tags_b, steps_b, vals_b, walls_b, stats, extras, starts, fv = res
            n_before = 0 if keep else sum(len(p[1]) for p in parts) // 8
            out.tags.extend(new_tags)
            if steps_b:
                parts.append((tags_b, steps_b, vals_b, walls_b))
            for k, v in stats.items():
                out.stats[k] = out.stats.get(k, 0) + v
            out.extras.extend(extras)
            out.session_starts.extend((n_before + i, s) for i, s in starts)
            if out.file_version is None and fv is not None:
                out.file_version = fv
            if on_bytes is not None and end:
                on_bytes(end)
            if eof:
                out.end_offset = base + end
                break
            if end == 0 and filled == len(buf):
                buf.extend(bytes(len(buf)))  # one record larger than the buffer
            else:
                buf[: filled - end] = buf[end:filled]
                filled -= end
                base += end
    if parts:
        out.tag = (
            np.frombuffer(b"".join(p[0] for p in parts), dtype=np.int32)
            if len(parts) > 1
            else np.frombuffer(parts[0][0], dtype=np.int32)
        )
        out.step = _join(parts, 1, np.int64)
        out.value = _join(parts, 2, np.float64)
        out.wall_time = _join(parts, 3, np.float64)
    return out


def take_columns(parser: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The (tag, step, value, wall_time) columns accumulated with ``keep=True``."""
    t, s, v, w = parser.take()
    return (
        np.frombuffer(t, dtype=np.int32),
        np.frombuffer(s, dtype=np.int64),
        np.frombuffer(v, dtype=np.float64),
        np.frombuffer(w, dtype=np.float64),
    )


def _join(parts: list[tuple], i: int, dtype: Any) -> np.ndarray:
    if len(parts) == 1:
        return np.frombuffer(parts[0][i], dtype=dtype)
    return np.concatenate([np.frombuffer(p[i], dtype=dtype) for p in parts])


def looks_like_tfrecord(head: bytes) -> bool:
    """True when `head` starts with a TFRecord header whose length checksum is valid."""
    if len(head) < 12:
        return False
    return masked_crc32c(head[:8]) == int.from_bytes(head[8:12], "little")


# ----------------------------------------------------------------------- hparams payloads


def decode_hparams_plugin_data(content: bytes) -> dict[str, Any]:
    """The hyperparameters of an hparams-plugin ``session_start_info`` payload."""
    out: dict[str, Any] = {}
    try:
        for f, wt, v in _fields(content, 0, len(content)):
            if f == 3 and wt == 2:  # session_start_info
                for f2, wt2, v2 in _fields(content, v[0], v[1]):
                    if f2 == 1 and wt2 == 2:  # map entry
                        key, val = None, None
                        for f3, wt3, v3 in _fields(content, v2[0], v2[1]):
                            if f3 == 1 and wt3 == 2:
                                key = content[v3[0] : v3[1]].decode("utf-8", "replace")
                            elif f3 == 2 and wt3 == 2:
                                val = _struct_value(content, v3[0], v3[1])
                        if key is not None:
                            out[key] = val
    except _Malformed:
        pass
    return out


def _struct_value(buf: bytes, p: int, end: int) -> Any:
    for f, wt, v in _fields(buf, p, end):
        if f == 2 and wt == 1:
            x = struct.unpack_from("<d", buf, v)[0]
            return int(x) if math.isfinite(x) and x == int(x) and abs(x) < 2**53 else x
        if f == 3 and wt == 2:
            return buf[v[0] : v[1]].decode("utf-8", "replace")
        if f == 4 and wt == 0:
            return bool(_varint(buf, v, end)[0])
    return None
