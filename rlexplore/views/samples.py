"""The samples view: the prompts and completions behind a step, a brushed range or a finding.

``SamplesView(samples)`` shows the samples of one step (the nearest step each shown run
logged samples at) or of a step range, sorted best first, worst first or at random,
filtered by a text search. Every prompt and completion is model output or user data, so it
reaches the page only through :func:`html.escape` inside ``<pre>`` (no HTML, no Markdown);
text longer than ``fold`` characters is folded under a ``<details>`` toggle. With
``compare=True`` and two runs shown, the samples are laid out side by side by prompt.

The Python contract: set ``step`` (an int) or ``range`` (``(first, last)``) and ``runs``;
:meth:`SamplesView.shown` returns the rows shown as a DataFrame; :meth:`show_finding` shows
a finding's samples, worst and best first.

Intended wiring in :class:`rlexplore.Explorer` (issue 15; a few lines in ``explorer.py``)::

    # ExplorerState: sample_step = Int(None, allow_none=True)   (the step shown)
    # Explorer.__init__(self, ds, ..., samples=None)
    if samples is not None:
        self.samples_view = SamplesView(samples)
        connect(self.state, self.samples_view)  # hover/click → step, brush → range, runs
        layout.children += (self.samples_view,)
        # a finding's step button already brushes its range; for worst/best first:
        # self.samples_view.show_finding(row)

    def shown_samples(self):
        return self.samples_view.shown()

CSS classes: ``rlx-samples`` (the whole), ``rlx-samples-order``, ``rlx-samples-search``,
``rlx-samples-body``, ``rlx-sample`` (one sample), ``rlx-sample-text`` (a ``<pre>``; also
``rlx-sample-prompt`` or ``rlx-sample-completion``).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import traitlets
from ipywidgets import HTML, Checkbox, Dropdown, HBox, Layout, Text, VBox

from ..errors import RLExploreError
from ..samples import SampleSource, as_text, finding_samples, rank_samples
from ..samples.findings import ORDERS, score_column

FOLD = 600
PAGE = 20
_STYLE = """<style>
.rlx-samples .rlx-sample {border-top: 1px solid #ddd; padding: 4px 0;}
.rlx-samples .rlx-sample-text {white-space: pre-wrap; word-break: break-word; margin: 2px 0;
  font-size: 90%; background: #f7f7f7; padding: 4px;}
.rlx-samples .rlx-sample-head {font-size: 85%; color: #444;}
.rlx-samples .rlx-sample-prompt {background: #eef3fb; color: #333;}
.rlx-samples .rlx-sample-label {font-size: 75%; color: #777; text-transform: uppercase;}
.rlx-samples table.rlx-compare {width: 100%; table-layout: fixed;}
.rlx-samples table.rlx-compare td {vertical-align: top; width: 50%;}
</style>"""


def connect(state: Any, view: SamplesView) -> Callable[[], None]:
    """Drive `view` from an explorer's state; returns a function that disconnects them.

    ``hover_step`` (a hover or click on any panel) sets ``view.step``, ``step_range`` (a
    brush, or a finding's step button) sets ``view.range``, the shown runs set
    ``view.runs``; when the state has a ``sample_step`` trait, it follows
    ``view.shown_step``. Steps are used only while the explorer's x axis is ``"step"``.

    Parameters
    ----------
    state : rlexplore.state.ExplorerState
        ``Explorer.state``.
    view : SamplesView
        The samples view to drive.
    """

    def on_hover(change: dict[str, Any]) -> None:
        if change["new"] is not None and state.x_axis == "step":
            view.step = int(round(change["new"]))

    def on_range(change: dict[str, Any]) -> None:
        if state.x_axis != "step":
            return
        r = change["new"]
        view.range = None if r is None else (int(np.ceil(r[0])), int(np.floor(r[1])))

    def on_runs(change: dict[str, Any]) -> None:
        view.runs = tuple(state.shown_runs)

    state.observe(on_hover, "hover_step")
    state.observe(on_range, "step_range")
    state.observe(on_runs, ["visible_runs", "run_filter"])
    link = None
    if state.has_trait("sample_step"):
        link = traitlets.dlink((view, "shown_step"), (state, "sample_step"))
    view.runs = tuple(state.shown_runs)

    def disconnect() -> None:
        state.unobserve(on_hover, "hover_step")
        state.unobserve(on_range, "step_range")
        state.unobserve(on_runs, ["visible_runs", "run_filter"])
        if link is not None:
            link.unlink()

    return disconnect


class SamplesView(VBox):
    """Samples of the shown runs at a step, in a range, or behind a finding.

    Parameters
    ----------
    samples : pandas.DataFrame or SampleSource
        What :func:`rlexplore.load_samples` (or :func:`rlexplore.samples.open_samples`)
        returned; with a SampleSource only the text of the rows shown is read.
    runs : sequence of str, optional
        The runs shown (default: all).
    page : int, default 20
        How many samples are shown (per run when side by side).
    fold : int, default 600
        Texts longer than this many characters are folded.
    """

    step = traitlets.Int(None, allow_none=True)
    range = traitlets.Any(None, allow_none=True)
    runs = traitlets.Any(())
    order = traitlets.Unicode("best")
    search = traitlets.Unicode("")
    compare = traitlets.Bool(False)
    #: the step whose samples are shown (the nearest logged sample step to ``step``)
    shown_step = traitlets.Int(None, allow_none=True, read_only=True)

    def __init__(
        self,
        samples: pd.DataFrame | SampleSource,
        *,
        runs: Any = None,
        page: int = PAGE,
        fold: int = FOLD,
        **kwargs: Any,
    ) -> None:
        if isinstance(samples, SampleSource):
            self._source: SampleSource | None = samples
            self._index = samples.index
        elif isinstance(samples, pd.DataFrame):
            self._source = None
            self._index = samples
        else:
            raise RLExploreError(
                f"samples must be a DataFrame or a SampleSource, not {type(samples).__name__}"
            )
        for col in ("run", "step"):
            if col not in self._index.columns:
                raise RLExploreError(f"samples need a {col!r} column")
        self.page, self.fold = int(page), int(fold)
        self._finding: Any = None
        self._mode = "step"  # the latest of `step` and `range` wins
        self._key: Any = None  # what is shown: a hover within one logged step redraws nothing
        self._shown = self._index.iloc[:0]
        self.order_box = Dropdown(options=list(ORDERS), value="best", description="sort")
        self.order_box.add_class("rlx-samples-order")
        self.search_box = Text(
            placeholder="search prompts and completions", continuous_update=False
        )
        self.search_box.add_class("rlx-samples-search")
        self.compare_box = Checkbox(value=False, description="side by side", indent=False)
        self.body = HTML()
        self.body.add_class("rlx-samples-body")
        super().__init__(
            [HBox([self.order_box, self.search_box, self.compare_box]), self.body],
            layout=Layout(width="100%"),
            **kwargs,
        )
        self.add_class("rlx-samples")
        traitlets.link((self.order_box, "value"), (self, "order"))
        traitlets.link((self.search_box, "value"), (self, "search"))
        traitlets.link((self.compare_box, "value"), (self, "compare"))
        self.runs = tuple(self._all_runs() if runs is None else (str(r) for r in runs))
        self.observe(self._on_change, ["step", "range", "runs", "order", "search", "compare"])
        self._refresh()

    # ------------------------------------------------------------------ public

    def shown(self) -> pd.DataFrame:
        """The samples shown, in the order shown (with their text)."""
        return self._shown.copy()

    def show_finding(self, finding: Any, n: int = 5) -> pd.DataFrame:
        """Show the samples behind a finding (a row of :func:`rlexplore.diagnose`), worst and best first."""
        self._finding = (finding, n)
        self._key = None
        self._refresh()
        return self.shown()

    # ------------------------------------------------------------------ internals

    def _all_runs(self) -> list[str]:
        return [str(r) for r in pd.unique(self._index["run"].astype(str))]

    def _on_change(self, change: dict[str, Any]) -> None:
        name = change["name"]
        if name in ("step", "range", "runs"):
            self._finding = None
        if name == "step":
            self._mode = "step"
        elif name == "range":
            self._mode = "range" if self.range is not None else "step"
        key = (
            self._mode,
            self._nearest(),
            self.range,
            tuple(self.runs),
            self.order,
            self.search,
            self.compare,
        )
        if name in ("step", "range", "runs") and key == self._key:
            return
        self._key = key
        self._refresh()

    def _mine(self) -> pd.DataFrame:
        idx = self._index
        return idx[idx["run"].astype(str).isin([str(r) for r in self.runs])]

    def _nearest(self) -> tuple[tuple[str, int], ...]:
        """Per shown run, the logged sample step nearest to ``step``."""
        if self.step is None:
            return ()
        out = []
        mine = self._mine()
        for run, rows in mine.groupby(mine["run"].astype(str), sort=False):
            steps = np.unique(rows["step"].to_numpy())
            out.append((str(run), int(steps[np.argmin(np.abs(steps - self.step))])))
        return tuple(out)

    def _rows(self, sel: pd.DataFrame) -> pd.DataFrame:
        """The selected index rows with their text, in the order of `sel` (its extra columns kept)."""
        if self._source is None or sel.empty:
            return sel
        runs = pd.unique(sel["run"].astype(str)).tolist()
        steps = pd.unique(sel["step"]).tolist()
        full = self._source.rows(runs, steps)
        keys = ["run", "step", "split", "sample"]
        where = pd.MultiIndex.from_frame(full[keys].astype({"run": str, "split": str})).get_indexer(
            pd.MultiIndex.from_frame(sel[keys].astype({"run": str, "split": str}))
        )
        out = sel.copy()
        for col in ("prompt", "completion"):
            out[col] = full[col].to_numpy()[where]
        return out

    def _select(self) -> pd.DataFrame:
        mine = self._mine()
        if self._finding is not None:
            finding, n = self._finding
            self.set_trait("shown_step", None)
            return self._rows(finding_samples(mine, finding, n=n))  # text of the 2 n rows only
        nearest = self._nearest()
        if self._mode == "range" and self.range is not None:
            first, last = self.range
            sel = mine[(mine["step"] >= first) & (mine["step"] <= last)]
            self.set_trait("shown_step", None)
        elif nearest:
            run_step = pd.MultiIndex.from_arrays([mine["run"].astype(str), mine["step"]])
            sel = mine[run_step.isin(nearest)]
            self.set_trait("shown_step", nearest[0][1])
        else:
            sel = mine.iloc[:0]
            self.set_trait("shown_step", None)
        if not self.search and not self.compare:
            # rank on the index, then read the text of the page shown only
            return self._rows(rank_samples(sel, self.order).head(self.page))
        rows = self._rows(sel)
        if self.search:
            needle = self.search.lower()
            text = [
                needle in (as_text(p) + "\n" + as_text(c)).lower()
                for p, c in zip(rows["prompt"], rows["completion"])
            ]
            rows = rows[np.asarray(text, dtype=bool)]
        return rank_samples(rows, self.order)

    def _refresh(self) -> None:
        rows = self._select()
        if self.compare and len(self.runs) == 2 and self._finding is None:
            self._shown, body = self._side_by_side(rows)
        else:
            self._shown = rows.head(self.page) if self._finding is None else rows
            body = "".join(self._sample_html(r) for _, r in self._shown.iterrows())
        if not len(self._shown):
            body = "<i>no samples here: hover or click a step, or brush a range</i>"
        self.body.value = _STYLE + body

    def _side_by_side(self, rows: pd.DataFrame) -> tuple[pd.DataFrame, str]:
        """Pairs of samples of the two runs that share a prompt, best of each first."""
        a, b = (str(r) for r in self.runs)
        key = rows["prompt"].map(as_text)
        left, right = rows[rows["run"].astype(str) == a], rows[rows["run"].astype(str) == b]
        common = [p for p in pd.unique(key[left.index]) if p in set(key[right.index])]
        shown, cells = [], []
        for prompt in common[: self.page]:
            x, y = (
                left[key[left.index] == prompt].iloc[0],
                right[key[right.index] == prompt].iloc[0],
            )
            shown += [x, y]
            cells.append(
                f"<tr><td colspan=2>{self._text_html(prompt, 'prompt')}</td></tr>"
                f"<tr><td>{self._sample_html(x, prompt=False)}</td>"
                f"<td>{self._sample_html(y, prompt=False)}</td></tr>"
            )
        frame = pd.DataFrame(shown) if shown else rows.iloc[:0]
        head = f"<tr><th>{html.escape(a)}</th><th>{html.escape(b)}</th></tr>"
        return frame, f"<table class='rlx-compare'>{head}{''.join(cells)}</table>"

    def _sample_html(self, row: pd.Series, prompt: bool = True) -> str:
        score = score_column(row.to_frame().T.infer_objects())
        parts = [f"{html.escape(str(row['run']))} · step {int(row['step'])}"]
        if "sample" in row:
            parts.append(f"#{int(row['sample'])}")
        if "split" in row and str(row["split"]) == "eval":
            parts.append("eval")
        if "rank" in row:
            parts.append(html.escape(str(row["rank"])))
        for col in row.index:
            if col in ("run", "step", "sample", "prompt", "completion", "split", "source", "rank"):
                continue
            v = row[col]
            if col in ("completion_chars", "completion_hash") or (
                isinstance(v, float) and np.isnan(v)
            ):
                continue  # index bookkeeping, or a value this run did not log
            if isinstance(v, (float, int, np.number)) and not isinstance(v, bool):
                label = f"<b>{html.escape(str(col))}</b>" if col == score else html.escape(str(col))
                parts.append(f"{label} {float(v):.4g}")
            elif v is not None:
                parts.append(f"{html.escape(str(col))} {html.escape(str(v)[:80])}")
        head = f"<div class='rlx-sample-head'>{' · '.join(parts)}</div>"
        text = self._text_html(as_text(row["prompt"]), "prompt") if prompt else ""
        text += self._text_html(as_text(row["completion"]), "completion")
        return f"<div class='rlx-sample'>{head}{text}</div>"

    def _text_html(self, text: str, label: str) -> str:
        """Escaped text in a ``<pre>`` under its label; beyond ``fold`` characters, folded."""
        cls = f"rlx-sample-text rlx-sample-{label}"
        head = f"<div class='rlx-sample-label'>{label}</div>"
        if len(text) <= self.fold:
            return f"{head}<pre class='{cls}'>{html.escape(text)}</pre>"
        return (
            f"{head}<pre class='{cls}'>{html.escape(text[: self.fold])}…</pre>"
            f"<details><summary>{label}: all {len(text):,} characters</summary>"
            f"<pre class='{cls}'>{html.escape(text)}</pre></details>"
        )
