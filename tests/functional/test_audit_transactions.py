"""The audit trail's batches against the simulated DynamoDB (moto, with the shim
``moto_transactions_copy_the_table``, tools/simulator/dynamodb_shim.py): a duplicate cancels its transaction
with ``CancellationReasons`` naming it, the rest are written on the retry, and a cancelled transaction
writes nothing."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.exceptions import ClientError

from ecoguard.audit import BEGIN_CONDITION, AuditRecord, Begun
from ecoguard.clock import utc_now
from ecoguard.decisions import Mode, Outcome, Resource
from tests.conftest import REGION, Stack

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


def record(n: int, trigger: str = "run-1") -> AuditRecord:
    return AuditRecord(
        guardrail="log-retention",
        resource=Resource(f"arn:aws:logs:{REGION}:123456789012:log-group:/g/{n}", f"/g/{n}", "AWS::Logs::LogGroup"),
        action="set-retention",
        trigger_id=trigger,
        trigger="sweep",
        outcome=Outcome.PENDING,
        mode=Mode.ENFORCE,
        reason="why",
        before={"retentionInDays": None},
        after={"retentionInDays": 30},
        recorded_at=utc_now(),
        ttl_days=1,
    )


def test_given_a_batch_with_records_already_written_then_only_they_are_duplicates(stack: Stack) -> None:
    audit = stack.audit
    first = [record(n) for n in range(150)]
    assert audit.begin_many(first) == [Begun.FRESH] * 150
    audit.finish_many([r.with_outcome(Outcome.APPLIED) for r in first[:3]])
    again = [*first[:3], record(500), record(501)]
    assert audit.begin_many(again) == [Begun.DUPLICATE] * 3 + [Begun.FRESH] * 2
    # A record still pending may be taken over (the sweep resuming at it).
    assert audit.begin_many([first[3], record(502)]) == [Begun.FRESH, Begun.FRESH]
    assert sum(1 for r in stack.records() if r.resource.name.startswith("/g/")) == 153


def test_given_a_cancelled_transaction_then_nothing_of_it_is_written(stack: Stack) -> None:
    audit = stack.audit
    done = replace(record(1), outcome=Outcome.APPLIED)
    audit.finish_many([done])
    db = boto3.client("dynamodb", region_name=REGION)
    table = stack.resolver.refs["AuditTable"]
    values = {":pending": {"S": "pending"}}

    def put(r: AuditRecord) -> TransactWriteItemTypeDef:
        return {
            "Put": {
                "TableName": table,
                "Item": r.to_item(),
                "ConditionExpression": BEGIN_CONDITION,
                "ExpressionAttributeValues": values,
            }
        }

    with pytest.raises(ClientError) as raised:
        db.transact_write_items(TransactItems=[put(record(2)), put(record(1))])
    reasons = raised.value.response.get("CancellationReasons", [])
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
    assert audit.get(record(2).pk, record(2).sk) is None
