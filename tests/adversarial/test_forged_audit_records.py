"""Attack 1: a forged audit record makes the restore a confused deputy. The restore trusts the record's
``before`` and checks only that the resource matches its ``after``, which the forger also writes. Any principal
that can write the audit table (every guardrail role could) had RestoreFunction write what it chose.

Control: each enforce record carries an HMAC of the fields the restore and the settle act on (the stack's KMS
key ``AuditRecordKey``: GenerateMac when written, VerifyMac in the restore; ``ecoguard/record_mac.py``); a record
that does not verify is refused and the refusal recorded (``ecoguard/refusals.py``), by the restore and by the
settle alike.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3

from ecoguard.audit import AuditRecord
from ecoguard.clock import utc_now
from ecoguard.decisions import Mode, Outcome, Resource
from tests.conftest import REGION, Stack, load_event
from tools.simulator.seed import retention_snapshot, seed_log_groups

FN = "RestoreFunction"
GROUP = "/aws/lambda/echoapi"
ENFORCE = {"ECOGUARD_MODE": "enforce"}


def table(stack: Stack) -> tuple[Any, str]:
    return boto3.client("dynamodb", region_name=REGION), stack.resolver.refs["AuditTable"]


def applied_record(stack: Stack) -> AuditRecord:
    seed_log_groups()
    stack.invoke("LogRetentionFunction", load_event("log_retention/scheduled-sweep.json"), env=ENFORCE)
    record = next(r for r in stack.records() if r.resource.name == GROUP)
    assert record.outcome is Outcome.APPLIED and retention_snapshot()[GROUP] == 30
    return record


def test_given_an_applied_records_before_state_altered_then_the_restore_refuses_and_changes_nothing(
    stack: Stack,
) -> None:
    record = applied_record(stack)
    db, name = table(stack)
    item = db.get_item(TableName=name, Key={"pk": {"S": record.pk}, "sk": {"S": record.sk}})["Item"]
    item["before"] = {"S": json.dumps({"retentionInDays": 1})}  # "put back" a 1-day retention: a data wiper
    db.put_item(TableName=name, Item=item)
    [done] = stack.invoke(FN, {"action_id": record.action_id, "apply": True})
    assert done["outcome"] == "failed" and "does not verify" in done["message"]
    assert retention_snapshot()[GROUP] == 30
    refusals = [r for r in stack.records() if r.action == f"refused:{record.action}"]
    assert [r.outcome for r in refusals] == [Outcome.FAILED]


def test_given_a_record_written_by_someone_else_then_the_restore_refuses_it(stack: Stack) -> None:
    genuine = applied_record(stack)
    forged = AuditRecord(
        guardrail="log-retention",
        resource=Resource(f"arn:aws:logs:{REGION}:123456789012:log-group:{GROUP}", GROUP, "AWS::Logs::LogGroup"),
        action=genuine.action,
        trigger_id="forged",
        trigger="forged",
        outcome=Outcome.APPLIED,
        mode=Mode.ENFORCE,
        reason="forged",
        before={"retentionInDays": 1},
        after={"retentionInDays": 30},
        recorded_at=utc_now() - timedelta(hours=1),
        ttl_days=30,
    )
    db, name = table(stack)
    db.put_item(TableName=name, Item=forged.to_item())  # what any role with dynamodb:PutItem on the table can do
    [done] = stack.invoke(FN, {"action_id": forged.action_id, "apply": True})
    assert done["outcome"] == "failed" and "carries no MAC" in done["message"]
    assert retention_snapshot()[GROUP] == 30


def test_given_a_genuine_record_then_the_restore_still_restores(stack: Stack) -> None:
    record = applied_record(stack)
    [done] = stack.invoke(FN, {"action_id": record.action_id, "apply": True})
    assert done["outcome"] == "restored" and retention_snapshot()[GROUP] is None


def test_given_a_forged_pending_record_then_the_settle_refuses_it_and_records_the_refusal(stack: Stack) -> None:
    genuine = applied_record(stack)
    forged = AuditRecord(
        guardrail=genuine.guardrail,
        resource=genuine.resource,
        action=genuine.action,
        trigger_id="forged-pending",
        trigger="forged",
        outcome=Outcome.PENDING,
        mode=Mode.ENFORCE,
        reason="forged",
        before={"retentionInDays": 1},
        after=genuine.after,  # what the group shows now: settled, it would read "applied", restorable to 1 day
        recorded_at=utc_now() - timedelta(hours=1),
        ttl_days=30,
    )
    db, name = table(stack)
    db.put_item(TableName=name, Item={**forged.to_item(), "pending_guardrail": {"S": forged.guardrail}})
    stack.invoke(
        "LogRetentionFunction", load_event("log_retention/scheduled-sweep.json") | {"id": "run-2"}, env=ENFORCE
    )
    states = {r.trigger_id: r for r in stack.records()}
    assert states["forged-pending"].outcome is Outcome.PENDING, "not settled: a forged record is never acted on"
    assert states["refused:forged-pending#" + genuine.action].outcome is Outcome.FAILED
