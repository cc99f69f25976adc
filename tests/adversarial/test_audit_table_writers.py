"""Attack 1c: another principal of the account writes or deletes audit records. Signed records make a forged or
altered one refused (test_forged_audit_records.py), but a principal whose identity policy allows
``dynamodb:PutItem`` or ``DeleteItem`` on the table could still fill it with forgeries or erase the trail.

Control: the audit table's resource-based policy (template.yaml, ``AuditTable.ResourcePolicy``) denies every
write to any principal that is not a role under the stack's own path ``/ecoguard/<stack>/`` (``Globals.Function.
RolePath``), and ``DeleteItem`` to any role not under ``/ecoguard/<stack>/state/``: the three functions that delete
their own state items. A Deny in a resource-based policy binds every principal whatever its identity policy
allows (IAM User Guide, "Policy evaluation logic"). moto does not evaluate DynamoDB resource policies, so the
attack is evaluated here on the policy the template deploys: ``ArnNotLike`` compares each of an ARN's six
colon-separated parts with ``*`` and ``?`` wildcards (IAM User Guide, "ARN condition operators").
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

import pytest

from tests.builders.template import FUNCTIONS, RESOURCES, TEMPLATE, actions_of

ACCOUNT = "123456789012"
STACK = "ecoguard"
PSEUDO = {"AWS::Partition": "aws", "AWS::AccountId": ACCOUNT, "AWS::StackName": STACK, "AWS::Region": "us-east-1"}
WRITES = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQLInsert")


def resolved(value: Any) -> Any:
    """``Fn::Sub`` of the pseudo parameters (the only intrinsic the policy uses)."""
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        text = value["Fn::Sub"]
        for name, replacement in PSEUDO.items():
            text = text.replace("${" + name + "}", replacement)
        return text
    if isinstance(value, list):
        return [resolved(v) for v in value]
    return value


def arn_like(arn: str, pattern: str) -> bool:
    parts, wanted = arn.split(":", 5), pattern.split(":", 5)
    return len(parts) == len(wanted) and all(fnmatchcase(p, w) for p, w in zip(parts, wanted, strict=True))


def denied(principal_arn: str, action: str) -> bool:
    """Whether the table's resource policy denies ``action`` to a role or user ``principal_arn``."""
    for statement in RESOURCES["AuditTable"]["Properties"]["ResourcePolicy"]["PolicyDocument"]["Statement"]:
        if statement["Effect"] != "Deny" or action not in actions_of(statement):
            continue
        [(operator, condition)] = statement["Condition"].items()
        assert operator == "ArnNotLike"
        patterns = resolved(condition["aws:PrincipalArn"])
        patterns = patterns if isinstance(patterns, list) else [patterns]
        if not any(arn_like(principal_arn, p) for p in patterns):
            return True
    return False


def role_arn(logical_id: str) -> str:
    """The role SAM creates for a function: under its RolePath, named by CloudFormation."""
    path = resolved(FUNCTIONS[logical_id].properties.get("RolePath", TEMPLATE["Globals"]["Function"]["RolePath"]))
    return f"arn:aws:iam::{ACCOUNT}:role{path}{STACK}-{logical_id}Role-AbC123dEf456"


OUTSIDERS = (
    f"arn:aws:iam::{ACCOUNT}:role/other-team-pipeline",
    f"arn:aws:iam::{ACCOUNT}:user/operator",
    f"arn:aws:iam::{ACCOUNT}:role/ecoguard/{STACK}-other/{STACK}-LogRetentionFunctionRole-X",  # another stack
    f"arn:aws:iam::{ACCOUNT}:role/ecoguard-LogRetentionFunctionRole-X",  # the name, not the path
)


@pytest.mark.parametrize("principal", OUTSIDERS)
@pytest.mark.parametrize("action", [*WRITES, "dynamodb:DeleteItem", "dynamodb:PartiQLDelete"])
def test_given_a_principal_outside_the_stack_when_it_writes_or_deletes_a_record_then_the_table_denies_it(
    principal: str, action: str
) -> None:
    assert denied(principal, action)


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_function_of_the_stack_may_write_the_records_its_role_grants(logical_id: str) -> None:
    for action in WRITES:
        assert not denied(role_arn(logical_id), action), action


def deletes(logical_id: str) -> bool:
    statements = FUNCTIONS[logical_id].properties.get("Policies", [{}])[0].get("Statement", [])
    return any("dynamodb:DeleteItem" in actions_of(s) for s in statements if s["Effect"] == "Allow")


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_only_the_functions_granted_delete_item_may_delete_and_every_other_is_denied(logical_id: str) -> None:
    assert denied(role_arn(logical_id), "dynamodb:DeleteItem") is not deletes(logical_id)


def test_the_state_keepers_are_exactly_the_idle_endpoint_idle_compute_and_serving_advisor_functions() -> None:
    assert {f for f in FUNCTIONS if deletes(f)} == {
        "IdleEndpointFunction",
        "IdleComputeFunction",
        "ServingAdvisorFunction",
        "BedrockThroughputFunction",  # its idle notices
    }
