"""A batch's audit records signed side by side: each MAC is a KMS GenerateMac round trip of its own record (KMS
API reference, GenerateMac), so a batch's are made at once, and every record still carries its own MAC, in
order; a record that cannot be signed leaves the whole batch unwritten, as signing them one by one does."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import Stubber

from ecoguard.audit import AuditTrail, AuditUnavailable, Begun
from ecoguard.errors import AwsError
from ecoguard.record_mac import message
from tests.unit.test_audit_batch import TABLE, record

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class RoundTrips:
    """A ``RecordMac`` whose every MAC takes a round trip; counts the MACs made at once."""

    def __init__(self, fail_on: bytes | None = None) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.fail_on = fail_on

    def generate(self, text: bytes) -> bytes:
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        time.sleep(0.01)
        with self.lock:
            self.in_flight -= 1
        if text == self.fail_on:
            raise AwsError(
                "GenerateMac", "KMSInternalException", "The request was rejected because of an internal exception"
            )
        return b"mac:" + text[-16:]

    def verify(self, text: bytes, mac: bytes) -> bool:
        return mac == b"mac:" + text[-16:]


@pytest.fixture
def dynamodb() -> Iterator[tuple[DynamoDBClient, Stubber]]:
    client = boto3.client("dynamodb", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber


def test_given_a_batch_of_records_then_their_macs_are_made_at_once_and_each_carries_its_own(
    dynamodb: tuple[DynamoDBClient, Stubber],
) -> None:
    client, stubber = dynamodb
    records = [record(n) for n in range(20)]
    mac = RoundTrips()
    sent: list[dict[str, Any]] = []
    stubber.add_response("transact_write_items", {}, None)
    client.meta.events.register(
        "provide-client-params.dynamodb.TransactWriteItems", lambda params, **_: sent.append(params)
    )
    assert AuditTrail(client, TABLE, mac).begin_many(records) == [Begun.FRESH] * 20
    items = [put["Put"]["Item"] for put in sent[0]["TransactItems"]]
    assert [i["pk"]["S"] for i in items] == [r.pk for r in records], "in the batch's order"
    for item, r in zip(items, records, strict=True):
        assert base64.b64decode(item["mac"]["S"]) == b"mac:" + message(r)[-16:], "each record's own MAC"
    assert mac.peak > 1, "made side by side"


def test_given_one_record_of_a_batch_cannot_be_signed_then_no_record_is_written(
    dynamodb: tuple[DynamoDBClient, Stubber],
) -> None:
    client, stubber = dynamodb
    records = [record(n) for n in range(10)]
    began = AuditTrail(client, TABLE, RoundTrips(fail_on=message(records[6]))).begin_many(records)
    assert all(isinstance(b, AuditUnavailable) for b in began) and len(began) == 10
    stubber.assert_no_pending_responses()  # nothing was sent to DynamoDB


class OneRound(RoundTrips):
    """A ``RecordMac`` whose MACs are answered only once ``size`` of them are in flight together: a batch signed
    in more than one round never gets there, and its first MAC fails after ``timeout`` seconds."""

    def __init__(self, size: int, timeout: float = 5.0) -> None:
        super().__init__()
        self.barrier = threading.Barrier(size, timeout=timeout)

    def generate(self, text: bytes) -> bytes:
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError as exc:
            raise AwsError("GenerateMac", "Timeout", "not every MAC of the batch was in flight at once") from exc
        return super().generate(text)


def test_given_a_batch_of_thirty_records_then_all_their_macs_are_in_flight_in_one_round(
    dynamodb: tuple[DynamoDBClient, Stubber],
) -> None:
    client, stubber = dynamodb
    records = [record(n) for n in range(30)]  # a log-retention page's changes: more than the 8 reading threads
    stubber.add_response("transact_write_items", {}, None)
    assert AuditTrail(client, TABLE, OneRound(30)).begin_many(records) == [Begun.FRESH] * 30
    stubber.assert_no_pending_responses()
