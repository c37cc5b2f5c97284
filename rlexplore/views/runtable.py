"""The run table: one row per run with its metadata, to filter, sort, colour and group runs.

Run metadata are the coordinates along ``run`` that the loaders fill (``source``,
``format``, hyperparameters as ``hp.<name>``: Trainer arguments, MLflow params, W&B
config). :class:`RunTable` shows them and exposes what a person chose as traits, so the
explorer (or a notebook) can follow them: ``visible_runs``, ``group_by``, ``colors``.

Filter syntax (the ``filter`` trait)
    Clauses separated by ``,`` or ``and``, all of which must hold. A clause is either
    ``column op value`` with ``op`` one of ``== != < <= > >= ~`` (``~``: regular
    expression search), comparing numbers for numeric columns and text otherwise, or
    plain text, searched case-insensitively in the run name and every text column.
    ``hp.lr <= 3e-6, grpo`` keeps the GRPO runs with a small learning rate.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
import xarray as xr
from traitlets import Bool, Dict, Tuple, Unicode, observe, validate

from ..dataset import RUN
from ..errors import RLExploreError
from .theme import MUTED, PALETTE, run_color

_OPS = ("==", "!=", "<=", ">=", "<", ">", "~")
_CLAUSE = re.compile(r"^\s*([^\s=!<>~]+)\s*(==|!=|<=|>=|<|>|~)\s*(.*?)\s*$")
_SPLIT = re.compile(r"\s*,\s*|\s+and\s+")
# A short sequential ramp (viridis stops) for numeric columns; missing values are grey.
_RAMP = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
_MISSING_COLOR = MUTED
NONE = ""
# inline, since the table may be shown outside the explorer's stylesheet
_SWATCH = "display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px;"
MAX_ROWS = 150  # rows drawn at once (each is a few widgets); the filter reaches the others


def metadata_frame(ds: xr.Dataset) -> pd.DataFrame:
    """The run metadata of `ds` as a table: one row per run, one column per run coordinate.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> metadata_frame(rlx.demo("dashboard")).columns.tolist()
    ['hp.actor.optim.lr']
    """
    cols = {str(k): ds[k].values for k, c in ds.coords.items() if c.dims == (RUN,) and k != RUN}
    return pd.DataFrame(cols, index=pd.Index([str(r) for r in ds[RUN].values], name=RUN))


def filter_runs(meta: pd.DataFrame, query: str) -> list[str]:
    """The runs of `meta` (index) matching `query` (see the module docstring), in order.

    Raises
    ------
    RLExploreError
        An unknown column, operator or a value that is not a number for a numeric column.

    Examples
    --------
    >>> meta = pd.DataFrame({"hp.lr": [1e-6, 3e-6]}, index=pd.Index(["a", "b"], name="run"))
    >>> filter_runs(meta, "hp.lr > 2e-6")
    ['b']
    """
    keep = np.ones(len(meta), dtype=bool)
    for clause in (c for c in _SPLIT.split(query.strip()) if c):
        keep &= _clause_mask(meta, clause)
    return [str(r) for r in meta.index[keep]]


def sort_runs(
    meta: pd.DataFrame, runs: Sequence[str], by: str, descending: bool = False
) -> list[str]:
    """`runs` sorted by the column `by` (``"run"``: by name); ties and missing values keep order, missing last."""
    if by in (NONE, None):
        return list(runs)
    column = _column(meta, by).loc[list(runs)]
    order = column.sort_values(ascending=not descending, kind="stable", na_position="last")
    return [str(r) for r in order.index]


def color_runs(meta: pd.DataFrame, by: str) -> dict[str, str]:
    """A colour per run: by position (``""`` or ``"run"``), by category, or a ramp for numbers.

    Examples
    --------
    >>> meta = pd.DataFrame({"algo": ["ppo", "grpo", "ppo"]}, index=pd.Index(["a", "b", "c"], name="run"))
    >>> color_runs(meta, "algo")
    {'a': '#0072B2', 'b': '#D55E00', 'c': '#0072B2'}
    """
    runs = [str(r) for r in meta.index]
    if by in (NONE, RUN):
        return {r: run_color(i) for i, r in enumerate(runs)}
    column = _column(meta, by)
    if pd.api.types.is_numeric_dtype(column):
        return dict(zip(runs, _ramp(column.to_numpy(dtype=np.float64))))
    codes, _ = pd.factorize(column.astype(str), sort=False)
    return {r: PALETTE[c % len(PALETTE)] for r, c in zip(runs, codes)}


class RunTable(widgets.VBox):
    """A table of runs and their metadata that filters, sorts, colours and groups them.

    Parameters
    ----------
    ds : xarray.Dataset
        An rlexplore Dataset; its run coordinates are the columns.
    columns : sequence of str, optional
        Which run coordinates to show (default: all, ``hp.*`` last).
    **traits
        Initial values of the traits below.

    Attributes
    ----------
    filter : str
        Which rows to show (see the module docstring); an invalid filter shows all
        rows and its message in ``error``.
    sort_by, descending : str, bool
        The sort column (``""``: dataset order; ``"run"``: name) and direction.
    color_by, group_by : str
        The column that colours the runs (``colors``) and that groups them.
    visible_runs : tuple of str
        Runs whose checkbox is ticked, in dataset order.
    rows : tuple of str
        The runs shown, filtered and sorted (read-only).
    colors : dict
        ``{run: "#rrggbb"}`` from ``color_by`` (read-only).
    filter_box, sort_box, color_box, only_button : ipywidgets.Widget
        The controls bound to the traits above; ``only_button`` keeps only the rows shown.
    checkboxes : dict of str to ipywidgets.Checkbox
        Each run's checkbox, bound to ``visible_runs``.
    grid : ipywidgets.GridBox
        The table's cells; ``status_line`` says how many rows are shown.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> table = RunTable(rlx.demo("methods"), filter="RE", sort_by="run", descending=True)
    >>> table.rows
    ('RED-Weight', 'REC-OneSide-NoIS (0.2)')
    """

    filter = Unicode("")
    sort_by = Unicode(NONE)
    descending = Bool(False)
    color_by = Unicode(NONE)
    group_by = Unicode(NONE)
    visible_runs = Tuple()
    rows = Tuple(read_only=True)
    colors = Dict(read_only=True)
    error = Unicode("", read_only=True)

    def __init__(
        self, ds: xr.Dataset, *, columns: Sequence[str] | None = None, **traits: Any
    ) -> None:
        self._meta = metadata_frame(ds)
        self._columns = _pick_columns(self._meta, columns)
        self.checkboxes: dict[str, widgets.Checkbox] = {}
        self._cells: dict[str, list[widgets.Widget]] = {}
        self._widths = _column_widths(self._meta, self._columns)
        self._head = [widgets.HTML(""), widgets.HTML(self._line([RUN] + self._columns, bold=True))]
        self._controls = self._make_controls()
        self.grid = widgets.GridBox(
            layout=widgets.Layout(
                grid_template_columns="28px auto",
                grid_gap="0px 4px",
                max_height="320px",
                overflow="auto",
            )
        )
        self.status_line = widgets.HTML()
        super().__init__([self._controls, self.status_line, self.grid], **traits)
        self.add_class("rlx-runtable")
        if "visible_runs" not in traits:
            self.visible_runs = tuple(self._meta.index)
        self._refresh()

    @property
    def metadata(self) -> pd.DataFrame:
        """The run metadata table behind the widget."""
        return self._meta

    def groups(self) -> dict[str, tuple[str, ...]]:
        """``{label: runs}`` of ``group_by`` (one group per run when it is empty)."""
        from ..transforms.groups import group_label

        out: dict[str, list[str]] = {}
        for run in self._meta.index:
            label = (
                run
                if self.group_by == NONE
                else group_label(_column(self._meta, self.group_by)[run])
            )
            out.setdefault(label, []).append(str(run))
        return {k: tuple(v) for k, v in out.items()}

    def show_only_rows(self) -> None:
        """Tick exactly the runs the filter shows."""
        self.visible_runs = self.rows

    # -- validation ---------------------------------------------------------------
    @validate("sort_by", "color_by", "group_by")
    def _validate_column(self, proposal):
        value = proposal["value"]
        if value not in (NONE, RUN) and value not in self._meta.columns:
            options = [RUN] + list(self._meta.columns)
            raise RLExploreError(f"unknown column {value!r}; expected '' or one of {options}")
        return value

    @validate("visible_runs")
    def _validate_visible_runs(self, proposal):
        chosen = {str(r) for r in proposal["value"]}
        unknown = sorted(chosen - set(self._meta.index))
        if unknown:
            raise RLExploreError(f"unknown runs {unknown}")
        return tuple(r for r in self._meta.index if r in chosen)

    # -- drawing ------------------------------------------------------------------
    @observe("filter", "sort_by", "descending", "color_by")
    def _on_options(self, change) -> None:
        if self._meta is not None:
            self._refresh()

    @observe("visible_runs")
    def _on_visible_runs(self, change) -> None:
        for run, box in self.checkboxes.items():
            box.value = run in self.visible_runs

    def _refresh(self) -> None:
        try:
            shown = filter_runs(self._meta, self.filter)
            self.set_trait("error", "")
        except RLExploreError as err:
            shown = list(self._meta.index)
            self.set_trait("error", str(err))
        self.set_trait(
            "rows", tuple(sort_runs(self._meta, list(shown), self.sort_by, self.descending))
        )
        self.set_trait("colors", color_runs(self._meta, self.color_by))
        page = self.rows[:MAX_ROWS]
        more = len(self.rows) - len(page)
        note = (
            f"showing {len(page)} of {len(self.rows)} runs: filter to see the others"
            if more
            else ""
        )
        error = f"<span class='rlx-error'>{html.escape(self.error)}</span>" if self.error else ""
        self.status_line.value = " ".join(p for p in (error, html.escape(note)) if p)
        children = tuple(self._head) + tuple(cell for run in page for cell in self._row(run))
        if children != self.grid.children:
            self.grid.children = children
        self._sync_controls()

    def _row(self, run: str) -> list[widgets.Widget]:
        """The widgets of a run's row, made once and kept: sorting only reorders them."""
        if run not in self._cells:
            box = self.checkboxes[run] = widgets.Checkbox(
                value=run in self.visible_runs, indent=False, layout=widgets.Layout(width="24px")
            )
            box.observe(lambda change, run=run: self._on_check(run, change["new"]), "value")
            self._cells[run] = [box, widgets.HTML()]
        line = self._cells[run][1]
        cells = [run] + [_format(self._meta.at[run, c]) for c in self._columns]
        text = self._line(cells, swatch=self.colors[run])
        if line.value != text:
            line.value = text
        return self._cells[run]

    def _line(self, cells: list[str], *, bold: bool = False, swatch: str | None = None) -> str:
        """One row as fixed-width cells (escaped), so that rows line up without a widget per cell."""
        parts = []
        for i, (text, width) in enumerate(zip(cells, self._widths)):
            mark = (
                f"<span class='rlx-swatch' style='{_SWATCH}background:{swatch}'></span>"
                if i == 0 and swatch
                else ""
            )
            body = f"<b>{html.escape(text)}</b>" if bold else html.escape(text)
            parts.append(
                f"<span style='display:inline-block;width:{width}ch;overflow:hidden;text-overflow:"
                f"ellipsis;white-space:nowrap;vertical-align:bottom' title='{html.escape(text)}'>"
                f"{mark}{body}</span>"
            )
        return "".join(parts)

    def _on_check(self, run: str, on: bool) -> None:
        current = set(self.visible_runs)
        self.visible_runs = tuple(current | {run}) if on else tuple(current - {run})

    # -- controls -------------------------------------------------------------------
    def _make_controls(self) -> widgets.HBox:
        options = [("(none)", NONE), (RUN, RUN)] + [(c, c) for c in self._meta.columns]
        small = dict(layout=widgets.Layout(width="220px"), style={"description_width": "initial"})
        self.filter_box = widgets.Text(
            placeholder="filter: hp.lr < 1e-5, grpo",
            continuous_update=False,
            layout=widgets.Layout(width="240px"),
        )
        self.sort_box = widgets.Dropdown(options=options, description="sort", **small)
        self._desc_box = widgets.ToggleButton(
            description="↓", tooltip="descending", layout=widgets.Layout(width="32px")
        )
        self.color_box = widgets.Dropdown(options=options, description="colour", **small)
        self._group_box = widgets.Dropdown(
            options=options[:1] + options[2:], description="group", **small
        )
        self.only_button = widgets.Button(
            description="show only these", layout=widgets.Layout(width="auto")
        )
        self.only_button.on_click(lambda _: self.show_only_rows())
        pairs = [
            (self.filter_box, "filter"),
            (self.sort_box, "sort_by"),
            (self._desc_box, "descending"),
            (self.color_box, "color_by"),
            (self._group_box, "group_by"),
        ]
        for box, name in pairs:
            box.observe(lambda change, name=name: setattr(self, name, change["new"]), "value")
        self._pairs = pairs
        return widgets.HBox(
            [box for box, _ in pairs] + [self.only_button],
            layout=widgets.Layout(flex_flow="row wrap"),
        )

    def _sync_controls(self) -> None:
        for box, name in self._pairs:
            if box.value != getattr(self, name):
                box.value = getattr(self, name)

    # set first thing in __init__; None before, when traitlets runs observers on defaults
    _meta: pd.DataFrame = None


