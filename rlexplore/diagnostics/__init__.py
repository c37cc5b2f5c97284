"""Training diagnostics: find collapse, blow-ups and the best checkpoint in training runs.

:func:`diagnose` runs every rule; :class:`Rules` holds their thresholds;
:mod:`~rlexplore.diagnostics.names` decides from metric names which metrics are entropy,
KL, length, reward or eval. Pure functions on the dataset: no widgets here.
"""

from .diagnose import diagnose
from .findings import COLUMNS, KINDS, SEVERITIES, Finding
from .names import ROLES, classify, metric_role
from .rules import Rules

__all__ = [
    "COLUMNS",
    "KINDS",
    "ROLES",
    "SEVERITIES",
    "Finding",
    "Rules",
    "classify",
    "diagnose",
    "metric_role",
]
