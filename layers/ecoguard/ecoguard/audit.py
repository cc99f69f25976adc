"""The audit trail: one DynamoDB item per decision, written before any change is made.

Keys: ``pk`` is the resource ARN, ``sk`` is ``<trigger id>#<action>``. The trigger id is the
EventBridge event id (or the sweep's run id), so a duplicate delivery of the same event maps
to the same item and the conditional write turns it into a no-op.

Records are written in batches (``begin_many``, ``finish_many``; ``ecoguard.audit_batch``): a batch of
one is one PutItem, more are TransactWriteItems of conditional puts, so a duplicate is still a no-op.
A ``pending`` record also carries ``pending_guardrail``, keying the sparse index ``by-pending``: the
records an interrupted invocation left pending, which the next run settles (``ecoguard.settle``). So does a
restore attempt that left a step for later (``pending_step``), under ``FOLLOW_UPS``: RestoreFunction's schedule
finishes it once it is due (``ecoguard.restore.finish_pending_steps``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from ecoguard import overlap
from ecoguard.audit_batch import CONDITION_FAILED, MAX_ITEMS, Condition, TransactionWriter, Unwritten
from ecoguard.decisions import Mode, Outcome, Resource
from ecoguard.errors import AwsError, translate
from ecoguard.record_mac import RecordMac, refusal, sign, signed

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import QueryOutputTypeDef, ScanOutputTypeDef

GUARDRAIL_INDEX = "by-guardrail"
ACTION_ID_INDEX = "by-action-id"
# Sparse: only a pending record has ``pending_guardrail``, and writing its outcome over it drops it.
PENDING_INDEX = "by-pending"
BEGIN_CONDITION = "attribute_not_exists(pk) OR outcome = :pending"
# The ``pending_guardrail`` of restore attempts that left a step for later (an endpoint's autoscaling, once it is
# InService): no guardrail is named so.
FOLLOW_UPS = "restore:follow-up"
# How the small record written in place of one over DynamoDB's 400 KB an item begins its error
# (ecoguard.records.oversized); the report counts such records apart (``too-large``).
OVERSIZED = "not acted: its audit record would be"
# How an action's reason says, before the change, what a restore cannot bring back (ecoguard.records).
NOT_REVERSIBLE = " (not fully reversible: "
TOO_LARGE = "too-large"
# A batch's MACs are made at once, one thread a record, up to a transaction's records (``audit_batch.MAX_ITEMS``):
# GenerateMac falls under KMS's shared "Cryptographic operations (symmetric) request rate", 5,500 requests a
# second in the smallest Regions (KMS Developer Guide, "Request quotas"), far above two batches in flight.
MAC_WORKERS = MAX_ITEMS


def action_id_of(pk: str, sk: str) -> str:
    """A short, stable id for one record, for ``ecoguard restore <action-id>``."""
    return hashlib.sha256(f"{pk}\n{sk}".encode()).hexdigest()[:16]


class AuditUnavailable(Exception):
    """The audit record could not be written, so the change must not be made."""


class Begun(Enum):
    """What ``begin`` made of one record of a batch (``AuditUnavailable``: not written)."""

    FRESH = "fresh"
    DUPLICATE = "duplicate"


type Began = Begun | AuditUnavailable


@dataclass(frozen=True)
class AuditRecord:
    guardrail: str
    resource: Resource
    action: str
    trigger_id: str
    trigger: str
    outcome: Outcome
    mode: Mode
    reason: str
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    recorded_at: datetime
    ttl_days: int
    error: str | None = None
    impact: Mapping[str, Any] | None = None
    # The cost-allocation tags (report.attribution_tags) the resource carried when ecoguard decided.
    attribution: Mapping[str, str] | None = None
    # A restore attempt that did its part and left a step to a later attempt (an endpoint's autoscaling,
    # registered once the endpoint is InService): what is still to do.
    pending_step: str | None = None
    # As read back: its HMAC (ecoguard.record_mac), written by AuditTrail, never by ``to_item``.
    mac: str | None = None

    @property
    def pk(self) -> str:
        return self.resource.arn

    @property
    def sk(self) -> str:
        return f"{self.trigger_id}#{self.action}"

    @property
    def action_id(self) -> str:
        return action_id_of(self.pk, self.sk)

    def with_outcome(self, outcome: Outcome, error: str | None = None) -> AuditRecord:
        return replace(self, outcome=outcome, error=error)

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "pk": {"S": self.pk},
            "sk": {"S": self.sk},
            "kind": {"S": "decision"},
            "action_id": {"S": self.action_id},
            "guardrail": {"S": self.guardrail},
            "resource_name": {"S": self.resource.name},
            "resource_kind": {"S": self.resource.kind},
            "action": {"S": self.action},
            "trigger_id": {"S": self.trigger_id},
            "trigger": {"S": self.trigger},
            "outcome": {"S": self.outcome.value},
            "mode": {"S": self.mode.value},
            "reason": {"S": self.reason},
            "before": {"S": json.dumps(dict(self.before), sort_keys=True)},
            "after": {"S": json.dumps(dict(self.after), sort_keys=True)},
            "recorded_at": {"S": self.recorded_at.isoformat()},
            "ttl_days": {"N": str(self.ttl_days)},
            "expires_at": {"N": str(int((self.recorded_at + timedelta(days=self.ttl_days)).timestamp()))},
        }
        if self.outcome is Outcome.PENDING:
            item["pending_guardrail"] = {"S": self.guardrail}
        elif self.outcome is Outcome.RESTORED and self.pending_step:
            item["pending_guardrail"] = {"S": FOLLOW_UPS}
        if self.error:
            item["error"] = {"S": self.error[:2000]}
        if self.impact is not None:
            item["impact"] = {"S": json.dumps(dict(self.impact), sort_keys=True)}
        if self.attribution:
            item["attribution"] = {"S": json.dumps(dict(self.attribution), sort_keys=True)}
        if self.pending_step:
            item["pending_step"] = {"S": self.pending_step}
        return item

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> AuditRecord:
        def s(key: str) -> str:
            value = item[key]["S"]
            if not isinstance(value, str):
                raise TypeError(f"{key}: a string attribute is required")
            return value

        return cls(
            guardrail=s("guardrail"),
            resource=Resource(arn=s("pk"), name=s("resource_name"), kind=s("resource_kind")),
            action=s("action"),
            trigger_id=s("trigger_id"),
            trigger=s("trigger"),
            outcome=Outcome(s("outcome")),
            mode=Mode(s("mode")),
            reason=s("reason"),
            before=json.loads(s("before")),
            after=json.loads(s("after")),
            recorded_at=datetime.fromisoformat(s("recorded_at")),
            ttl_days=int(item["ttl_days"]["N"]),
            error=item["error"]["S"] if "error" in item else None,
            impact=json.loads(item["impact"]["S"]) if "impact" in item else None,
            attribution=json.loads(item["attribution"]["S"]) if "attribution" in item else None,
            pending_step=item["pending_step"]["S"] if "pending_step" in item else None,
            mac=item["mac"]["S"] if "mac" in item and isinstance(item["mac"].get("S"), str) else None,
        )


class AuditLog(Protocol):
    """The port through which runs and restores write the audit trail (``AuditTrail`` on DynamoDB)."""

    def begin(self, record: AuditRecord) -> bool: ...

    def finish(self, record: AuditRecord) -> None: ...

    def begin_many(self, records: Sequence[AuditRecord]) -> list[Began]:
        """``begin`` for each record, in few calls: for each, whether it was written (fresh), a duplicate,
        or could not be written (and so must not be acted on)."""
        ...

    def finish_many(self, records: Sequence[AuditRecord]) -> list[AuditUnavailable | None]:
        """``finish`` for each record, in few calls: for each, None once written, else why not."""
        ...

    def pending(self, guardrail: str, older_than: datetime) -> Iterator[AuditRecord]:
        """The records of ``guardrail`` still pending, recorded before ``older_than``."""
        ...

    def load_checkpoint(self, guardrail: str, run_id: str) -> dict[str, Any] | None: ...

    def save_checkpoint(self, guardrail: str, run_id: str, state: Mapping[str, Any], expires_at: int) -> None: ...


class AuditTrail:
    """DynamoDB-backed audit trail (the table is ``AuditTable`` in template.yaml)."""

    def __init__(self, dynamodb: DynamoDBClient, table: str, mac: RecordMac | None = None) -> None:
        self._db = dynamodb
        self._table = table
        self._writer = TransactionWriter(dynamodb, table)
        self.mac = mac  # the stack's record key (ecoguard.record_mac); None: records are not signed

    def _item(self, record: AuditRecord) -> dict[str, Any]:
        """The record's item, signed (enforce records, when the stack has a record key)."""
        item = record.to_item()
        if self.mac is not None and signed(record):
            try:
                item["mac"] = {"S": sign(record, self.mac)}
            except (AwsError, ValueError) as exc:  # no MAC, no record: and no record, no change
                raise AuditUnavailable(f"could not sign the record: {exc}") from exc
        return item

    def _items(self, records: Sequence[AuditRecord]) -> list[dict[str, Any]]:
        """Every record's item, in order. Each MAC is a KMS GenerateMac round trip of its own record alone, so a
        batch's are made side by side, all in one round (``MAC_WORKERS``); the first record (in order) that
        cannot be signed raises ``AuditUnavailable``, as signing them one by one would."""
        if self.mac is None or len(records) <= 1:
            return [self._item(r) for r in records]
        return overlap.read_all(self._item, records, min(len(records), MAC_WORKERS))

    def refusal(self, record: AuditRecord) -> str | None:
        """Why ``record`` must not be acted on (``ecoguard.record_mac.refusal``)."""
        try:
            return refusal(record, self.mac)
        except (AwsError, ValueError) as exc:
            return f"the record's MAC could not be checked: {exc}"

    def begin(self, record: AuditRecord) -> bool:
        """Write the record unless this trigger already handled this action.

        Returns False for a duplicate. A record left ``pending`` (the invocation stopped
        between the write and the change) may be taken over.
        """
        try:
            self._db.put_item(
                TableName=self._table,
                Item=self._item(record),
                ConditionExpression="attribute_not_exists(pk) OR outcome = :pending",
                ExpressionAttributeValues={":pending": {"S": Outcome.PENDING.value}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise AuditUnavailable(str(translate(exc))) from exc
        return True

    def create(self, record: AuditRecord) -> bool:
        """Write the record only if no record has its key (not even a pending one); False if one has.

        Of two writers racing for the same key, exactly one succeeds (a conditional PutItem, DynamoDB
        Developer Guide, "Condition expressions"): a restore attempt's claim."""
        try:
            self._db.put_item(
                TableName=self._table, Item=record.to_item(), ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise AuditUnavailable(str(translate(exc))) from exc
        return True

    def under(self, pk: str, sk_prefix: str) -> list[AuditRecord]:
        """The decision records of ``pk`` whose sort key begins with ``sk_prefix`` (strongly consistent)."""
        pages = self._db.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": pk}, ":prefix": {"S": sk_prefix}},
            ConsistentRead=True,
        )
        try:
            return list(_decisions(pages))
        except ClientError as exc:
            raise AuditUnavailable(str(translate(exc))) from exc

    def finish(self, record: AuditRecord) -> None:
        try:
            self._db.put_item(TableName=self._table, Item=self._item(record))
        except ClientError as exc:
            raise AuditUnavailable(str(translate(exc))) from exc

    def begin_many(self, records: Sequence[AuditRecord]) -> list[Began]:
        if len(records) == 1:  # one conditional PutItem: half the write units of a transaction of one
            try:
                return [Begun.FRESH if self.begin(records[0]) else Begun.DUPLICATE]
            except AuditUnavailable as exc:
                return [exc]
        condition = Condition(BEGIN_CONDITION, {":pending": {"S": Outcome.PENDING.value}})
        try:
            items = self._items(records)
        except AuditUnavailable as exc:
            return [exc for _ in records]
        results = self._writer.put_all(items, condition)
        return [
            Begun.FRESH if result is None else Begun.DUPLICATE if result is CONDITION_FAILED else _unavailable(result)
            for result in results
        ]

    def finish_many(self, records: Sequence[AuditRecord]) -> list[AuditUnavailable | None]:
        if len(records) == 1:
            try:
                self.finish(records[0])
            except AuditUnavailable as exc:
                return [exc]
            return [None]
        try:
            items = self._items(records)
        except AuditUnavailable as exc:
            return [exc for _ in records]
        results = self._writer.put_all(items, None)
        return [None if result is None else _unavailable(result) for result in results]

    def pending(self, guardrail: str, older_than: datetime) -> Iterator[AuditRecord]:
        pages = self._db.get_paginator("query").paginate(
            TableName=self._table,
            IndexName=PENDING_INDEX,
            KeyConditionExpression="pending_guardrail = :g AND recorded_at < :t",
            ExpressionAttributeValues={":g": {"S": guardrail}, ":t": {"S": older_than.isoformat()}},
        )
        try:
            yield from _decisions(pages)
        except ClientError as exc:
            raise AuditUnavailable(str(translate(exc))) from exc

    def get(self, pk: str, sk: str) -> AuditRecord | None:
        try:
            response = self._db.get_item(
                TableName=self._table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
            )
        except ClientError as exc:
            raise translate(exc) from exc
        item = response.get("Item")
        return AuditRecord.from_item(item) if item and item.get("kind", {}).get("S") == "decision" else None

    def find(self, action_id: str) -> AuditRecord | None:
        """The record with this action id (see ``action_id_of``)."""
        try:
            response = self._db.query(
                TableName=self._table,
                IndexName=ACTION_ID_INDEX,
                KeyConditionExpression="action_id = :a",
                ExpressionAttributeValues={":a": {"S": action_id}},
            )
        except ClientError as exc:
            raise translate(exc) from exc
        items = response.get("Items", [])
        return self.get(items[0]["pk"]["S"], items[0]["sk"]["S"]) if items else None

    def records(self, guardrail: str | None = None) -> Iterator[AuditRecord]:
        """Every decision record, oldest first per guardrail (paginated)."""
        pages: Iterable[QueryOutputTypeDef | ScanOutputTypeDef]
        if guardrail:
            pages = self._db.get_paginator("query").paginate(
                TableName=self._table,
                IndexName=GUARDRAIL_INDEX,
                KeyConditionExpression="guardrail = :g",
                ExpressionAttributeValues={":g": {"S": guardrail}},
            )
        else:
            pages = self._db.get_paginator("scan").paginate(TableName=self._table)
        try:
            yield from _decisions(pages)
        except ClientError as exc:
            raise translate(exc) from exc

    # Sweep checkpoints live in the same table under pk "checkpoint#<guardrail>".

    def load_checkpoint(self, guardrail: str, run_id: str) -> dict[str, Any] | None:
        try:
            response = self._db.get_item(
                TableName=self._table,
                Key={"pk": {"S": f"checkpoint#{guardrail}"}, "sk": {"S": run_id}},
                ConsistentRead=True,
            )
        except ClientError as exc:
            raise AuditUnavailable(str(translate(exc))) from exc
        item = response.get("Item")
        return json.loads(item["state"]["S"]) if item else None

    def save_checkpoint(self, guardrail: str, run_id: str, state: Mapping[str, Any], expires_at: int) -> None:
        try:
            self._db.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": f"checkpoint#{guardrail}"},
                    "sk": {"S": run_id},
                    "kind": {"S": "checkpoint"},
                    "state": {"S": json.dumps(dict(state), sort_keys=True)},
                    "expires_at": {"N": str(expires_at)},
                },
            )
        except ClientError as exc:
            raise AuditUnavailable(str(translate(exc))) from exc


def _unavailable(result: Unwritten) -> AuditUnavailable:
    return AuditUnavailable(result.reason)


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, AwsError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _decisions(pages: Iterable[Mapping[str, Any]]) -> Iterator[AuditRecord]:
    """The decision records among the items of a Query's or Scan's pages (not checkpoints, not state)."""
    for page in pages:
        for item in page.get("Items", []):
            if item.get("kind", {}).get("S") == "decision":
                yield AuditRecord.from_item(item)
