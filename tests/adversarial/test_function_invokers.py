"""Attack 5b: another rule, another account, or anyone feeds a function events. A function whose resource-based
policy admitted ``events.amazonaws.com`` without a ``SourceArn``, or any other principal, could be sent "AWS-authored"
events by any EventBridge rule of the account (another team's rule targeting it) or from elsewhere.

Control: each function's resource-based policy, as SAM deploys it (aws-sam-translator's expansion of template.yaml),
admits only ``events.amazonaws.com`` invoking it from one of its own rules or schedules (``SourceArn`` the rule's
ARN): a rule that is not the function's own matches no statement, so EventBridge may not invoke it (Lambda
Developer Guide, "Resource-based policy"). Its continuation is its own role's identity grant (``ContinueSweep``),
and RestoreFunction's only one is its own schedule, which finishes the steps of restores an operator applied
(ecoguard.restore.finish_pending_steps) and can request no restore. Not covered here: a principal of the account whose
identity policy allows ``lambda:InvokeFunction`` (a Lambda resource-based policy grants; it cannot deny): see
docs/THREAT_MODEL.md, known gaps.
"""

from __future__ import annotations

import json
import os
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.builders.template import FUNCTIONS
from tests.least_privilege import ROOT


@cache
def deployed() -> dict[str, Any]:
    sam = Path(os.environ.get("SAM_CLI") or ROOT / ".venv-sam" / "bin" / "sam")
    output = subprocess.run(
        [str(sam.parent / "python"), str(ROOT / "tools" / "sam_expand.py"), "--invoke-permissions"],
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout  # fmt: skip
    result: dict[str, Any] = json.loads(output)
    return result


def permissions_of(function: str) -> list[dict[str, Any]]:
    return [p for p in deployed()["permissions"].values() if p["FunctionName"] == {"Ref": function}]


def may_invoke(function: str, principal: str, source_arn_logical_id: str | None) -> bool:
    """Whether a statement of the function's resource-based policy admits this caller."""
    for permission in permissions_of(function):
        source = permission.get("SourceArn")
        if permission["Principal"] == principal and (
            source is None or source == {"Fn::GetAtt": [source_arn_logical_id, "Arn"]}
        ):
            return True
    return False


def own_rules(function: str) -> list[str]:
    return [f"{function}{name}" for name, event in FUNCTIONS[function].events.items()
            if event["Type"] in ("EventBridgeRule", "Schedule")]  # fmt: skip


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_given_a_rule_that_is_not_the_functions_own_then_it_may_not_invoke_the_function(function: str) -> None:
    assert not may_invoke(function, "events.amazonaws.com", "OtherTeamsRule")
    assert not may_invoke(function, "events.amazonaws.com", None)
    for rule in (r for other in FUNCTIONS if other != function for r in own_rules(other)):
        assert not may_invoke(function, "events.amazonaws.com", rule), rule


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_each_permission_admits_only_eventbridge_from_one_of_the_functions_own_rules(function: str) -> None:
    permissions = permissions_of(function)
    assert len(permissions) == len(own_rules(function))
    for permission in permissions:
        assert permission["Action"] == "lambda:InvokeFunction"
        assert permission["Principal"] == "events.amazonaws.com"
        [rule, attribute] = permission["SourceArn"]["Fn::GetAtt"]
        assert attribute == "Arn" and rule in own_rules(function)
        assert deployed()["types"][rule] == "AWS::Events::Rule"
    for rule in own_rules(function):
        assert may_invoke(function, "events.amazonaws.com", rule)


def test_the_restore_function_may_be_invoked_by_its_own_schedule_only() -> None:
    assert own_rules("RestoreFunction") == ["RestoreFunctionFinishPendingSteps"]
    [permission] = permissions_of("RestoreFunction")
    assert permission["SourceArn"] == {"Fn::GetAtt": ["RestoreFunctionFinishPendingSteps", "Arn"]}
