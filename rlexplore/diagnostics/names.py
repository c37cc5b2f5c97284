"""What a metric measures, read from its name as RL frameworks spell it.

verl logs ``actor/entropy``, ``actor/kl_loss``, ``response_length/mean``,
``critic/score/mean`` and ``val-core/...``; TRL and the HF Trainer log ``entropy``,
``kl``, ``completions/mean_length``, ``reward`` and ``eval_...`` (``eval/...`` in
TensorBoard). Names are split into lowercase tokens at ``/ _ . - : @ ( )`` and spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

ROLES = ("entropy", "kl", "length", "reward", "eval")

_SPLIT = re.compile(r"[/_.\-\s:@()]+")
# Tokens of settings, spreads and bookkeeping rather than the quantity itself.
_NOT_A_LEVEL = {
    "coef",
    "coeff",
    "ctrl",
    "target",
    "std",
    "max",
    "min",
    "clip",
    "clipped",
    "ratio",
    "frac",
    "fraction",
    "time",
    "timing",
    "runtime",
    "second",
    "seconds",
    "samples",
    "steps",
    "epoch",
    "lr",
    "throughput",
    "count",
    "num",
    "var",
    "terminated",
}
_EVAL_PREFIXES = {"eval", "evaluation", "val", "validation", "test"}
_GENERATED = {"response", "responses", "completion", "completions", "generation", "output"}
_REWARD = {"reward", "rewards", "score", "scores", "return", "returns"}
_LOWER_IS_BETTER = {"loss", "error", "err", "perplexity", "ppl", "wer", "cer", "nll"}


def tokens(name: str) -> list[str]:
    """Lowercase tokens of a metric name.

    Examples
    --------
    >>> tokens("val-core/GSM8K/reward/mean@1")
    ['val', 'core', 'gsm8k', 'reward', 'mean', '1']
    """
    return [t for t in _SPLIT.split(name.lower()) if t]


def metric_role(name: str) -> str | None:
    """The role of a metric from its name: one of :data:`ROLES`, or None.

    Examples
    --------
    >>> [metric_role(n) for n in ("actor/entropy", "actor/kl_loss", "completions/mean_length")]
    ['entropy', 'kl', 'length']
    >>> [metric_role(n) for n in ("critic/score/mean", "eval/reward", "critic/kl_coef")]
    ['reward', 'eval', None]
    """
    tok = tokens(name)
    if not tok or _NOT_A_LEVEL.intersection(tok):
        return None
    if "kl" in tok or "kld" in tok or "divergence" in tok:
        return "kl"
    if "entropy" in tok:
        return "entropy"
    if ("length" in tok or "len" in tok) and _GENERATED.intersection(tok) and "prompt" not in tok:
        return "length"
    if tok[0] in _EVAL_PREFIXES or "test" in tok[:2]:
        return "eval"
    if _REWARD.intersection(tok):
        return "reward"
    return None


def classify(
    metrics: Iterable[str], overrides: Mapping[str, str | None] | None = None
) -> dict[str, str]:
    """Map each metric that has a role to it; `overrides` (metric -> role or None) win.

    Raises
    ------
    ValueError
        An override names a role that is not one of :data:`ROLES`.
    """
    overrides = dict(overrides or {})
    bad = {m: r for m, r in overrides.items() if r not in ROLES and r not in (None, "none")}
    if bad:
        raise ValueError(f"unknown metric roles {bad}; expected one of {ROLES} or None")
    roles = {}
    for metric in metrics:
        role = overrides[metric] if metric in overrides else metric_role(metric)
        if role in ROLES:
            roles[metric] = role
    return roles


def lower_is_better(name: str) -> bool:
    """True for losses, errors and perplexities, where the best value is the smallest.

    Examples
    --------
    >>> lower_is_better("eval/loss"), lower_is_better("eval/accuracy")
    (True, False)
    """
    return bool(_LOWER_IS_BETTER.intersection(tokens(name)))
