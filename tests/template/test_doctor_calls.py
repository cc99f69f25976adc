"""The doctor's table of calls (ecoguard_cli/doctor/calls.py) against template.yaml's grants, as SAM expands
them, and its sample resources against AWS's IAM definitions: the doctor simulates what the functions
really call, on resources of the kind each action really takes."""

from __future__ import annotations

import pytest

from ecoguard_cli.doctor.calls import (
    EXEMPT_DENIED,
    EXEMPT_TAG,
    FUNCTION_CALLS,
    FUNCTION_SAMPLE_RESOURCE,
    SAMPLE_RESOURCE,
    calls_of,
)
from tests.least_privilege import allowed_actions, expanded_policies
from tools.iam_definitions import Exception_, PolicyStatement, bundled_definitions, check, stale, unexcused

PLACE = {
    "partition": "aws",
    "region": "us-east-1",
    "account": "123456789012",
    "stack": "ecoguard",
    "function": "ecoguard-log-retention",
    "audit_table": "arn:aws:dynamodb:us-east-1:123456789012:table/ecoguard-AuditTable-X",
    "topic": "arn:aws:sns:us-east-1:123456789012:ecoguard-NotificationTopic-X",
    "key": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "record_key": "arn:aws:kms:us-east-1:123456789012:key/5678abcd-12ab-34cd-56ef-1234567890ab",
    "queue": "arn:aws:sqs:us-east-1:123456789012:ecoguard-DeadLetterQueue-X",
    "report_bucket": "ecoguard-reportbucket-x",
    "central_bus": "arn:aws:events:us-east-1:111122223333:event-bus/ecoguard-central",
}


# The doctor simulates each call on the resource the function's request names. GetCostAndUsageWithResources
# names no BillingViewArn, and billingview is an optional resource type for it (the IAM reference, ce; as
# tests/template/test_iam_definitions.py accepts for the template's own grant).
DOCTOR_EXCEPTIONS = [
    Exception_(
        "doctor:ImpactReportFunction[ce:GetCostAndUsageWithResources]",
        "ce:GetCostAndUsageWithResources",
        "star-on-typed-action",
        "the request names no BillingViewArn; billingview is optional for this action (IAM reference, ce)",
    )
]


@pytest.fixture(scope="module")
def granted() -> dict[str, set[str]]:
    return {function: allowed_actions(statements) for function, statements in expanded_policies().items()}


def test_each_functions_calls_are_exactly_what_its_role_is_granted(granted: dict[str, set[str]]) -> None:
    assert set(FUNCTION_CALLS) == set(granted)
    for function, actions in granted.items():
        assert calls_of(function) == frozenset(actions), function


def test_every_call_has_a_sample_resource_of_a_kind_the_action_takes() -> None:
    pairs = {(f, a) for f in FUNCTION_CALLS for a in calls_of(f) or ()}
    assert {a for _, a in pairs} <= set(SAMPLE_RESOURCE)
    statements = [
        PolicyStatement(
            f"doctor:{function}",
            "identity",
            {"Sid": action, "Effect": "Allow", "Action": action,
             "Resource": FUNCTION_SAMPLE_RESOURCE.get((function, action), SAMPLE_RESOURCE[action]).format(**PLACE)},
        )
        for function, action in sorted(pairs)
    ]  # fmt: skip
    findings = check(statements, bundled_definitions())
    assert [str(f) for f in unexcused(findings, DOCTOR_EXCEPTIONS)] == []
    assert stale(findings, DOCTOR_EXCEPTIONS) == []


def test_the_exempt_denied_writes_are_exactly_the_templates_exempt_deny_statements() -> None:
    denied: dict[str, set[str]] = {}
    for function, statements in expanded_policies().items():
        for statement in statements:
            keys = [k for block in statement.get("Condition", {}).values() for k in block]
            if statement["Effect"] == "Deny" and f"aws:ResourceTag/{EXEMPT_TAG}" in keys:
                listed = statement["Action"]
                denied.setdefault(function, set()).update([listed] if isinstance(listed, str) else listed)
    assert {f: frozenset(a) for f, a in denied.items()} == dict(EXEMPT_DENIED)
