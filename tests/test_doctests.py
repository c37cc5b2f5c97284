"""The Examples sections of the public docstrings run as doctests."""

import doctest
import importlib
import pkgutil

import pytest

import rlexplore

SKIP = {"rlexplore.__main__"}
MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(rlexplore.__path__, "rlexplore.")
    if m.name not in SKIP and not m.name.split(".")[-1].startswith("_")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest example(s) failed in {name}"
