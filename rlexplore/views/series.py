"""Moved to :mod:`rlexplore.viewmodel.store`; these names stay importable from here."""

from ..viewmodel.store import STATS, Series, SeriesStore

__all__ = ["STATS", "Series", "SeriesStore"]
