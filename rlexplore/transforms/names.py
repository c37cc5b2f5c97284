"""What the names of runs and metrics say: short run labels, bands, x-like columns, summaries.

Pure functions on names (and, for end-of-training scalars, on point counts), used to
plan a page of panels from a real log tree:

* :func:`short_names` keeps the part of each run name that tells the runs apart
  (``gates_1_2/logs/gate1_adq_seed42`` becomes ``gate1_adq_seed42``);
* :func:`band_pairs` finds W&B exports' ``<m>__MIN`` / ``<m>__MAX`` columns, drawn as a
  band around ``<m>``, never as panels of their own;
* :func:`is_x_like` tells columns that are an x axis (``_step``, ``_step__MIN``,
  ``Relative Time (Process)``, ``_runtime``) from metrics;
* :func:`end_scalars` finds metrics logged once per run at the end of training
  (``train/train_runtime``): summary values, not dot panels;
* :func:`plan_metrics` puts these together: which metrics become panels.

Examples
--------
>>> short_names(["gates/logs/gate1_seed42", "gates/logs/gate2_seed43"])
{'gates/logs/gate1_seed42': 'gate1_seed42', 'gates/logs/gate2_seed43': 'gate2_seed43'}
>>> band_pairs(["loss", "loss__MIN", "loss__MAX", "kl"])
{'loss': ('loss__MIN', 'loss__MAX')}
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

MIN_SUFFIX, MAX_SUFFIX = "__MIN", "__MAX"
_X_LIKE = re.compile(
    r"^(_step|_runtime|_timestamp|global_step|Step|Relative Time \(.*\)|Wall Time)(__MIN|__MAX)?$",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[-_ .]+")


def short_names(runs: Sequence[str]) -> dict[str, str]:
    """Each run's name reduced to the part that distinguishes it from the others.

    The fewest trailing path components (``/``-separated) that keep the names apart,
    then without the words (split at ``-``, ``_``, space or ``.``) that every name
    starts or ends with (case-insensitively; a shared trailing number stays, it may be
    part of a value such as ``lr3e-6``). A name that would come out empty or equal
    to another's is kept whole.

    Examples
    --------
    >>> short_names(["Qwen2.5-0.5B-Instruct-GRPO-n64", "qwen2.5-0.5b-instruct-TreeRL"])
    {'Qwen2.5-0.5B-Instruct-GRPO-n64': 'GRPO-n64', 'qwen2.5-0.5b-instruct-TreeRL': 'TreeRL'}
    """
    names = list(dict.fromkeys(runs))
    if len(names) < 2:
        return {n: n.rsplit("/", 1)[-1] or n for n in names}
    tails = _distinct_tails(names)
    trimmed = _trim_common_words(list(tails.values()))
    if len(set(trimmed)) == len(trimmed) and all(trimmed):
        return dict(zip(names, trimmed, strict=True))
    return tails


def _distinct_tails(names: list[str]) -> dict[str, str]:
    depth = max(n.count("/") for n in names) + 1
    for k in range(1, depth + 1):
        tails = ["/".join(n.split("/")[-k:]) for n in names]
        if len(set(tails)) == len(tails) and all(tails):
            return dict(zip(names, tails, strict=True))
    return {n: n for n in names}


def _trim_common_words(names: list[str]) -> list[str]:
    """Drop the leading and trailing words (with their separators) all `names` share."""
    splits = [_words(n) for n in names]
    head = _common_count([[w.lower() for w, _ in s] for s in splits])
    rest = [s[head:] for s in splits]
    tail = _common_count([[w.lower() for w, _ in reversed(s)] for s in rest])
    # a shared number at the end is part of a value ("lr3e-6", "beta-0.1"): keep it
    while tail and not any(c.isalpha() for c in rest[0][len(rest[0]) - tail][0]):
        tail -= 1
    out = []
    for s in rest:
        kept = s[: len(s) - tail] if tail else s
        text = "".join(w + sep for w, sep in kept)
        out.append(text.rstrip("-_ ."))
    return out


def _words(name: str) -> list[tuple[str, str]]:
    """`name` as (word, separator after it) pairs; the pairs join back to `name`."""
    parts = _TOKEN.split(name)
    seps = _TOKEN.findall(name) + [""]
    return list(zip(parts, seps, strict=False))


def _common_count(lists: list[list[str]]) -> int:
    """How many leading items every list shares (never all of the shortest)."""
    shortest = min(len(x) for x in lists)
    count = 0
    while count < shortest - 1 and len({x[count] for x in lists}) == 1:
        count += 1
    return count


def band_pairs(metrics: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``{m: (m__MIN, m__MAX)}`` for every `m` whose two columns are both present.

    `m` itself need not be present (:func:`plan_metrics` then keeps the two as panels).
    """
    names = set(metrics)
    return {
        name[: -len(MIN_SUFFIX)]: (name, name[: -len(MIN_SUFFIX)] + MAX_SUFFIX)
        for name in sorted(names)
        if name.endswith(MIN_SUFFIX) and name[: -len(MIN_SUFFIX)] + MAX_SUFFIX in names
    }


