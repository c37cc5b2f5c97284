"""Explorers on the demo datasets, for the in-process widget tests."""

from __future__ import annotations

import pytest

import rlexplore as rlx


@pytest.fixture(scope="module")
def methods_ds():
    return rlx.demo("methods")


@pytest.fixture
def methods(methods_ds):
    ex = rlx.Explorer(methods_ds)
    yield ex
    ex.close()


@pytest.fixture
def dashboard():
    ex = rlx.Explorer(rlx.demo("dashboard"))
    yield ex
    ex.close()


@pytest.fixture
def length():
    ex = rlx.Explorer(rlx.demo("length"), [("response_length/mean", "eval/reproduced_rate")])
    yield ex
    ex.close()
