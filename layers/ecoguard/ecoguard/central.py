"""The organization's central audit table: audit events from member accounts in, located records out.

Each event from a member's AuditForwarderFunction becomes one item keyed by
``<account>#<region>#<action id>`` and the record's outcome, written only if absent: a duplicate
delivery of the same event (EventBridge and the stream are both at-least-once) changes nothing,
so nothing is counted twice. One action has several states over time (``pending``, then
``applied``); the report counts each action once, in its latest state, as the member's own
table does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ecoguard.audit import AuditRecord, action_id_of
from ecoguard.decisions import Outcome
from ecoguard.events import EventBridgeEvent, EventError
from ecoguard.forwarding import AUDIT_DETAIL_TYPE, AUDIT_SOURCE
from ecoguard.report.record_check import record_problem

_ACCOUNT = re.compile(r"^\d{12}$")
TRUNCATED_STATES = {"before": {"S": "{}"}, "after": {"S": "{}"}}
# DynamoDB holds items up to 400 KB; the central item's own attributes (keys, account, region, ...) need room.
CENTRAL_ITEM_MAX_BYTES = 380 * 1024
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


@dataclass(frozen=True)
class LocatedRecord:
    account: str
    region: str
    record: AuditRecord


def central_item(event: EventBridgeEvent) -> dict[str, Any]:
    """The central table's item for one audit event, or ``EventError`` naming the bad field."""
    if event.source != AUDIT_SOURCE or event.detail_type != AUDIT_DETAIL_TYPE:
        raise EventError(f"not an ecoguard audit event: source {event.source!r}, detail-type {event.detail_type!r}")
    detail = event.detail
    account, region = detail.get("account"), detail.get("region")
    # EventBridge sets the envelope's account to the sender's; a detail claiming another is refused.
    if not isinstance(account, str) or not _ACCOUNT.match(account):
        raise EventError("malformed audit event: detail.account: a 12-digit account id is required")
    if account != event.account:
        raise EventError(f"audit event: detail.account {account} is not the sending account {event.account}")
    if not isinstance(region, str) or not _REGION.match(region):
        raise EventError("malformed audit event: detail.region: an AWS region is required")
    item = detail.get("item")
    if not isinstance(item, dict):
        raise EventError("malformed audit event: detail.item: an object is required")
    # A record too large for one event arrives without its states (ecoguard.forwarding.entry_of); the
    # member's own table keeps them for restores, and the central copy says they were left out.
    truncated = detail.get("truncated") is True
    record = _record_or_error({**TRUNCATED_STATES, **item} if truncated else item, "detail.item")
    stored = item.get("action_id")
    stored_id = stored.get("S") if isinstance(stored, dict) else None
    if stored_id != record.action_id or action_id_of(record.pk, record.sk) != record.action_id:
        raise EventError("malformed audit event: detail.item.action_id: missing, or does not match pk and sk")
    problem = record_problem(record)
    if problem:
        raise EventError(f"malformed audit event: detail.item.{problem}")
    sequence = str(detail.get("sequence_number", "0"))
    if not sequence.isdigit():
        raise EventError("malformed audit event: detail.sequence_number: digits are required")
    # Stored as the record reads back, not as sent: the item's attributes are rebuilt from the validated record.
    try:
        rebuilt = record.to_item()
    except (OverflowError, OSError, ValueError) as exc:  # e.g. an expiry past what a timestamp can hold
        raise EventError(f"malformed audit event: detail.item.recorded_at: {exc}") from exc
    if truncated or item_bytes(rebuilt) > CENTRAL_ITEM_MAX_BYTES:
        rebuilt = {**rebuilt, **TRUNCATED_STATES, "truncated": {"BOOL": True}}
    if item_bytes(rebuilt) > CENTRAL_ITEM_MAX_BYTES:
        raise EventError("malformed audit event: detail.item: too large for the central table, even without its states")
    return {
        **rebuilt,
        "pk": {"S": f"{account}#{region}#{record.action_id}"},
        "sk": {"S": record.outcome.value},
        "account": {"S": account},
        "region": {"S": region},
        "resource_arn": {"S": record.pk},
        "record_sk": {"S": record.sk},
        "sequence_number": {"N": sequence},
        "event_id": {"S": event.id},
    }


def item_bytes(item: Mapping[str, Any]) -> int:
    """An upper bound of DynamoDB's size for the item: its JSON in UTF-8 counts every name and value, and more."""
    return len(json.dumps(item, ensure_ascii=False).encode())


def _record_or_error(item: Mapping[str, Any], where: str) -> AuditRecord:
    try:
        return AuditRecord.from_item(item)
    except KeyError as exc:
        raise EventError(f"malformed audit event: {where}.{exc.args[0]}: required") from exc
    except (TypeError, ValueError) as exc:
        raise EventError(f"malformed audit event: {where}: {exc}") from exc


def located_record(item: Mapping[str, Any]) -> LocatedRecord:
    """The member's own record back from a central item."""
    original = {**item, "pk": item["resource_arn"], "sk": item["record_sk"]}
    return LocatedRecord(str(item["account"]["S"]), str(item["region"]["S"]), AuditRecord.from_item(original))


def _rank(item: Mapping[str, Any]) -> tuple[int, int]:
    # pending is the only state a later one replaces for sure; otherwise the stream's order decides.
    pending = item["sk"]["S"] == Outcome.PENDING.value
    return (0 if pending else 1, int(item.get("sequence_number", {}).get("N", "0")))


def latest_states(items: Iterable[Mapping[str, Any]]) -> Iterator[LocatedRecord]:
    """Each action once, in its latest state (what the member's own table holds)."""
    latest: dict[str, Mapping[str, Any]] = {}
    for item in items:
        key = str(item["pk"]["S"])
        if key not in latest or _rank(item) > _rank(latest[key]):
            latest[key] = item
    for key in sorted(latest):
        yield located_record(latest[key])


@dataclass(frozen=True)
class CheckedStates:
    """The latest states the report may count, and how many items were skipped as unreadable or invalid."""

    records: list[LocatedRecord]
    rejected: int
    reasons: list[str]


def checked_latest_states(items: Iterable[Mapping[str, Any]]) -> CheckedStates:
    """``latest_states``, where one bad item (unreadable, or failing ``record_problem``) is counted and skipped,
    never fatal to the organization's report."""
    readable: list[Mapping[str, Any]] = []
    reasons: list[str] = []
    for item in items:
        try:
            _rank(item)
            str(item["pk"]["S"])
        except (KeyError, TypeError, ValueError) as exc:
            reasons.append(f"unreadable item: {type(exc).__name__}")
            continue
        readable.append(item)
    records: list[LocatedRecord] = []
    latest: dict[str, Mapping[str, Any]] = {}
    for item in readable:
        key = str(item["pk"]["S"])
        if key not in latest or _rank(item) > _rank(latest[key]):
            latest[key] = item
    for key in sorted(latest):
        try:
            located = located_record(latest[key])
        except (KeyError, TypeError, ValueError) as exc:
            reasons.append(f"{key[:200]}: unreadable record: {type(exc).__name__}")
            continue
        problem = record_problem(located.record)
        if problem:
            reasons.append(f"{key[:200]}: {problem}")
            continue
        records.append(located)
    return CheckedStates(records, len(reasons), reasons)
