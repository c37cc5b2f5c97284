"""The samples behind the curves: prompts, completions and rewards the trainers wrote.

:func:`load_samples` reads TRL, verl and W&B sample files under a log tree into one long
table; :func:`sample_metrics` turns it into curves (reward quantiles, completion lengths,
empty / truncated / duplicate fractions) in an rlexplore Dataset; :func:`finding_samples`
gives the samples behind a finding of :func:`rlexplore.diagnose`; :class:`SampleSource`
reads the text of the rows asked for only, for dumps larger than memory.
"""

from .findings import finding_samples, rank_samples
from .load import load_samples, match_runs, samples_for, samples_report
from .metrics import sample_metrics, sample_runs
from .source import SampleSource, open_samples
from .text import as_text

__all__ = [
    "SampleSource",
    "as_text",
    "finding_samples",
    "load_samples",
    "match_runs",
    "open_samples",
    "rank_samples",
    "sample_metrics",
    "sample_runs",
    "samples_for",
    "samples_report",
]
