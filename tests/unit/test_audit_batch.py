"""The audit trail's batched writes against DynamoDB's documented answers (botocore Stubber).

Sources:
- TransactWriteItems, DynamoDB API reference: at most 100 actions, 4 MB in all, no two on one item;
  ``TransactionCanceledException`` carries ``CancellationReasons``, one per action in order, ``Code``
  ``ConditionalCheckFailed`` ("The conditional request failed") for a failed condition and ``None`` for an
  action that would have succeeded; ``ValidationException`` for a request over a limit.
- Service quotas, DynamoDB developer guide: an item is at most 400 KB.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import Stubber

from ecoguard.audit import BEGIN_CONDITION, AuditRecord, AuditTrail, AuditUnavailable, Begun
from ecoguard.audit_batch import MAX_ITEM_BYTES, MAX_ITEMS, MAX_TRANSACTION_BYTES, item_size, transactions
from ecoguard.decisions import Mode, Outcome, Resource
from tests.unit.fakes import NOW

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TABLE = "ecoguard-audit"


def record(n: int, *, outcome: Outcome = Outcome.PENDING, padding: int = 0) -> AuditRecord:
    return AuditRecord(
        guardrail="log-retention",
        resource=Resource(arn=f"arn:aws:logs:us-east-1:123456789012:log-group:/g/{n}", name=f"/g/{n}", kind="group"),
        action="set-retention",
        trigger_id="run-1",
        trigger="scheduled sweep",
        outcome=outcome,
        mode=Mode.ENFORCE,
        reason="x" * padding,
        before={"retention_days": None},
        after={"retention_days": 30},
        recorded_at=NOW,
        ttl_days=90,
    )


@pytest.fixture
def db() -> Iterator[tuple[DynamoDBClient, Stubber]]:
    client = boto3.client("dynamodb", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def conditional_puts(records: list[AuditRecord]) -> dict[str, Any]:
    return {
        "TransactItems": [
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": r.to_item(),
                    "ConditionExpression": BEGIN_CONDITION,
                    "ExpressionAttributeValues": {":pending": {"S": "pending"}},
                }
            }
            for r in records
        ]
    }


def plain_puts(records: list[AuditRecord]) -> dict[str, Any]:
    return {
        "TransactItems": [{"Put": {"TableName": TABLE, "Item": r.to_item()}} for r in records],
    }


def cancelled(stubber: Stubber, codes: list[str]) -> None:
    reasons = [
        {"Code": code, "Message": "The conditional request failed"}
        if code == "ConditionalCheckFailed"
        else {"Code": code}
        for code in codes
    ]
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        service_message="Transaction cancelled, please refer cancellation reasons for specific reasons "
        f"[{', '.join(codes)}]",
        http_status_code=400,
        modeled_fields={"CancellationReasons": reasons},
    )


def test_given_150_pending_records_then_they_are_written_in_two_transactions_of_conditional_puts(
    db: tuple[DynamoDBClient, Stubber],
) -> None:
    client, stubber = db
    records = [record(n) for n in range(150)]
    stubber.add_response("transact_write_items", {}, conditional_puts(records[:100]))
    stubber.add_response("transact_write_items", {}, conditional_puts(records[100:]))
    assert AuditTrail(client, TABLE).begin_many(records) == [Begun.FRESH] * 150


def test_given_a_duplicate_cancels_the_transaction_then_it_is_retried_without_that_record(
    db: tuple[DynamoDBClient, Stubber],
) -> None:
    client, stubber = db
    records = [record(n) for n in range(5)]
    cancelled(stubber, ["None", "None", "ConditionalCheckFailed", "None", "None"])
    stubber.add_response("transact_write_items", {}, conditional_puts([records[i] for i in (0, 1, 3, 4)]))
    began = AuditTrail(client, TABLE).begin_many(records)
    assert began == [Begun.FRESH, Begun.FRESH, Begun.DUPLICATE, Begun.FRESH, Begun.FRESH]


def test_given_every_record_is_a_duplicate_then_nothing_is_sent_again(db: tuple[DynamoDBClient, Stubber]) -> None:
    client, stubber = db
    records = [record(n) for n in range(3)]
    cancelled(stubber, ["ConditionalCheckFailed"] * 3)
    assert AuditTrail(client, TABLE).begin_many(records) == [Begun.DUPLICATE] * 3


@pytest.mark.parametrize("code", ["TransactionConflict", "ThrottlingError", "ValidationError"])
def test_given_a_cancellation_for_another_reason_then_no_record_of_the_transaction_counts_as_written(
    db: tuple[DynamoDBClient, Stubber], code: str
) -> None:
    client, stubber = db
    records = [record(n) for n in range(3)]
    cancelled(stubber, ["ConditionalCheckFailed", code, "None"])
    began = AuditTrail(client, TABLE).begin_many(records)
    assert all(isinstance(result, AuditUnavailable) for result in began)


def test_given_a_validation_exception_then_no_record_counts_as_written(db: tuple[DynamoDBClient, Stubber]) -> None:
    client, stubber = db
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="ValidationException",
        service_message="Transaction request cannot include multiple operations on one item",
        http_status_code=400,
    )
    began = AuditTrail(client, TABLE).begin_many([record(1), record(2)])
    assert all(isinstance(result, AuditUnavailable) for result in began)


def test_given_a_record_over_400_kb_then_it_is_never_sent_and_the_others_are(
    db: tuple[DynamoDBClient, Stubber],
) -> None:
    client, stubber = db
    big = record(1, padding=MAX_ITEM_BYTES)
    small = [record(2), record(3)]
    stubber.add_response("transact_write_items", {}, conditional_puts(small))
    began = AuditTrail(client, TABLE).begin_many([small[0], big, small[1]])
    assert began[0] is Begun.FRESH and began[2] is Begun.FRESH
    assert isinstance(began[1], AuditUnavailable) and "400 KB" in str(began[1])


def test_given_records_of_300_kb_then_each_transaction_stays_within_4_mb(db: tuple[DynamoDBClient, Stubber]) -> None:
    client, stubber = db
    records = [record(n, padding=300 * 1024) for n in range(30)]
    per_transaction = MAX_TRANSACTION_BYTES // item_size(records[0].to_item())
    assert per_transaction == 13  # 13 x ~300 KB within 4 MB, 14 over it
    for start in range(0, 30, per_transaction):
        stubber.add_response("transact_write_items", {}, conditional_puts(records[start : start + per_transaction]))
    assert AuditTrail(client, TABLE).begin_many(records) == [Begun.FRESH] * 30


def test_given_one_record_then_it_is_one_conditional_put_item(db: tuple[DynamoDBClient, Stubber]) -> None:
    client, stubber = db
    one = record(1)
    stubber.add_response(
        "put_item",
        {},
        {
            "TableName": TABLE,
            "Item": one.to_item(),
            "ConditionExpression": BEGIN_CONDITION,
            "ExpressionAttributeValues": {":pending": {"S": "pending"}},
        },
    )
    assert AuditTrail(client, TABLE).begin_many([one]) == [Begun.FRESH]


def test_given_outcomes_then_they_are_written_in_transactions_of_plain_puts(db: tuple[DynamoDBClient, Stubber]) -> None:
    client, stubber = db
    finals = [record(n, outcome=Outcome.APPLIED) for n in range(120)]
    stubber.add_response("transact_write_items", {}, plain_puts(finals[:100]))
    stubber.add_response("transact_write_items", {}, plain_puts(finals[100:]))
    assert AuditTrail(client, TABLE).finish_many(finals) == [None] * 120


def test_given_the_outcome_transaction_fails_then_each_of_its_records_says_so(
    db: tuple[DynamoDBClient, Stubber],
) -> None:
    client, stubber = db
    stubber.add_client_error(
        "transact_write_items", service_error_code="InternalServerError", service_message="Internal server error"
    )
    results = AuditTrail(client, TABLE).finish_many(
        [record(1, outcome=Outcome.APPLIED), record(2, outcome=Outcome.FAILED)]
    )
    assert all(isinstance(result, AuditUnavailable) for result in results)


def test_given_a_key_twice_in_one_batch_then_it_is_sent_once_and_the_second_is_a_duplicate(
    db: tuple[DynamoDBClient, Stubber],
) -> None:
    client, stubber = db
    first, other = record(1), record(2)
    again = replace(first, reason="the same key again")
    stubber.add_response("transact_write_items", {}, conditional_puts([first, other]))
    assert AuditTrail(client, TABLE).begin_many([first, other, again]) == [Begun.FRESH, Begun.FRESH, Begun.DUPLICATE]


def test_transactions_split_by_count_and_by_size() -> None:
    assert [len(g) for g in transactions([10] * 250)] == [MAX_ITEMS, MAX_ITEMS, 50]
    assert list(transactions([300 * 1024] * 14)) == [list(range(13)), [13]]  # 14 x 300 KB > 4 MB
    assert list(transactions([MAX_ITEM_BYTES + 1, 10])) == [[1]]


def test_only_a_pending_record_is_keyed_in_the_pending_index() -> None:
    assert record(1).to_item()["pending_guardrail"] == {"S": "log-retention"}
    assert "pending_guardrail" not in record(1, outcome=Outcome.APPLIED).to_item()
