"""Shared fixtures and helpers for the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = ROOT.parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The folder of real public logs; the test is skipped when it is absent."""
    if not REAL_DATA.is_dir():
        pytest.skip(f"real logs not found at {REAL_DATA}")
    return REAL_DATA
