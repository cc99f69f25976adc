"""Each function's role may make each call the function makes: iam:SimulatePrincipalPolicy of the calls
(ecoguard_cli/doctor/calls.py) on sample resources, with the request context the role's conditions read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ecoguard_cli.doctor.calls import VIA_SERVICE, calls_of, sample_resource
from ecoguard_cli.doctor.model import Row, Status, check
from ecoguard_cli.doctor.verdicts import Simulated, permission_row

if TYPE_CHECKING:
    from mypy_boto3_iam.type_defs import ContextEntryTypeDef, SimulatePrincipalPolicyRequestTypeDef

    from ecoguard_cli.doctor.deployment import DeployedFunction, Deployment

IDLE_MARK = "ecoguard:idle-since"  # the one tag key the idle-endpoint function adds and removes


def context_entries(deployment: Deployment, via: str = "sns") -> list[ContextEntryTypeDef]:
    """The values the role's conditions read, as each call would carry them (keys the template's
    statements name: aws:ResourceAccount, kms:ViaService (the service ``via`` which a KMS call comes),
    kms:GrantIsForAWSResource, aws:TagKeys, iam:PassedToService, iam:AWSServiceName)."""
    where = deployment.stack_arn
    return [
        {"ContextKeyName": "aws:ResourceAccount", "ContextKeyValues": [where["account"]], "ContextKeyType": "string"},
        {"ContextKeyName": "kms:ViaService", "ContextKeyValues": [f"{via}.{where['region']}.amazonaws.com"],
         "ContextKeyType": "string"},
        {"ContextKeyName": "kms:GrantIsForAWSResource", "ContextKeyValues": ["true"], "ContextKeyType": "boolean"},
        {"ContextKeyName": "aws:TagKeys", "ContextKeyValues": [IDLE_MARK], "ContextKeyType": "stringList"},
        {"ContextKeyName": "iam:PassedToService", "ContextKeyValues": ["sagemaker.amazonaws.com"],
         "ContextKeyType": "string"},
        {"ContextKeyName": "iam:AWSServiceName", "ContextKeyType": "string",
         "ContextKeyValues": ["sagemaker.application-autoscaling.amazonaws.com"]},
    ]  # fmt: skip


def simulate(
    deployment: Deployment,
    function: DeployedFunction,
    actions: frozenset[str],
    extra_context: Sequence[ContextEntryTypeDef] = (),
) -> tuple[list[Simulated], list[str]]:
    place = deployment.place(function)
    by_resource: dict[tuple[str, str], list[str]] = defaultdict(list)
    unsampled = []
    for action in sorted(actions):
        resource = sample_resource(function.logical_id, action, place)
        if resource is None:
            unsampled.append(action)
        else:
            by_resource[resource, VIA_SERVICE.get(action, "sns")].append(action)
    results = []
    for (resource, via), names in sorted(by_resource.items()):
        marker: str | None = None
        while True:
            request: SimulatePrincipalPolicyRequestTypeDef = {
                "PolicySourceArn": function.role_arn,
                "ActionNames": names,
                "ResourceArns": [resource],
                "ContextEntries": [*context_entries(deployment, via), *extra_context],
            }
            if marker:
                request["Marker"] = marker
            page = deployment.iam.simulate_principal_policy(**request)
            results += [
                Simulated(r["EvalActionName"], r.get("EvalResourceName", resource), r["EvalDecision"])
                for r in page["EvaluationResults"]
            ]
            marker = page.get("Marker") if page.get("IsTruncated") else None
            if not marker:
                break
    return results, unsampled


@check("permissions", order=10)
def function_roles_may_make_their_calls(deployment: Deployment) -> list[Row]:
    rows = []
    for function in deployment.functions:
        actions = calls_of(function.logical_id)
        if actions is None:
            rows.append(Row(f"permissions: {function.logical_id}", Status.UNKNOWN, "not a function ecoguard knows"))
            continue
        results, unsampled = simulate(deployment, function, actions)
        rows.append(permission_row(function.logical_id, results, unsampled))
    if not rows:
        rows.append(Row("permissions", Status.FAIL, f"stack {deployment.stack} has no Lambda function",
                        "is this an ecoguard stack? `sam deploy` it first"))  # fmt: skip
    return rows
