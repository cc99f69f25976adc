"""The exempt Deny holds: each write a function's role denies on a resource tagged ecoguard:exempt=true is
simulated with that tag in the request context, and must come back explicitDeny."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecoguard_cli.doctor.calls import EXEMPT_DENIED, EXEMPT_TAG
from ecoguard_cli.doctor.checks.permissions import simulate
from ecoguard_cli.doctor.model import Row, check
from ecoguard_cli.doctor.verdicts import exempt_deny_row

if TYPE_CHECKING:
    from mypy_boto3_iam.type_defs import ContextEntryTypeDef

    from ecoguard_cli.doctor.deployment import Deployment

EXEMPT: list[ContextEntryTypeDef] = [
    {"ContextKeyName": f"aws:ResourceTag/{EXEMPT_TAG}", "ContextKeyValues": ["true"], "ContextKeyType": "string"}
]


@check("exempt deny", order=15)
def exempt_resources_are_denied(deployment: Deployment) -> list[Row]:
    rows = []
    for function in deployment.functions:
        denied = EXEMPT_DENIED.get(function.logical_id)
        if denied:
            results, _ = simulate(deployment, function, denied, EXEMPT)
            rows.append(exempt_deny_row(function.logical_id, results))
    return rows
