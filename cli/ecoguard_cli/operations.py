"""Operator commands on a deployed stack: list the audit trail, restore from a record."""

from __future__ import annotations

from typing import Any

import boto3

from ecoguard.audit import AuditRecord, AuditTrail
from ecoguard.clock import utc_now
from ecoguard.decisions import Mode
from ecoguard.restore import RestoreResult, restore, unit_for


def audit_table_of(session: boto3.session.Session, stack: str) -> str:
    resource = session.client("cloudformation").describe_stack_resource(StackName=stack, LogicalResourceId="AuditTable")
    return str(resource["StackResourceDetail"]["PhysicalResourceId"])


def list_records(session: boto3.session.Session, table: str, guardrail: str | None = None) -> list[dict[str, Any]]:
    trail = AuditTrail(session.client("dynamodb"), table)
    return [as_row(r) for r in sorted(trail.records(guardrail), key=lambda r: r.recorded_at)]


def as_row(record: AuditRecord) -> dict[str, Any]:
    return {
        "recorded_at": record.recorded_at.isoformat(),
        "guardrail": record.guardrail,
        "outcome": record.outcome.value,
        "mode": record.mode.value,
        "resource": record.resource.name,
        "reason": record.reason,
        "before": dict(record.before),
        "after": dict(record.after),
        "error": record.error,
        "action_id": record.action_id,
        "pk": record.pk,
        "sk": record.sk,
    }


def restore_record(session: boto3.session.Session, table: str, action_id: str, *, apply: bool) -> RestoreResult:
    """Restore the resource of the record ``action_id`` (``apply``: for real; else what it would do).

    The operator's only call into the product's restore: ``ecoguard restore`` and the demo both come here.
    """
    trail = AuditTrail(session.client("dynamodb"), table)
    record = trail.find(action_id)
    if record is None:
        raise SystemExit(f"no audit record with action id {action_id} in {table}")

    def client(service: str) -> Any:
        return session.client(service)  # type: ignore[call-overload]

    return restore(
        record, unit=unit_for(record, client), audit=trail, mode=Mode.ENFORCE if apply else Mode.DRY_RUN, clock=utc_now
    )
