"""Forwarding audit records: stream records to PutEvents entries and batches, within EventBridge's limits."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoguard.errors import Throttled
from ecoguard.events import EventError
from ecoguard.forwarding import (
    PUT_EVENTS_MAX_BYTES,
    PUT_EVENTS_MAX_ENTRIES,
    Bus,
    StreamAuditRecord,
    batches,
    bus_region,
    entry_of,
    entry_size,
    forward,
    parse_stream_batch,
)
from ecoguard.settings import SettingsError
from tests.conftest import load_event

BUS = "arn:aws:events:eu-west-1:999988887777:event-bus/ecoguard-org-central"


def sample() -> StreamAuditRecord:
    [record] = parse_stream_batch(load_event("audit_forwarder/dynamodb-stream-insert.json"))
    return record


def test_a_stream_record_becomes_an_ecoguard_event_with_where_it_was_recorded() -> None:
    record = sample()
    entry = entry_of(record, BUS)
    detail = json.loads(entry["Detail"])
    assert (entry["Source"], entry["DetailType"], entry["EventBusName"]) == ("ecoguard", "ecoguard Audit Record", BUS)
    assert (detail["account"], detail["region"]) == ("123456789012", "us-east-1")
    assert detail["item"] == record.item and detail["action_id"] == record.item["action_id"]["S"]
    assert entry["Resources"] == [record.item["pk"]["S"]]


def test_an_item_of_dynamodbs_largest_size_is_forwarded_whole() -> None:
    # DynamoDB items hold up to 400 KB; PutEvents takes entries up to 1 MB (botocore events model, PutEvents).
    record = sample()
    big = StreamAuditRecord(
        record.sequence_number, record.account, record.region, {**record.item, "before": {"S": "x" * 400_000}}
    )
    entry = entry_of(big, BUS)
    detail = json.loads(entry["Detail"])
    assert 400_000 < entry_size(entry) <= PUT_EVENTS_MAX_BYTES < 1_000_000
    assert "truncated" not in detail and detail["item"] == big.item


def test_an_item_too_large_for_one_event_loses_before_and_after_and_says_so() -> None:
    record = sample()
    big = StreamAuditRecord(
        record.sequence_number, record.account, record.region, {**record.item, "before": {"S": "x" * 1_000_000}}
    )
    entry = entry_of(big, BUS)
    detail = json.loads(entry["Detail"])
    assert entry_size(entry) <= PUT_EVENTS_MAX_BYTES
    assert detail["truncated"] is True and "before" not in detail["item"] and "after" not in detail["item"]


def test_an_item_too_large_even_without_its_states_keeps_only_the_required_fields() -> None:
    record = sample()
    big = StreamAuditRecord(
        record.sequence_number, record.account, record.region, {**record.item, "reason": {"S": "x" * 1_000_000}}
    )
    entry = entry_of(big, BUS)
    detail = json.loads(entry["Detail"])
    assert entry_size(entry) <= PUT_EVENTS_MAX_BYTES and detail["truncated"] is True
    assert set(detail["item"]) == {"pk", "sk", "kind", "action_id", "guardrail", "outcome", "recorded_at"}


def stream_event_with(mutate: Any) -> dict[str, Any]:
    event = load_event("audit_forwarder/dynamodb-stream-insert.json")
    mutate(event["Records"][0]["dynamodb"])
    return event


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.update(NewImage=None), "NewImage: a map is required"),
        (lambda d: d.update(SequenceNumber=17), "SequenceNumber: digits are required"),
        (lambda d: d["NewImage"].update(pk={"S": "p" * 2049}), "NewImage.pk: too long"),
        (lambda d: d["NewImage"].update(outcome={"S": "o" * 1025}), "NewImage.outcome: too long"),
    ],
)
def test_a_record_dynamodb_could_not_have_streamed_is_refused_naming_the_field(mutate: Any, field: str) -> None:
    # Found by the fuzz suite: each of these once raised an unnamed error or overflowed PutEvents.
    with pytest.raises(EventError, match=re.escape(field)):
        parse_stream_batch(stream_event_with(mutate))


@given(st.lists(st.integers(min_value=1, max_value=450_000), max_size=60))
def test_batches_keep_order_and_never_exceed_ten_entries_or_1_mb(sizes: list[int]) -> None:
    entries = [{"Source": "ecoguard", "DetailType": "d", "Detail": "x" * n, "Resources": []} for n in sizes]
    grouped = list(batches(entries))
    assert [i for batch in grouped for i in batch] == list(range(len(entries)))
    for batch in grouped:
        assert 1 <= len(batch) <= PUT_EVENTS_MAX_ENTRIES
        assert sum(entry_size(entries[i]) for i in batch) <= PUT_EVENTS_MAX_BYTES


def test_entry_size_counts_as_eventbridge_does() -> None:
    entry = {"Source": "ecoguard", "DetailType": "abc", "Detail": "{}", "Resources": ["arn:x"]}
    assert entry_size(entry) == 14 + len("ecoguard") + 3 + 2 + 5


@pytest.mark.parametrize("arn", ["", "arn:aws:events:eu-west-1:1:event-bus/x", "arn:aws:sqs:eu-west-1:999988887777:q"])
def test_an_invalid_central_bus_arn_is_a_settings_error(arn: str) -> None:
    with pytest.raises(SettingsError, match="ECOGUARD_CENTRAL_BUS_ARN"):
        bus_region(arn)


def test_the_bus_region_comes_from_its_arn() -> None:
    assert bus_region(BUS) == "eu-west-1"


class FakeBus(Bus):
    """Answers PutEvents: ``reject`` positions per call; ``fail_on`` call number raises Throttled."""

    def __init__(self, reject: Mapping[int, list[int]] | None = None, fail_on: int | None = None) -> None:
        self.calls: list[int] = []
        self._reject = reject or {}
        self._fail_on = fail_on

    def put(self, entries: Sequence[Mapping[str, Any]]) -> list[int]:
        self.calls.append(len(entries))
        if len(self.calls) == self._fail_on:
            raise Throttled("PutEvents", "ThrottlingException", "slow down")
        return self._reject.get(len(self.calls), [])


def records(n: int) -> list[StreamAuditRecord]:
    record = sample()
    return [StreamAuditRecord(str(1000 + i), record.account, record.region, record.item) for i in range(n)]


def test_every_record_forwarded_reports_no_failure() -> None:
    bus = FakeBus()
    result = forward(records(23), bus, BUS)
    assert bus.calls == [10, 10, 3] and result.forwarded == 23 and result.response() == {"batchItemFailures": []}


def test_rejected_entries_are_reported_by_sequence_number() -> None:
    result = forward(records(12), FakeBus(reject={1: [0, 9], 2: [1]}), BUS)
    assert [f["itemIdentifier"] for f in result.response()["batchItemFailures"]] == ["1000", "1009", "1011"]
    assert result.forwarded == 9


def test_a_failed_call_reports_its_batch_and_every_later_one_without_calling_again() -> None:
    bus = FakeBus(fail_on=2)
    result = forward(records(25), bus, BUS)
    assert bus.calls == [10, 10]
    assert result.failed == [str(1000 + i) for i in range(10, 25)] and result.errors
