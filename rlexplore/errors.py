"""The exceptions and warnings rlexplore raises."""

from __future__ import annotations


class RLExploreError(ValueError):
    """Input rlexplore cannot use: the message says which input and what is wrong.

    A subclass of :class:`ValueError`, so ``except ValueError`` catches it too.
    """


class RLExploreWarning(UserWarning):
    """Input rlexplore used, but not all of it: the message says what was skipped."""


def missing_extra(package: str, extra: str) -> RLExploreError:
    """Return the error raised when an optional dependency is not installed."""
    return RLExploreError(
        f"this needs the optional package {package!r}: pip install 'rlexplore[{extra}]'"
    )
