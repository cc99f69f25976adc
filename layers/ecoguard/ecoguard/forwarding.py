"""Forward audit records from a member account's audit table to the organization's central bus.

The table's DynamoDB stream (NEW_IMAGE) feeds AuditForwarderFunction. Each decision item becomes
one EventBridge entry, source ``ecoguard``, sent to the central bus with PutEvents. Pure: the
PutEvents call itself lives in ``ecoguard.adapters.central_bus``, behind the ``Bus`` port.

AuditForwarderFunction's work (``forward``): a stream batch in, PutEvents calls out, the failures reported.

Lambda's ReportBatchItemFailures for a stream: the function names the sequence numbers that
failed, and Lambda retries the batch from the lowest of them. So once a call fails, the rest of
the batch is reported too and no further call is made (the central table's conditional writes
absorb the records sent again).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ecoguard.errors import AwsError
from ecoguard.events import EventError
from ecoguard.grouping import in_groups
from ecoguard.settings import SettingsError

AUDIT_SOURCE = "ecoguard"
AUDIT_DETAIL_TYPE = "ecoguard Audit Record"
# PutEvents: at most 10 entries per call, and "the total entry size must be less than 1MB" (botocore's
# events model, PutEvents documentation; the size is counted as in the EventBridge User Guide, "Calculating
# PutEvents event entry size"). Read as 10^6 bytes, the smaller of the two meanings of MB.
PUT_EVENTS_MAX_ENTRIES = 10
PUT_EVENTS_MAX_BYTES = 1_000_000 - 1

_STREAM_ARN = re.compile(r"^arn:aws[a-z-]*:dynamodb:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):table/[^/]+/stream/.+$")
BUS_ARN = re.compile(r"^arn:aws[a-z-]*:events:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):event-bus/[A-Za-z0-9._\-/]+$")
_FORWARDED_EVENTS = frozenset({"INSERT", "MODIFY"})
REQUIRED_FIELDS = ("pk", "sk", "action_id", "guardrail", "outcome", "recorded_at")
# DynamoDB's own key limits; the other required fields are short by construction, and are held to the
# sort key's limit.
PARTITION_KEY_MAX_BYTES = 2048
SORT_KEY_MAX_BYTES = 1024


@dataclass(frozen=True)
class StreamAuditRecord:
    """One decision item from the audit table's stream, with where it was recorded."""

    sequence_number: str
    account: str
    region: str
    item: Mapping[str, Any]  # the NEW_IMAGE, in DynamoDB's typed JSON, as the audit table holds it

    @property
    def action_id(self) -> str:
        return str(self.item["action_id"]["S"])

    @property
    def outcome(self) -> str:
        return str(self.item["outcome"]["S"])


def bus_region(bus_arn: str) -> str:
    match = BUS_ARN.match(bus_arn)
    if not match:
        raise SettingsError(f"invalid setting ECOGUARD_CENTRAL_BUS_ARN: not an event bus ARN: {bus_arn!r}")
    return match["region"]


def parse_stream_batch(event: object) -> list[StreamAuditRecord]:
    """Every decision record in a DynamoDB stream batch, in stream order.

    Checkpoints and other non-decision items, and removals (TTL expiry), are not audit records and
    are left out. A malformed record raises ``EventError`` naming the field: nothing is sent.
    """
    if not isinstance(event, dict) or not isinstance(event.get("Records"), list):
        raise EventError("malformed DynamoDB stream event: Records: a list is required")
    records = []
    for index, raw in enumerate(event["Records"]):
        record = _parse_record(raw, f"Records[{index}]")
        if record is not None:
            records.append(record)
    return records


def _field(value: Mapping[str, Any], key: str, where: str) -> Any:
    if not isinstance(value, Mapping) or key not in value:
        raise EventError(f"malformed DynamoDB stream event: {where}.{key}: required")
    return value[key]


