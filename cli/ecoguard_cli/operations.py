"""Operator commands on a deployed stack: list the audit trail, restore from a record."""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from ecoguard.adapters.resource_tags import ResourceTags
from ecoguard.audit import AuditRecord, AuditTrail
from ecoguard.clock import utc_now
from ecoguard.decisions import Mode, Outcome
from ecoguard.policy.document import DEFAULT_FLOOR_DAYS
from ecoguard.record_mac import KmsRecordMac
from ecoguard.restore import RestoreResult, WriteChecks, restore, unit_for
from ecoguard_cli.errors import UserError

# RestoreFunction's Timeout is 60 s (template.yaml); the answer comes once it returns.
RESTORE_READ_TIMEOUT_S = 90


def stack_resource(session: boto3.session.Session, stack: str, logical_id: str) -> str:
    """The physical id of the stack's resource ``logical_id``; a stack that is not there is the user's mistake."""
    try:
        resource = session.client("cloudformation").describe_stack_resource(
            StackName=stack, LogicalResourceId=logical_id
        )
    except ClientError as exc:
        # CloudFormation answers ValidationError "Stack 'x' does not exist" (or "Resource x does not exist for
        # stack y") for a name it does not know in this account and region.
        if exc.response.get("Error", {}).get("Code") == "ValidationError":
            raise UserError(
                f"no ecoguard stack {stack!r} in {session.region_name} ({exc.response['Error'].get('Message', '')}): "
                "check --stack, --region and --profile, or pass --table"
            ) from exc
        raise
    return str(resource["StackResourceDetail"]["PhysicalResourceId"])


def audit_table_of(session: boto3.session.Session, stack: str) -> str:
    return stack_resource(session, stack, "AuditTable")


def record_key_of(session: boto3.session.Session, stack: str) -> str | None:
    """The stack's record key (``AuditRecordKey``), whose MAC every enforce record carries; None for a stack
    deployed before ecoguard signed its records (its RestoreFunction checks nothing either)."""
    try:
        return stack_resource(session, stack, "AuditRecordKey")
    except UserError as exc:
        # CloudFormation answers ValidationError "Resource AuditRecordKey does not exist for stack ..." for a
        # stack without it; a stack that does not exist at all was already refused by audit_table_of.
        if "does not exist for stack" in str(exc):
            return None
        raise


def require_table(session: boto3.session.Session, table: str) -> str:
    """``table``, once DynamoDB says it exists in the session's region."""
    try:
        session.client("dynamodb").describe_table(TableName=table)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            raise UserError(
                f"no audit table {table!r} in {session.region_name}: "
                "check --table (or use --stack), --region and --profile"
            ) from exc
        raise
    return table


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


def find_record(trail: AuditTrail, table: str, action_id: str) -> AuditRecord:
    record = trail.find(action_id)
    if record is None:
        raise UserError(f"no audit record with action id {action_id!r} in {table}: `ecoguard audit` lists the ids")
    return record


def restore_sentence(resource: str, action_id: str, result: RestoreResult) -> str:
    """The outcome in words; the states before and after are in the audit records (`ecoguard audit --json`)."""
    if result.outcome is Outcome.RESTORED:
        return f"restored: {resource} is back as it was before action {action_id}"
    if result.outcome is Outcome.WOULD_APPLY:
        return f"would-apply: {resource} would go back to its state before action {action_id} (--apply does it)"
    return f"{result.outcome.value}: {result.message}"


def restore_record(
    session: boto3.session.Session, table: str, action_id: str, *, apply: bool, record_key: str | None
) -> RestoreResult:
    """Restore the resource of the record ``action_id`` (``apply``: for real; else what it would do).

    The operator's only call into the product's restore: ``ecoguard restore`` and the demo both come here. The
    record's MAC is checked with the stack's ``record_key`` (KMS VerifyMac) as RestoreFunction checks it: a record
    that does not verify is refused (``ecoguard.refusals``). ``record_key`` None: the stack signs no records.
    """
    mac = KmsRecordMac(session.client("kms"), record_key) if record_key else None
    trail = AuditTrail(session.client("dynamodb"), table, mac)
    record = find_record(trail, table, action_id)

    def client(service: str) -> Any:
        return session.client(service)  # type: ignore[call-overload]

    # The checks RestoreFunction makes (ecoguard.restore.WriteChecks), with the default floor: a stack that lowered
    # DestructiveFloorDays restores what is under the default through its function (`--stack`).
    checks = WriteChecks(ResourceTags(client).of, DEFAULT_FLOOR_DAYS)
    mode = Mode.ENFORCE if apply else Mode.DRY_RUN
    return restore(record, unit=unit_for(record, client), audit=trail, mode=mode, clock=utc_now, checks=checks)


def restore_through_function(session: boto3.session.Session, stack: str, action_id: str) -> RestoreResult:
    """``--apply`` on a stack: its RestoreFunction restores, with its own role, the one the audit table lets
    write and sign the stack's records (template.yaml, AuditTable's ResourcePolicy), exactly as
    ``aws lambda invoke`` would. The operator needs only ``lambda:InvokeFunction`` on it."""
    name = stack_resource(session, stack, "RestoreFunction")
    # One attempt, and a read timeout past the function's own (a restore that re-creates an endpoint waits for
    # its calls): a retried Invoke would be a second restore (the second answers "in progress" or "duplicate").
    config = Config(read_timeout=RESTORE_READ_TIMEOUT_S, retries={"total_max_attempts": 1})
    answer = session.client("lambda", config=config).invoke(
        FunctionName=name,
        InvocationType="RequestResponse",
        Payload=json.dumps({"action_id": action_id, "apply": True}).encode(),
    )
    payload = json.loads(answer["Payload"].read() or b"null")
    if answer.get("FunctionError"):
        # Invoke answers 200 with FunctionError set and the error as the payload (Lambda API Reference, Invoke).
        error = payload if isinstance(payload, dict) else {}
        raise UserError(
            f"{name} failed: {error.get('errorType', '?')}: {error.get('errorMessage', '?')} "
            f"(its log group /aws/lambda/{name} has the details)"
        )
    if not isinstance(payload, dict) or payload.get("rejected"):
        reason = payload.get("reason") if isinstance(payload, dict) else payload
        raise UserError(f"{name} rejected the request: {reason}")
    if payload.get("outcome") == "not-found":
        raise UserError(f"{payload.get('message')}: `ecoguard audit --stack {stack}` lists the ids")
    return RestoreResult(
        Outcome(payload["outcome"]), str(payload["message"]), payload.get("not_restored"), payload.get("pending_step")
    )


def stack_policy(session: boto3.session.Session, stack: str) -> tuple[str, int | None]:
    """The stack's policy overrides (its SSM parameter) and its LogRetentionDays, as its functions read them."""
    name = stack_resource(session, stack, "PolicyParameter")
    overrides = session.client("ssm").get_parameter(Name=name)["Parameter"]["Value"]
    [description] = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    days = {p["ParameterKey"]: p.get("ParameterValue") for p in description.get("Parameters", [])}.get(
        "LogRetentionDays"
    )
    return overrides, int(days) if days else None
