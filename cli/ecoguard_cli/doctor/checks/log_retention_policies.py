"""Account-level log retention policies (CloudWatch Logs DescribeAccountPolicies, policyType
RETENTION_POLICY): the groups they cover keep the policy's retention whatever PutRetentionPolicy sets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from ecoguard_cli.doctor.model import Row, check
from ecoguard_cli.doctor.verdicts import retention_policies_row

if TYPE_CHECKING:
    from mypy_boto3_logs.literals import PolicyTypeType

    from ecoguard_cli.doctor.deployment import Deployment

RETENTION_POLICY = "RETENTION_POLICY"


@check("log retention policies", order=40)
def account_retention_policies(deployment: Deployment) -> list[Row]:
    logs = deployment.logs
    model = logs.meta.service_model
    if "DescribeAccountPolicies" not in model.operation_names:
        return [retention_policies_row(None)]
    request = model.operation_model("DescribeAccountPolicies").input_shape
    types = getattr(request.members.get("policyType"), "enum", []) if request is not None else []
    if RETENTION_POLICY not in types:
        return [retention_policies_row(None)]
    policies: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs = {"nextToken": token} if token else {}
        page = logs.describe_account_policies(policyType=cast("PolicyTypeType", RETENTION_POLICY), **kwargs)
        policies += [dict(p) for p in page.get("accountPolicies", [])]
        token = page.get("nextToken")
        if not token:
            return [retention_policies_row(policies)]