def is_x_like(metric: str) -> bool:
    """Whether `metric` is an x axis logged as a column (a step, a clock), not a metric.

    Examples
    --------
    >>> [is_x_like(m) for m in ("_step__MIN", "Relative Time (Process)", "train/loss")]
    [True, True, False]
    """
    return _X_LIKE.match(metric) is not None


MIN_SERIES = 10  # a log whose longest series is shorter may just have begun: no scalars yet


def end_scalars(counts: Mapping[str, int]) -> list[str]:
    """The metrics logged at most once by every run (`counts`: the most points any run has).

    Only when another metric has at least :data:`MIN_SERIES` points: at the start of a
    training job every metric has one point, and none is an end-of-training value.

    Examples
    --------
    >>> end_scalars({"train/loss": 200, "train/train_runtime": 1})
    ['train/train_runtime']
    >>> end_scalars({"train/loss": 1, "train/kl": 1})
    []
    """
    if max(counts.values(), default=0) < MIN_SERIES:
        return []
    return [m for m, n in counts.items() if 0 < n <= 1]


@dataclass(frozen=True)
class MetricPlan:
    """How a dataset's metrics are shown.

    Attributes
    ----------
    panels : tuple of str
        The metrics drawn as panels, in dataset order.
    bands : dict
        ``{m: (m__MIN, m__MAX)}``: drawn as a band around `m`'s lines.
    x_like : tuple of str
        Columns offered as x axes.
    scalars : tuple of str
        One value per run: shown in the summary.
    """

    panels: tuple[str, ...]
    bands: dict[str, tuple[str, str]]
    x_like: tuple[str, ...]
    scalars: tuple[str, ...]


def plan_metrics(metrics: Sequence[str], counts: Mapping[str, int] | None = None) -> MetricPlan:
    """Sort `metrics` into panels, bands, x-like columns and end-of-training scalars.

    Parameters
    ----------
    metrics : sequence of str
        Every metric name, in dataset order.
    counts : mapping, optional
        The most points any run logged of each metric (for :func:`end_scalars`).

    Examples
    --------
    >>> plan = plan_metrics(["_step__MIN", "_step__MAX", "kl", "kl__MIN", "kl__MAX", "runtime"],
    ...                     {"runtime": 1, "kl": 90})
    >>> plan.panels, plan.x_like, plan.scalars
    (('kl',), ('_step__MIN', '_step__MAX'), ('runtime',))
    """
    x_like = tuple(m for m in metrics if is_x_like(m))
    present = set(metrics)
    # A pair without its centre metric stays as panels: there is no line to band.
    bands = {m: p for m, p in band_pairs(metrics).items() if m in present and not is_x_like(m)}
    in_bands = {c for pair in bands.values() for c in pair}
    scalars = set(end_scalars(counts or {}))
    panels = tuple(
        m for m in metrics if m not in in_bands and m not in scalars and not is_x_like(m)
    )
    return MetricPlan(
        panels=panels,
        bands=bands,
        x_like=x_like,
        scalars=tuple(m for m in metrics if m in scalars and not is_x_like(m)),
    )
