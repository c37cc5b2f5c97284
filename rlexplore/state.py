"""The explorer's state: plain, validated Python values and no drawing.

:class:`ExplorerState` is a :class:`traitlets.HasTraits` object holding everything a
person can change in the explorer: smoothing, which runs are visible, the step range,
the panels and their per-panel options. The views observe it and turn it into marks; a
notebook, a test or a teacher can set it directly. This module imports neither
ipywidgets nor bqplot (a test checks this).

A *panel key* names a panel: a metric name (``"actor/kl_loss"``) or a ``(left, right)``
pair of metric names for a dual-axis panel.

Examples
--------
>>> st = ExplorerState(runs=("a", "b"), available_metrics=("loss", "eval/acc"))
>>> st.smoothing = 0.9
>>> st.visible_runs = ["b"]
>>> st.shown_runs
('b',)
>>> st.metrics = ["loss", ("loss", "eval/acc")]
>>> st.metrics
('loss', ('loss', 'eval/acc'))
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any, Union

from traitlets import Any as AnyTrait
from traitlets import Bool, Float, HasTraits, Int, TraitError, Tuple, Unicode, validate

from .errors import RLExploreError
from .transforms.groups import BANDS, CENTERS
from .transforms.smoothing import MAX_WEIGHT, METHODS

PanelKey = Union[str, tuple[str, str]]  # noqa: UP007 - a runtime alias: `|` needs 3.10 types

PANEL_OPTIONS = ("log_scale", "ignore_outliers", "pinned", "expanded")
_METHOD_ALIASES = {
    "ema": "ema",
    "exponential": "ema",
    "gaussian": "gaussian",
    "running_mean": "running_mean",
    "mean": "running_mean",
    "runningmean": "running_mean",
}


class StateError(RLExploreError, TraitError):
    """A value the explorer state cannot hold; the message lists what is valid.

    Both a :class:`ValueError` (through :class:`rlexplore.RLExploreError`) and a
    :class:`traitlets.TraitError`.
    """


def panel_key(entry: Any) -> PanelKey:
    """Normalize a panel entry: a metric name, or a ``(left, right)`` pair of names.

    Examples
    --------
    >>> panel_key(["loss", "eval/acc"])
    ('loss', 'eval/acc')
    """
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Sequence) and len(entry) == 2 and all(isinstance(e, str) for e in entry):
        return (entry[0], entry[1])
    raise StateError(
        f"a panel is a metric name or a (left, right) pair of metric names, got {entry!r}"
    )


def panel_metrics(key: PanelKey) -> tuple[str, ...]:
    """The metric names a panel draws: one, or two for a dual-axis panel."""
    return (key,) if isinstance(key, str) else tuple(key)


def panel_label(key: PanelKey) -> str:
    """A one-line name for a panel: the metric, or ``"left | right"``."""
    return " | ".join(panel_metrics(key))


class ExplorerState(HasTraits):
    """Everything the explorer shows, as validated traits (no widgets, no drawing).

    Parameters
    ----------
    runs : sequence of str
        Every run of the dataset, in dataset order (read-only afterwards).
    available_metrics : sequence of str
        Every metric of the dataset (read-only afterwards).
    **traits
        Initial values of the traits below.

    Attributes
    ----------
    smoothing : float
        TensorBoard's smoothing weight, 0 (none) to 0.999.
    smoothing_method : {"ema", "gaussian", "running_mean"}
        Debiased EMA as TensorBoard's, or a centered Gaussian or running mean whose
        window follows the same weight. ``"EMA"``, ``"Gaussian"``, ``"running mean"``
        are accepted too.
    visible_runs : tuple of str
        The runs switched on (legend, checkboxes), in dataset order.
    run_filter : str
        A regular expression, searched case-insensitively in run names (as
        TensorBoard's run filter); ``""`` matches every run.
    metric_filter : str
        A regular expression, searched case-insensitively in metric names (as
        TensorBoard's tag filter): only panels with a matching metric are shown
        (:attr:`shown_metrics`); ``""`` shows every panel.
    step_range : None or (float, float)
        ``None`` for all steps, else the ``(lo, hi)`` step window every panel shows.
    metrics : tuple of panel keys
        The panels, in order: a metric name, or a ``(left, right)`` pair.
    log_scale, ignore_outliers, pinned, expanded : tuple of panel keys
        The panels with a log y scale; with a y range from the 5th to the 95th
        percentile of what is shown; kept first; drawn full width.
    hover_step : None or float
        The step under the cursor: a vertical rule and a readout in every panel.
    sample_step : None or int
        With samples (``Explorer(ds, samples=df)``): the logged sample step the samples
        view shows, the nearest to ``hover_step``; None when it shows a range or nothing.
    x_axis : str
        ``"step"``, ``"wall_time"``, ``"relative_time"`` or a monotone metric; then
        ``step_range`` and ``hover_step`` are on that axis.
    group_by, group_pattern : str
        Group runs by a run coordinate or a regular expression on names (``""``: no
        grouping); the "runs" of the explorer are then the groups.
    group_center, group_band : str
        ``"mean"`` or ``"median"``; ``"std"``, ``"sem"``, ``"minmax"``, ``"quantile"`` or ``"none"``.
    following : bool
        Whether an explorer opened with ``Explorer.follow`` polls its logs.
    show_raw : bool
        Whether the raw lines are drawn under the smoothed ones.
    """

    runs = Tuple(read_only=True)
    available_metrics = Tuple(read_only=True)
    smoothing = Float(0.6)
    smoothing_method = Unicode("ema")
    visible_runs = AnyTrait(())
    run_filter = Unicode("")
    metric_filter = Unicode("")
    step_range = AnyTrait(None, allow_none=True)
    metrics = AnyTrait(())
    log_scale = AnyTrait(())
    ignore_outliers = AnyTrait(())
    pinned = AnyTrait(())
    expanded = AnyTrait(())
    hover_step = Float(None, allow_none=True)
    sample_step = Int(None, allow_none=True)
    x_axis = Unicode("step")
    group_by = Unicode("")
    group_pattern = Unicode("")
    group_center = Unicode("mean")
    group_band = Unicode("std")
    following = Bool(False)
    show_raw = Bool(True)

    def __init__(
        self, runs: Sequence[str], available_metrics: Sequence[str], **traits: Any
    ) -> None:
        super().__init__()
        self.set_trait("runs", tuple(str(r) for r in runs))
        self.set_trait("available_metrics", tuple(str(m) for m in available_metrics))
        self.visible_runs = self.runs
        self.metrics = self.available_metrics
        for name, value in traits.items():
            if not self.has_trait(name) or name in ("runs", "available_metrics"):
                raise StateError(f"unknown state {name!r}; expected one of {self.settable()}")
            setattr(self, name, value)

    @classmethod
    def settable(cls) -> tuple[str, ...]:
        """The names of the traits one can set."""
        return tuple(n for n in cls.class_trait_names() if n not in ("runs", "available_metrics"))

    # -- derived values ----------------------------------------------------------
    @property
    def shown_runs(self) -> tuple[str, ...]:
        """The visible runs that match :attr:`run_filter`, in dataset order: what is drawn."""
        key = (self.visible_runs, self.run_filter)
        memo = getattr(self, "_shown_memo", None)
        if memo is None or memo[0] != key:
            pattern = re.compile(self.run_filter, re.IGNORECASE)
            visible = set(self.visible_runs)
            memo = (key, tuple(r for r in self.runs if r in visible and pattern.search(r)))
            self._shown_memo = memo
        return memo[1]

    @property
    def shown_metrics(self) -> tuple[PanelKey, ...]:
        """The panels of :attr:`metrics` with a metric matching :attr:`metric_filter`, in order."""
        keys: tuple[PanelKey, ...] = self.metrics
        if not self.metric_filter:
            return keys
        pattern = re.compile(self.metric_filter, re.IGNORECASE)
        return tuple(k for k in keys if any(pattern.search(m) for m in panel_metrics(k)))

    def matches_filter(self, run: str) -> bool:
        """Whether `run` matches :attr:`run_filter`."""
        return re.search(self.run_filter, run, re.IGNORECASE) is not None

    def panel_option(self, option: str, panel: Any) -> bool:
        """Whether `panel` has `option` (one of :data:`PANEL_OPTIONS`) switched on."""
        return panel_key(panel) in getattr(self, _check_option(option))

    # -- changes -------------------------------------------------------------------
    def toggle_run(self, run: str) -> None:
        """Switch `run` on if it is off, off if it is on."""
        on = run not in self.visible_runs
        self.visible_runs = tuple(r for r in self.visible_runs if r != run) + ((run,) if on else ())

    def set_panel_option(self, option: str, panel: Any, on: bool = True) -> None:
        """Switch `option` (``"log_scale"``, ``"ignore_outliers"``, ``"pinned"``, ``"expanded"``) for a panel."""
        name, key = _check_option(option), panel_key(panel)
        current = tuple(k for k in getattr(self, name) if k != key)
        setattr(self, name, current + ((key,) if on else ()))

    def reset_range(self) -> None:
        """Show all steps again."""
        self.step_range = None

    def to_dict(self) -> dict[str, Any]:
        """The state as JSON-ready values (tuples become lists)."""
        out = {name: _jsonable(getattr(self, name)) for name in self.settable()}
        out["shown_runs"] = list(self.shown_runs)
        return out

    # -- validation ----------------------------------------------------------------
    @validate("smoothing")
    def _validate_smoothing(self, proposal: dict[str, Any]) -> Any:
        w = proposal["value"]
        if not (math.isfinite(w) and 0 <= w <= MAX_WEIGHT):
            raise StateError(
                f"smoothing must be in [0, {MAX_WEIGHT}] (TensorBoard's EMA weight), got {w!r}"
            )
        return float(w)

    @validate("smoothing_method")
    def _validate_smoothing_method(self, proposal: dict[str, Any]) -> Any:
        name = re.sub(r"[\s-]+", "_", proposal["value"].strip().lower())
        if _METHOD_ALIASES.get(name) not in METHODS:
            raise StateError(
                f"unknown smoothing method {proposal['value']!r}; expected one of {METHODS}"
            )
        return _METHOD_ALIASES[name]

    @validate("visible_runs")
    def _validate_visible_runs(self, proposal: dict[str, Any]) -> Any:
        names = _names(proposal["value"], "visible_runs")
        _check_known(names, self.runs, "run")
        chosen = set(names)
        return tuple(r for r in self.runs if r in chosen)

    @validate("run_filter", "metric_filter")
    def _validate_filter(self, proposal: dict[str, Any]) -> Any:
        try:
            re.compile(proposal["value"], re.IGNORECASE)
        except re.error as exc:
            raise StateError(
                f"{proposal['trait'].name} is not a valid regular expression ({exc}):"
                f" {proposal['value']!r}"
            ) from None
        return proposal["value"]

    @validate("step_range")
    def _validate_step_range(self, proposal: dict[str, Any]) -> Any:
        return check_step_range(proposal["value"])

    @validate("metrics")
    def _validate_metrics(self, proposal: dict[str, Any]) -> Any:
        keys = _keys(proposal["value"])
        for key in keys:
            _check_known(panel_metrics(key), self.available_metrics, "metric")
        dups = sorted({panel_label(k) for k in keys if keys.count(k) > 1})
        if dups:
            raise StateError(f"each panel may appear once in metrics; repeated: {dups}")
        return keys

    @validate("log_scale", "ignore_outliers", "pinned", "expanded")
    def _validate_panel_options(self, proposal: dict[str, Any]) -> Any:
        return tuple(dict.fromkeys(_keys(proposal["value"])))

    @validate("group_center", "group_band")
    def _validate_group_options(self, proposal: dict[str, Any]) -> Any:
        name, value = proposal["trait"].name, proposal["value"]
        options = CENTERS if name == "group_center" else BANDS
        if value not in options:
            raise StateError(f"unknown {name} {value!r}; expected one of {options}")
        return value

    @validate("group_pattern")
    def _validate_group_pattern(self, proposal: dict[str, Any]) -> Any:
        try:
            re.compile(proposal["value"])
        except re.error as exc:
            raise StateError(
                f"group_pattern is not a valid regular expression ({exc}): {proposal['value']!r}"
            ) from None
        return proposal["value"]

    @validate("hover_step")
    def _validate_hover_step(self, proposal: dict[str, Any]) -> Any:
        step = proposal["value"]
        if step is not None and not math.isfinite(step):
            raise StateError(f"hover_step must be a finite number or None, got {step!r}")
        return step


def check_step_range(value: Any) -> tuple[float, float] | None:
    """Return `value` as ``None`` or a sorted ``(lo, hi)`` tuple of floats, or raise StateError.

    Examples
    --------
    >>> check_step_range([300, 100])
    (100.0, 300.0)
    """
    if value is None:
        return None
    try:
        lo, hi = sorted(float(v) for v in value)
    except (TypeError, ValueError):
        raise StateError(
            f"step_range must be None or a (lo, hi) pair of numbers, got {value!r}"
        ) from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo == hi:
        raise StateError(f"step_range needs two different finite steps, got {value!r}")
    return (lo, hi)


def _check_option(option: str) -> str:
    if option not in PANEL_OPTIONS:
        raise StateError(f"unknown panel option {option!r}; expected one of {PANEL_OPTIONS}")
    return option


def _names(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable) or not all(isinstance(v, str) for v in value):
        raise StateError(f"{what} must be a tuple of names, got {value!r}")
    return tuple(value)


def _keys(value: Any) -> tuple[PanelKey, ...]:
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable):
        raise StateError(
            f"expected a tuple of panels (metric names or (left, right) pairs), got {value!r}"
        )
    return tuple(panel_key(v) for v in value)


def _check_known(names: Iterable[str], valid: tuple[str, ...], what: str) -> None:
    known = set(valid)
    unknown = [n for n in names if n not in known]
    if unknown:
        shown = ", ".join(repr(v) for v in valid[:30]) + (", ..." if len(valid) > 30 else "")
        raise StateError(f"unknown {what}(s) {unknown}; valid {what}s: {shown}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value
