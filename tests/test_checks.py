"""CI runs the repository's checks before the tests, and fails when one fails."""

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ["ruff check .", "ruff format --check .", "mypy", "lint-imports"]


def ci_lines():
    return [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]


def test_ci_fails_fast_on_any_check_before_the_tests():
    lines = ci_lines()
    assert "set -euo pipefail" in lines
    tests_at = lines.index("python -m pytest")
    for check in CHECKS:
        assert check in lines, f".ci/run does not run {check!r}"
        assert lines.index(check) < tests_at, f"{check!r} runs after the tests"


def test_every_check_is_configured_and_installed_by_the_test_extra():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    tool = config["tool"]
    assert {"ruff", "mypy", "importlinter"} <= set(tool)
    test_extra = " ".join(config["project"]["optional-dependencies"]["test"])
    for package in ("ruff", "mypy", "import-linter", "pre-commit"):
        assert re.search(rf"\b{package}\b", test_extra), f"the test extra lacks {package}"
    hooks = (ROOT / ".pre-commit-config.yaml").read_text()
    for entry in ("ruff check", "ruff format", "mypy", "lint-imports"):
        assert f"entry: {entry}" in hooks


def test_layer_contract_names_every_package():
    """A new package must be placed in the layers, or import-linter cannot guard it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["type"] == "layers")["layers"]
    named = {m.strip(" ()") for layer in layers for m in re.split(r"[|:]", layer)}
    package = ROOT / "rlexplore"
    children = {
        p.stem for p in package.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()
    }
    children -= {"__init__", "__main__"}  # the facade and `python -m rlexplore`
    missing = sorted(f"rlexplore.{c}" for c in children if f"rlexplore.{c}" not in named)
    assert not missing, f"packages not placed in the layers contract: {missing}"
