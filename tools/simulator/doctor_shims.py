"""Named shims for the moto 5.2.5 gaps ``ecoguard doctor`` meets, installed on one boto3 session (its
``before-call`` hooks answer as AWS does, after botocore has validated the request):

- ``moto_has_no_simulate_principal_policy``: IAM SimulatePrincipalPolicy is not implemented. The shim
  evaluates the role's inline policies (and any extra Deny policy a test adds, standing in for an SCP or a
  permissions boundary) with IAM's evaluation logic reduced to what ecoguard's policies use: Action and
  Resource wildcards, and the condition operators StringEquals, StringEqualsIgnoreCase, StringLike,
  ForAllValues:StringEquals, Null and Bool. A key the request's context lacks makes a condition false
  (IAM User Guide, "Condition element": "If the key ... is not present in the request context, ... false").
  An explicit Deny wins, then an Allow; else implicitDeny (IAM User Guide, "Policy evaluation logic").
  Any other operator raises, so a policy the shim cannot judge is never judged wrongly.
- ``moto_cfn_role_policy_is_a_python_repr``: roles that moto's CloudFormation creates hold their inline
  policies as Python reprs, not JSON; the shim reads either.
- ``moto_has_no_get_bucket_abac``: S3 GetBucketAbac is not implemented; the shim answers each bucket's
  status from ``DoctorAccount.abac`` (Disabled unless set: ABAC is off by default, S3 User Guide,
  "Enabling ABAC in general purpose buckets").
- ``moto_has_no_account_policies``: CloudWatch Logs DescribeAccountPolicies is not implemented; the shim
  answers ``DoctorAccount.account_policies`` of the requested type.
"""

from __future__ import annotations

import ast
import fnmatch
import json
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse, HTTPHeaders
from moto.iam.models import iam_backends

ACCOUNT = "123456789012"
API_PARAMS = "moto_doctor_shim_params"


@dataclass
class DoctorAccount:
    """What the shims answer: buckets with ABAC on, account-level log policies, extra Denies per role."""

    abac: dict[str, str] = field(default_factory=dict)
    account_policies: list[dict[str, Any]] = field(default_factory=list)
    extra_denies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # role name -> statements


def _document(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    try:
        parsed: dict[str, Any] = json.loads(text)
    except json.JSONDecodeError:
        parsed = ast.literal_eval(text)  # moto_cfn_role_policy_is_a_python_repr
    return parsed


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _context_value(context: dict[str, list[str]], key: str) -> list[str] | None:
    for name, values in context.items():
        if name.lower() == key.lower():
            return values
    return None


def _condition_holds(operator: str, key: str, expected: Any, context: dict[str, list[str]]) -> bool:
    present = _context_value(context, key)
    wanted = [str(v) for v in _listed(expected)]
    if operator == "Null":
        return (present is None) == (wanted[0].lower() == "true")
    if present is None:
        return False
    if operator == "StringEquals":
        return any(p in wanted for p in present)
    if operator == "StringEqualsIgnoreCase":
        return any(p.lower() in [w.lower() for w in wanted] for p in present)
    if operator == "StringLike":
        return any(fnmatch.fnmatchcase(p, w) for p in present for w in wanted)
    if operator == "ForAllValues:StringEquals":
        return all(p in wanted for p in present)
    if operator == "Bool":
        return any(p.lower() == w.lower() for p in present for w in wanted)
    raise NotImplementedError(f"moto_has_no_simulate_principal_policy: condition operator {operator}")


def _applies(statement: dict[str, Any], action: str, resource: str, context: dict[str, list[str]]) -> bool:
    actions = _listed(statement.get("Action", []))
    if not any(fnmatch.fnmatchcase(action.lower(), str(a).lower()) for a in actions):
        return False
    if not any(fnmatch.fnmatchcase(resource, str(r)) for r in _listed(statement.get("Resource", "*"))):
        return False
    conditions = statement.get("Condition") or {}
    return all(
        _condition_holds(operator, key, expected, context)
        for operator, block in conditions.items()
        for key, expected in block.items()
    )


def decision(statements: list[dict[str, Any]], action: str, resource: str, context: dict[str, list[str]]) -> str:
    matching = [s for s in statements if _applies(s, action, resource, context)]
    if any(s["Effect"] == "Deny" for s in matching):
        return "explicitDeny"
    return "allowed" if matching else "implicitDeny"


def role_statements(role_arn: str, account: DoctorAccount) -> list[dict[str, Any]]:
    name = role_arn.rsplit("/", 1)[-1]
    role = iam_backends[ACCOUNT]["global"].get_role(name)
    statements = [s for doc in role.policies.values() for s in _listed(_document(doc).get("Statement", []))]
    return statements + account.extra_denies.get(name, [])


def _simulate(account: DoctorAccount, params: dict[str, Any]) -> dict[str, Any]:
    statements = role_statements(params["PolicySourceArn"], account)
    context = {e["ContextKeyName"]: list(e["ContextKeyValues"]) for e in params.get("ContextEntries", [])}
    results = [
        {"EvalActionName": action, "EvalResourceName": resource,
         "EvalDecision": decision(statements, action, resource, context)}
        for action in params["ActionNames"]
        for resource in params.get("ResourceArns", ["*"])
    ]  # fmt: skip
    return {"EvaluationResults": results, "IsTruncated": False}


def install(session: boto3.session.Session, account: DoctorAccount) -> None:
    """Answer the operations moto lacks, for every client ``session`` makes from now on."""

    def answer(parsed: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
        return AWSResponse("", 200, HTTPHeaders(), None), parsed

    def keep(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[API_PARAMS] = dict(params)  # before-call sees the serialized request, not the parameters

    def simulate(context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        return answer(_simulate(account, context[API_PARAMS]))

    def abac(context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        return answer({"AbacStatus": {"Status": account.abac.get(context[API_PARAMS]["Bucket"], "Disabled")}})

    def policies(context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        wanted = context[API_PARAMS]["policyType"]
        return answer({"accountPolicies": [p for p in account.account_policies if p["policyType"] == wanted]})

    for event, handler in (
        ("iam.SimulatePrincipalPolicy", simulate),
        ("s3.GetBucketAbac", abac),
        ("cloudwatch-logs.DescribeAccountPolicies", policies),
    ):
        session.events.register(f"before-parameter-build.{event}", keep)
        session.events.register(f"before-call.{event}", handler)  # type: ignore[arg-type]  # a reply ends the call