def _column_widths(meta: pd.DataFrame, columns: list[str]) -> list[int]:
    """Character widths of the run column and each metadata column (2 of padding, 40 at most)."""
    names = [len(str(r)) for r in meta.index] or [3]
    widths = [min(40, max(max(names), 3) + 4)]
    for c in columns:
        longest = max([len(_format(v)) for v in meta[c].values] + [len(c)])
        widths.append(min(40, longest + 2))
    return widths


def _pick_columns(meta: pd.DataFrame, columns: Sequence[str] | None) -> list[str]:
    if columns is None:
        return sorted(meta.columns, key=lambda c: (c.startswith("hp."), c))
    unknown = [c for c in columns if c not in meta.columns]
    if unknown:
        raise RLExploreError(f"unknown columns {unknown}; run coordinates: {list(meta.columns)}")
    return list(columns)


def _column(meta: pd.DataFrame, name: str) -> pd.Series:
    if name == RUN:
        return pd.Series(meta.index, index=meta.index)
    if name not in meta.columns:
        raise RLExploreError(
            f"unknown column {name!r}; expected one of {[RUN] + list(meta.columns)}"
        )
    return meta[name]


def _clause_mask(meta: pd.DataFrame, clause: str) -> np.ndarray:
    match = _CLAUSE.match(clause)
    if match is None:
        return _text_mask(meta, clause)
    name, op, raw = match.groups()
    column = _column(meta, name)
    raw = raw.strip("'\"")
    if op == "~":
        try:
            return column.astype(str).str.contains(raw, regex=True, case=False).to_numpy()
        except re.error as err:
            raise RLExploreError(f"invalid regular expression {raw!r}: {err}") from None
    value = _operand(column, name, raw)
    data = (
        column.to_numpy(dtype=np.float64)
        if isinstance(value, float)
        else column.astype(str).to_numpy()
    )
    compare = {
        "==": np.equal,
        "!=": np.not_equal,
        "<": np.less,
        "<=": np.less_equal,
        ">": np.greater,
        ">=": np.greater_equal,
    }[op]
    return np.asarray(compare(data, value), dtype=bool)


