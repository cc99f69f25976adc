"""template.yaml: the idle inference functions' routing, lifecycle configuration and restore permissions."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tests.builders.template import FUNCTIONS, RESOURCES, matches, patterns_of
from tests.conftest import REFERENCE_EVENTS, load_event


def test_the_endpoint_rule_takes_in_service_in_both_spellings_and_no_other_status() -> None:
    [pattern] = patterns_of("IdleEndpointFunction")
    aws = json.loads((REFERENCE_EVENTS / "sagemaker-endpoint-state-change.json").read_text())
    assert aws["detail"]["EndpointStatus"] == "IN_SERVICE" and matches(pattern, aws)
    api = load_event("idle_endpoint/sagemaker-endpoint-state-change-api-status.json")
    assert api["detail"]["EndpointStatus"] == "InService" and matches(pattern, api)
    for status in ("CREATING", "Updating", "FAILED", "Deleting", "in_service"):
        other = copy.deepcopy(aws)
        other["detail"]["EndpointStatus"] = status
        assert not matches(pattern, other), status


@pytest.mark.parametrize("path", sorted(REFERENCE_EVENTS.glob("*.json")), ids=lambda p: p.name)
def test_the_endpoint_rule_matches_no_other_aws_event(path: Path) -> None:
    [pattern] = patterns_of("IdleEndpointFunction")
    event = json.loads(path.read_text())
    expected = path.name == "sagemaker-endpoint-state-change.json"
    assert matches(pattern, event) is expected


def test_the_notebook_function_knows_the_stacks_lifecycle_configuration_by_name() -> None:
    config = RESOURCES["NotebookActivityLifecycleConfig"]["Properties"]["NotebookInstanceLifecycleConfigName"]
    env = FUNCTIONS["IdleNotebookFunction"].environment["ECOGUARD_NOTEBOOK_LIFECYCLE_CONFIG"]
    assert env == config == {"Fn::Sub": "${AWS::StackName}-activity"}


def allowed_actions(logical_id: str) -> set[str]:
    actions: set[str] = set()
    for statement in FUNCTIONS[logical_id].properties["Policies"][0]["Statement"]:
        if statement["Effect"] == "Allow":
            listed = statement["Action"]
            actions.update(listed if isinstance(listed, list) else [listed])
    return actions


def test_the_restore_function_may_recreate_endpoints_put_capacities_back_and_start_notebooks() -> None:
    needed = {
        "sagemaker:DescribeEndpoint",
        "sagemaker:DescribeEndpointConfig",
        "sagemaker:ListTags",
        "sagemaker:CreateEndpoint",
        "sagemaker:AddTags",
        "sagemaker:DeleteTags",
        "application-autoscaling:DescribeScalableTargets",
        "application-autoscaling:RegisterScalableTarget",
        "application-autoscaling:DeregisterScalableTarget",
        "sagemaker:DescribeNotebookInstance",
        "sagemaker:StartNotebookInstance",
    }
    assert needed <= allowed_actions("RestoreFunction")


def test_the_guardrails_may_not_delete_or_stop_exempt_resources() -> None:
    for logical_id, action in (
        ("IdleEndpointFunction", "sagemaker:DeleteEndpoint"),
        ("IdleNotebookFunction", "sagemaker:StopNotebookInstance"),
    ):
        denies = [s for s in FUNCTIONS[logical_id].properties["Policies"][0]["Statement"] if s["Effect"] == "Deny"]
        assert any(
            action in s["Action"] and "aws:ResourceTag/ecoguard:exempt" in s["Condition"]["StringEqualsIgnoreCase"]
            for s in denies
        ), logical_id