def _parse_record(raw: Any, where: str) -> StreamAuditRecord | None:
    if _field(raw, "eventSource", where) != "aws:dynamodb":
        raise EventError(f"malformed DynamoDB stream event: {where}.eventSource: not aws:dynamodb")
    name = _field(raw, "eventName", where)
    if name not in (*_FORWARDED_EVENTS, "REMOVE"):
        raise EventError(f"malformed DynamoDB stream event: {where}.eventName: unknown {name!r}")
    source_arn = _field(raw, "eventSourceARN", where)
    match = _STREAM_ARN.match(str(source_arn))
    if not match:
        raise EventError(f"malformed DynamoDB stream event: {where}.eventSourceARN: not a table stream ARN")
    dynamodb = _field(raw, "dynamodb", where)
    sequence = _field(dynamodb, "SequenceNumber", f"{where}.dynamodb")
    if not isinstance(sequence, str) or not sequence.isdigit():
        raise EventError(f"malformed DynamoDB stream event: {where}.dynamodb.SequenceNumber: digits are required")
    if name == "REMOVE":
        return None
    image = _field(dynamodb, "NewImage", f"{where}.dynamodb")
    if not isinstance(image, Mapping):
        raise EventError(f"malformed DynamoDB stream event: {where}.dynamodb.NewImage: a map is required")
    kind = image.get("kind")
    if not isinstance(kind, Mapping) or kind.get("S") != "decision":
        return None
    for key in REQUIRED_FIELDS:
        value = _field(image, key, f"{where}.dynamodb.NewImage")
        if not isinstance(value, Mapping) or not isinstance(value.get("S"), str) or not value["S"]:
            raise EventError(f"malformed DynamoDB stream event: {where}.dynamodb.NewImage.{key}: a string is required")
        if len(value["S"].encode()) > (PARTITION_KEY_MAX_BYTES if key == "pk" else SORT_KEY_MAX_BYTES):
            raise EventError(f"malformed DynamoDB stream event: {where}.dynamodb.NewImage.{key}: too long")
    return StreamAuditRecord(str(sequence), match["account"], match["region"], image)


def detail_of(record: StreamAuditRecord) -> dict[str, Any]:
    return {
        "account": record.account,
        "region": record.region,
        "action_id": record.action_id,
        "outcome": record.outcome,
        # Orders two states of one record (pending, then applied) where the stream is ordered.
        "sequence_number": record.sequence_number,
        "item": dict(record.item),
    }


def entry_of(record: StreamAuditRecord, bus_arn: str) -> dict[str, Any]:
    """The PutEvents entry for one record. An item too large for one event loses ``before`` and
    ``after`` (the member's own table keeps them for restores) and says so."""
    entry = _entry(detail_of(record), record, bus_arn)
    if entry_size(entry) > PUT_EVENTS_MAX_BYTES:
        slim = {k: v for k, v in record.item.items() if k not in ("before", "after")}
        entry = _entry({**detail_of(record), "item": slim, "truncated": True}, record, bus_arn)
    if entry_size(entry) > PUT_EVENTS_MAX_BYTES:
        # An item holds up to 400 KB, and its JSON can be larger (escapes): past the limit even without its
        # states, only the required fields go.
        keys = {k: record.item[k] for k in (*REQUIRED_FIELDS, "kind")}
        entry = _entry({**detail_of(record), "item": keys, "truncated": True}, record, bus_arn)
    return entry


def _entry(detail: Mapping[str, Any], record: StreamAuditRecord, bus_arn: str) -> dict[str, Any]:
    return {
        "Source": AUDIT_SOURCE,
        "DetailType": AUDIT_DETAIL_TYPE,
        "Detail": json.dumps(detail, sort_keys=True),
        "Resources": [str(record.item["pk"]["S"])],
        "EventBusName": bus_arn,
    }


def entry_size(entry: Mapping[str, Any]) -> int:
    """EventBridge's own count: Source, DetailType, Detail and Resources in UTF-8, plus 14 for Time."""
    size = 14
    for key in ("Source", "DetailType", "Detail"):
        size += len(str(entry.get(key, "")).encode())
    size += sum(len(r.encode()) for r in entry.get("Resources", []))
    return size


def batches(entries: Sequence[Mapping[str, Any]]) -> Iterator[list[int]]:
    """Indices of ``entries`` grouped into PutEvents calls within both limits, in order."""
    return in_groups(enumerate(entry_size(e) for e in entries), PUT_EVENTS_MAX_ENTRIES, PUT_EVENTS_MAX_BYTES)


class Bus(Protocol):
    def put(self, entries: Sequence[Mapping[str, Any]]) -> list[int]: ...


@dataclass
class ForwardResult:
    forwarded: int = 0
    failed: list[str] = field(default_factory=list)  # sequence numbers
    errors: list[str] = field(default_factory=list)

    def response(self) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": seq} for seq in self.failed]}


def forward(records: Sequence[StreamAuditRecord], bus: Bus, bus_arn: str) -> ForwardResult:
    result = ForwardResult()
    entries = [entry_of(record, bus_arn) for record in records]
    stopped = False
    for batch in batches(entries):
        if stopped:
            result.failed.extend(records[i].sequence_number for i in batch)
            continue
        try:
            rejected = bus.put([entries[i] for i in batch])
        except AwsError as exc:
            result.errors.append(str(exc))
            result.failed.extend(records[i].sequence_number for i in batch)
            stopped = True
            continue
        result.forwarded += len(batch) - len(rejected)
        result.failed.extend(records[batch[i]].sequence_number for i in rejected)
    return result