def _operand(column: pd.Series, name: str, raw: str) -> Any:
    if not pd.api.types.is_numeric_dtype(column):
        return raw
    try:
        return float(raw)
    except ValueError:
        raise RLExploreError(f"column {name!r} holds numbers; {raw!r} is not a number") from None


def _text_mask(meta: pd.DataFrame, text: str) -> np.ndarray:
    needle = text.lower()
    mask = np.array([needle in str(r).lower() for r in meta.index], dtype=bool)
    for name in meta.columns:
        if not pd.api.types.is_numeric_dtype(meta[name]):
            mask |= meta[name].astype(str).str.lower().str.contains(needle, regex=False).to_numpy()
    return mask


def _ramp(values: np.ndarray) -> list[str]:
    finite = np.isfinite(values)
    if not finite.any():
        return [_MISSING_COLOR] * len(values)
    lo, hi = values[finite].min(), values[finite].max()
    if lo > 0 and hi / lo >= 100:  # learning rates and the like span decades: ramp in log
        values = np.where(finite, np.log10(np.where(finite, values, 1.0)), np.nan)
        lo, hi = np.log10(lo), np.log10(hi)
    span = hi - lo if hi > lo else 1.0
    out = []
    for v in values:
        if not np.isfinite(v):
            out.append(_MISSING_COLOR)
            continue
        out.append(_RAMP[int(round((v - lo) / span * (len(_RAMP) - 1)))])
    return out


def _format(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else f"{float(value):g}"
    return str(value)
