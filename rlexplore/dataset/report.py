"""The load report: what was read, skipped and superseded, kept in ``ds.attrs``.

:class:`LoadReport` is the typed report: the sources given, one :class:`FileEntry` per
file (points read, values skipped and why, records superseded by restarts, notes), files
of no known format, folders with nothing to load, the build counts and the warnings
given. It is stored as a JSON string under ``attrs["load_report"]``, so it survives
netCDF and Zarr; :meth:`LoadReport.merge` is the one way two reports combine (a Zarr
store written one run folder at a time, a distributed load).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import xarray as xr

from .schema import REPORT_ATTR, storable

_EXAMPLES = 10


@dataclass
class FileEntry:
    """The load report of one file (or one store): what was read and what was not."""

    path: str
    format: str
    points: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    superseded: int = 0
    notes: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.path = storable(str(self.path))

    def skip(self, reason: str, n: int = 1) -> None:
        """Count `n` values or records skipped for `reason`."""
        if n:
            self.skipped[reason] = self.skipped.get(reason, 0) + int(n)

    def note(self, text: str) -> None:
        """Record a short note once (at most 20 per file)."""
        if text not in self.notes and len(self.notes) < 20:
            self.notes.append(text)

    def as_dict(self) -> dict[str, Any]:
        """The entry as the JSON-ready dict stored in the load report."""
        return {
            "path": self.path,
            "format": self.format,
            "runs": list(self.runs),
            "points": int(self.points),
            "skipped": {k: int(v) for k, v in self.skipped.items()},
            "superseded": int(self.superseded),
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, d: Any) -> FileEntry:
        """The entry stored as `d` by :meth:`as_dict`.

        Raises
        ------
        ValueError
            If `d` is not such a dict.
        """
        if not isinstance(d, dict) or not isinstance(d.get("path"), str):
            raise ValueError(f"a file entry must be a dict with a 'path', got {_short(d)}")
        return cls(
            path=d["path"],
            format=str(d.get("format", "")),
            points=_int(d.get("points", 0), "points"),
            skipped={str(k): _int(v, "skipped") for k, v in _dict(d, "skipped").items()},
            superseded=_int(d.get("superseded", 0), "superseded"),
            notes=[str(n) for n in _list(d, "notes")],
            runs=[str(r) for r in _list(d, "runs")],
        )


@dataclass
class LoadReport:
    """What a load read and did not read; see the module docstring.

    Attributes
    ----------
    files : list of FileEntry
        One entry per file (or store) read or reported.
    sources : list
        The sources given (paths, or what a builder's caller passed).
    ignored : int
        Files of no known log format; ``ignored_examples`` names a few.
    skipped_folders : list of dict
        Folders with nothing loadable (distributed loads).
    options : dict
        The load options that shape the data (``restarts``).
    build : dict
        ``points`` kept, ``duplicates_resolved`` (repeated steps, the later won),
        ``datasets`` merged.
    warnings : list of str
        The warnings given while loading.
    """

    files: list[FileEntry] = field(default_factory=list)
    sources: list[Any] = field(default_factory=list)
    ignored: int = 0
    ignored_examples: list[str] = field(default_factory=list)
    skipped_folders: list[dict[str, Any]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    build: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def superseded(self) -> int:
        """Records superseded by restarts, over all files."""
        return sum(f.superseded for f in self.files)

    def merge(self, other: LoadReport) -> LoadReport:
        """One report of two loads whose runs are joined (`self` first)."""
        build = dict(self.build)
        for k, v in other.build.items():
            build[k] = build.get(k, 0) + v
        build["datasets"] = self.build.get("datasets", 1) + other.build.get("datasets", 1)
        return LoadReport(
            files=self.files + other.files,
            sources=self.sources + other.sources,
            ignored=self.ignored + other.ignored,
            ignored_examples=(self.ignored_examples + other.ignored_examples)[:_EXAMPLES],
            skipped_folders=self.skipped_folders + other.skipped_folders,
            options={**other.options, **self.options},
            build=build,
            warnings=list(dict.fromkeys(self.warnings + other.warnings)),
        )

    def as_dict(self) -> dict[str, Any]:
        """The JSON-ready dict stored in ``attrs["load_report"]`` (empty parts left out)."""
        out: dict[str, Any] = {"files": [f.as_dict() for f in self.files]}
        if self.sources:
            out["sources"] = list(self.sources)
        out["ignored"] = {"count": self.ignored, "examples": list(self.ignored_examples)}
        if self.skipped_folders:
            out["skipped_folders"] = list(self.skipped_folders)
        if self.options:
            out["options"] = dict(self.options)
        if self.build:
            out["build"] = dict(self.build)
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out

    @classmethod
    def from_dict(cls, d: Any) -> LoadReport:
        """The report stored as `d`.

        Raises
        ------
        ValueError
            If `d` is not a load report (the message says what is wrong).
        """
        if not isinstance(d, dict):
            raise ValueError(f"a load report must be a JSON object, got {_short(d)}")
        ign = d.get("ignored", {})
        if not isinstance(ign, dict):
            raise ValueError(f"'ignored' must be an object, got {_short(ign)}")
        return cls(
            files=[FileEntry.from_dict(f) for f in _list(d, "files")],
            sources=list(_list(d, "sources")),
            ignored=_int(ign.get("count", 0), "ignored count"),
            ignored_examples=[str(x) for x in _list(ign, "examples")],
            skipped_folders=[x for x in _list(d, "skipped_folders") if isinstance(x, dict)],
            options=dict(_dict(d, "options")),
            build={str(k): _int(v, "build") for k, v in _dict(d, "build").items()},
            warnings=[str(w) for w in _list(d, "warnings")],
        )

    def format(self, ds: xr.Dataset | None = None) -> str:
        """The report as text (what :func:`rlexplore.report` prints)."""
        if not self.files:
            return "no load report: this Dataset was not made by rlexplore.load"
        head = "rlexplore load report"
        if ds is not None:
            head += (
                f": {ds.sizes.get('run', 0)} runs, {ds.sizes.get('metric', 0)} metrics, "
                f"{ds.sizes.get('step', 0)} steps"
            )
        lines = [
            head,
            f"  {self.build.get('points', 0):,} points kept, "
            f"{self.build.get('duplicates_resolved', 0):,} repeated steps resolved (later wins), "
            f"{self.superseded:,} superseded by restarts; {len(self.files)} files",
        ]
        for f in self.files:
            runs = ", ".join(f.runs[:5]) + (" …" if len(f.runs) > 5 else "")
            lines.append(f"- {f.path} [{f.format}]" + (f" → {runs}" if runs else ""))
            parts = [f"{f.points:,} points"]
            if f.superseded:
                parts.append(f"{f.superseded:,} superseded")
            parts += [f"skipped {n:,} {why}" for why, n in f.skipped.items()]
            lines.append("    " + "; ".join(parts))
            lines += [f"    note: {note}" for note in f.notes]
        if self.ignored:
            ex = ", ".join(self.ignored_examples[:5])
            lines.append(f"- ignored {self.ignored} files of no known log format (e.g. {ex})")
        for folder in self.skipped_folders:
            lines.append(f"- folder {folder.get('path', '?')}: {folder.get('reason', 'skipped')}")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def load_report(ds: xr.Dataset) -> LoadReport:
    """The :class:`LoadReport` attached to `ds` (an empty one when there is none).

    Raises
    ------
    ValueError
        If the attribute is not a load report (malformed JSON, wrong types).
    """
    text = ds.attrs.get(REPORT_ATTR)
    if text is None or text == "":
        return LoadReport()
    if not isinstance(text, (str, bytes)):
        raise ValueError(f"attrs[{REPORT_ATTR!r}] must be a JSON string, got {_short(text)}")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise ValueError(f"attrs[{REPORT_ATTR!r}] is not valid JSON: {err}") from None
    try:
        return LoadReport.from_dict(data)
    except RecursionError:
        raise ValueError(f"attrs[{REPORT_ATTR!r}] is nested too deeply") from None
    except ValueError as err:
        raise ValueError(f"attrs[{REPORT_ATTR!r}] is not a load report: {err}") from None


def get_report(ds: xr.Dataset) -> dict[str, Any]:
    """Return the load report attached to `ds` as a dict (empty when there is none).

    Raises
    ------
    ValueError
        If the attribute is not a load report.
    """
    if not ds.attrs.get(REPORT_ATTR):
        return {}
    return load_report(ds).as_dict()


def set_report(ds: xr.Dataset, report: LoadReport | dict[str, Any]) -> xr.Dataset:
    """Attach `report` to `ds` in place and return `ds`.

    Raises
    ------
    ValueError
        If `report` is not a load report or not JSON-serializable.
    """
    rep = report if isinstance(report, LoadReport) else LoadReport.from_dict(report)
    try:
        ds.attrs[REPORT_ATTR] = json.dumps(rep.as_dict(), allow_nan=False, default=_plain)
    except (TypeError, ValueError) as err:
        raise ValueError(f"the load report is not JSON-serializable: {err}") from None
    return ds


def _plain(obj: Any) -> Any:
    """Turn numpy scalars into Python numbers for JSON."""
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"{type(obj).__name__} is not JSON-serializable")


def _short(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def _int(v: Any, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"the load report's {what} must be numbers, got {_short(v)}")
    return int(v)


def _list(d: dict[str, Any], key: str) -> list[Any]:
    v = d.get(key, [])
    if not isinstance(v, list):
        raise ValueError(f"the load report's {key!r} must be a list, got {_short(v)}")
    return v


def _dict(d: dict[str, Any], key: str) -> dict[str, Any]:
    v = d.get(key, {})
    if not isinstance(v, dict):
        raise ValueError(f"the load report's {key!r} must be an object, got {_short(v)}")
    return v
