"""Rules: defaults, a dict of changes, and clear errors."""

import dataclasses

import pytest

import rlexplore as rlx
from rlexplore.diagnostics import Rules
from rlexplore.diagnostics.rules import resolve_rules


def test_defaults_and_dict_of_changes():
    assert resolve_rules(None) == Rules()
    rules = resolve_rules({"entropy_collapse_ratio": 0.25})
    assert (
        rules.entropy_collapse_ratio == 0.25
        and rules.length_collapse_ratio == Rules().length_collapse_ratio
    )
    assert resolve_rules(rules) is rules


def test_every_rule_is_documented():
    doc = Rules.__doc__
    for field in dataclasses.fields(Rules):
        assert field.name in doc, field.name


def test_unknown_rule_names_the_valid_ones():
    with pytest.raises(
        ValueError,
        match=r"unknown rules \['entropy_ratio'\]; expected some of .*entropy_collapse_ratio",
    ):
        rlx.diagnose(rlx.demo("dashboard"), rules={"entropy_ratio": 0.2})


def test_rules_of_the_wrong_type():
    with pytest.raises(ValueError, match="rules must be a Rules, a dict or None, got list"):
        rlx.diagnose(rlx.demo("dashboard"), rules=[0.2])


def test_rules_used_are_recorded():
    found = rlx.diagnose(rlx.demo("dashboard"), rules={"kl_surge_ratio": 3.0})
    assert found.attrs["rules"]["kl_surge_ratio"] == 3.0
    assert found[found.kind == "kl surge"].empty
