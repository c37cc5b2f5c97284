"""The explorer's view model: from the state and the data to what every panel draws.

:class:`ExplorerModel` owns the :class:`~rlexplore.viewmodel.source.ViewStore` (the runs
or groups on the chosen x axis) and one :class:`~rlexplore.viewmodel.panel.PanelModel`
per panel, and publishes plain data: :class:`~rlexplore.viewmodel.frame.PanelFrame`
per panel, the overview's :class:`~rlexplore.viewmodel.frame.Rows`, the summary table,
the data in view. Before the panels compute, it smooths every series they need at once,
in parallel (:meth:`SeriesStore.smooth`). It imports no widget library.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import xarray as xr

from ..state import PanelKey, panel_metrics
from ..transforms.smoothing import thread_pool
from ..transforms.xaxis import step_range as x_step_range
from ..transforms.xaxis import x_values
from .frame import PanelFrame, PanelView, Rows
from .lines import curve_xy, window
from .panel import PanelModel
from .source import ViewStore

DEFAULT_PLOT_MARGIN = 66  # left + right margin of a panel's figure, in pixels


class ExplorerModel:
    """What an explorer shows, as plain data.

    Parameters
    ----------
    ds : xarray.Dataset
        An rlexplore Dataset.
    **options
        ``x``, ``group_by``, ``group_pattern``, ``center``, ``band``: see
        :class:`~rlexplore.viewmodel.source.ViewStore`.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> model = ExplorerModel(rlx.demo("methods"))
    >>> view = PanelView(shown=("GRPO",), method="ema", weight=0.6, step_range=(0, 100))
    >>> frame = model.frames({"actor/entropy": view})["actor/entropy"]
    >>> frame.sides[0].smoothed.runs, float(frame.sides[0].raw.x[0][-1])
    (('GRPO',), 100.0)
    """

    def __init__(self, ds: xr.Dataset, **options: Any) -> None:
        self.data = ds
        self.source = ViewStore(ds, **options)
        self._panels: dict[PanelKey, PanelModel] = {}
        self._overview: dict[tuple, Rows] = {}
        self.margins: dict[PanelKey, int] = {}

    # -- data --------------------------------------------------------------------------
    def set_data(self, ds: xr.Dataset | None = None, **options: Any) -> None:
        """Draw from `ds` (default: the current data) with these source options."""
        ds = self.data if ds is None else ds
        source = ViewStore(ds, **options)  # raises before anything changes
        self.data, self.source = ds, source
        self._overview.clear()
        for p in self._panels.values():
            p.invalidate()

    @property
    def runs(self) -> tuple[str, ...]:
        """The runs (or groups) the explorer draws."""
        return self.source.runs

    @property
    def metrics(self) -> tuple[str, ...]:
        """Every metric of the data."""
        return self.source.metrics

    @property
    def extent(self) -> tuple[float, float]:
        """The first and last x of the data."""
        return self.source.extent

    @property
    def grouped(self) -> bool:
        """Whether the runs are grouped (the explorer's "runs" are groups)."""
        return self.source.grouped

    @property
    def x_axis(self) -> str:
        """The x axis the source is on."""
        return self.source.x_axis

    def members(self, run: str) -> tuple[str, ...]:
        """The dataset runs behind a run or group of the explorer."""
        return self.source.members.get(run, (run,))

    # -- panels ------------------------------------------------------------------------
    def panel(self, key: PanelKey, margin: int = DEFAULT_PLOT_MARGIN) -> PanelModel:
        """The :class:`PanelModel` of panel `key` (made on first use); `margin` is the
        figure's left plus right margin in pixels.
        """
        if key not in self._panels:
            self.margins[key] = margin
            self._panels[key] = PanelModel(
                key, self._source, functools.partial(self._plot_width, key)
            )
        return self._panels[key]

    def _source(self) -> ViewStore:
        return self.source

    def _plot_width(self, key: PanelKey, width_px: int) -> int:
        return max(1, int(width_px) - self.margins[key])

    def drop(self, keys: Iterable[PanelKey]) -> None:
        """Forget the panels `keys` (they were removed)."""
        for key in keys:
            self._panels.pop(key, None)

    def frames(self, views: Mapping[PanelKey, PanelView]) -> dict[PanelKey, PanelFrame]:
        """The frame of every panel of `views`; series read and smoothed together first."""
        self.prepare(views.values(), [m for key in views for m in panel_metrics(key)])
        jobs = [job for key, view in views.items() for job in self.panel(key).pending(view)]
        if len(jobs) > 8 and any(self._wide(v) for v in views.values()):
            # the compiled downsampling releases the GIL: use every core (on a narrow window
            # the jobs are mostly Python, and threads only take turns)
            workers = os.cpu_count() or 1
            chunks = [jobs[i::workers] for i in range(workers)]
            list(thread_pool().map(lambda chunk: [job() for job in chunk], chunks))
        x_domain = self.x_domain(next(iter(views.values())).step_range) if views else self.extent
        return {key: self.panel(key).frame(view, x_domain) for key, view in views.items()}

    def _wide(self, view: PanelView) -> bool:
        """Whether `view` shows more than a tenth of the steps (its jobs are worth threads)."""
        if view.step_range is None:
            return True
        lo, hi = self.extent
        return hi <= lo or (view.step_range[1] - view.step_range[0]) > 0.1 * (hi - lo)

    def prepare(self, views: Iterable[PanelView], metrics: list[str]) -> None:
        """Read (lazy data: in one computation) and smooth (in parallel) what `views` need."""
        views = list(views)
        runs = tuple(dict.fromkeys(r for v in views for r in v.shown))
        self.source.prefetch(runs, metrics)
        for method, weight in dict.fromkeys((v.method, v.weight) for v in views):
            self.source.smooth([(r, m) for r in runs for m in metrics], method, weight)

    def x_domain(self, step_range: tuple[float, float] | None) -> tuple[float, float]:
        """The x range shown for `step_range` (all of the data for None)."""
        return step_range if step_range is not None else self.extent

    # -- overview, summary, data in view -------------------------------------------------
    def overview(
        self, metric: str | None, shown: tuple[str, ...], method: str, weight: float, width: int
    ) -> Rows:
        """The overview's lines: `metric` smoothed, about one point per pixel column."""
        if metric is None:
            return Rows((), (), ())
        key = (metric, shown, method, weight, width)
        if key not in self._overview:
            self.source.smooth([(r, metric) for r in shown], method, weight)
            pts = [
                curve_xy(*self.source.smoothed(r, metric, method, weight), None, width)
                for r in shown
            ]
            self._overview = {key: Rows(shown, tuple(p[0] for p in pts), tuple(p[1] for p in pts))}
        return self._overview[key]

    def summary(self, runs, metrics, step_range) -> pd.DataFrame:
        """last, min, max and mean of the raw values in `step_range`, per (run, metric)."""
        return self.source.summary(runs, metrics, step_range)

    def panel_data(self, key: PanelKey, view: PanelView) -> pd.DataFrame:
        """Every point in `view`'s step range, full resolution: ``run, metric, step, raw, smoothed``."""
        frames = []
        for metric in panel_metrics(key):
            for run in view.shown:
                steps, raw = self.source.raw(run, metric)
                smoothed = self.source.smoothed(run, metric, view.method, view.weight)[1]
                sel = window(steps, view.step_range)
                frames.append(
                    pd.DataFrame(
                        {
                            "run": run,
                            "metric": metric,
                            "step": steps[sel].astype("int64"),
                            "raw": raw[sel],
                            "smoothed": smoothed[sel],
                        }
                    )
                )
        columns = ["run", "metric", "step", "raw", "smoothed"]
        if not frames:
            return pd.DataFrame(columns=columns)
        return pd.concat(frames, ignore_index=True)[columns]

    def at_step(self, run: str, metric: str, step: float, method: str, weight: float):
        """``(logged step, raw, smoothed)`` nearest to `step`, or None."""
        return self.source.at_step(run, metric, step, method, weight)

    def view_options(self, state: Any, metrics: list[str]) -> dict[str, Any]:
        """The keyword options of :mod:`rlexplore.export` for what `state` shows of `metrics`."""
        runs = [m for g in state.shown_runs for m in self.members(g)]
        steps = None
        if state.step_range is not None and runs:
            lo, hi = state.step_range
            steps = x_step_range(x_values(self.data.sel(run=runs), state.x_axis), lo, hi)
        return dict(
            runs=runs,
            metrics=metrics,
            steps=steps,
            smoothing=state.smoothing,
            method=state.smoothing_method,
        )
