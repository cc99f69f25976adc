"""The deploy smoke test's expectations (tests/deploy/expected.py): which resources a stack holds for given
parameter values, from the template's own conditions. Pure: no LocalStack."""

from __future__ import annotations

from typing import Any

import pytest

from tests.deploy.expected import ConditionError, conditional_on, evaluate, expected_resources, retained

TEMPLATE: dict[str, Any] = {
    "Parameters": {"Bus": {"Type": "String", "Default": ""}, "Mode": {"Type": "String", "Default": "dry-run"}},
    "Conditions": {
        "Forwards": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Bus"}, ""]}]},
        "Enforces": {"Fn::Equals": [{"Ref": "Mode"}, "enforce"]},
        "ForwardsAndEnforces": {"Fn::And": [{"Condition": "Forwards"}, {"Condition": "Enforces"}]},
        "Either": {"Fn::Or": [{"Condition": "Forwards"}, {"Condition": "Enforces"}]},
    },
    "Resources": {
        "Table": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain"},
        "Forwarder": {"Type": "AWS::Lambda::Function", "Condition": "Forwards"},
        "Both": {"Type": "AWS::SQS::Queue", "Condition": "ForwardsAndEnforces"},
        "Any": {"Type": "AWS::SNS::Topic", "Condition": "Either"},
    },
}


def test_given_the_defaults_then_only_unconditional_resources_are_expected() -> None:
    assert expected_resources(TEMPLATE, {}) == {"Table": "AWS::DynamoDB::Table"}


def test_given_a_bus_then_the_forwarder_is_expected_and_and_or_combine() -> None:
    assert set(expected_resources(TEMPLATE, {"Bus": "arn"})) == {"Table", "Forwarder", "Any"}
    assert set(expected_resources(TEMPLATE, {"Bus": "arn", "Mode": "enforce"})) == {"Table", "Forwarder", "Both", "Any"}
    assert set(expected_resources(TEMPLATE, {"Mode": "enforce"})) == {"Table", "Any"}


def test_conditional_and_retained_resources_are_read_from_the_template() -> None:
    assert conditional_on(TEMPLATE, "Forwards") == {"Forwarder"}
    assert retained(TEMPLATE) == {"Table"}


def test_an_intrinsic_the_evaluator_does_not_know_is_an_error_not_a_guess() -> None:
    with pytest.raises(ConditionError):
        evaluate({"Fn::Contains": [["a"], "a"]}, {}, {})
    with pytest.raises(ConditionError):
        evaluate({"Fn::Equals": [{"Fn::Select": [0, ["a"]]}, "a"]}, {}, {})
