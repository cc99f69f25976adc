"""In-memory fakes of ecoguard's ports, for unit tests without AWS."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ecoguard.audit import AuditLog, AuditRecord, AuditUnavailable, Began, Begun
from ecoguard.decisions import Mode, Outcome, Resource
from ecoguard.policy import Policy, build_policy
from ecoguard.settings import Settings
from ecoguard.state import StateConflict, StateItem, StateStore
from ecoguard.wiring import Wiring
from tests.builders.clients import unreachable

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


class MemoryAuditTrail(AuditLog):
    """The audit port, with ``ecoguard.audit.AuditTrail``'s contract; ``journal`` keeps every write in order."""

    def __init__(self, *, unavailable: bool = False) -> None:
        self.items: dict[tuple[str, str], AuditRecord] = {}
        self.journal: list[tuple[str, AuditRecord]] = []
        self.checkpoints: dict[tuple[str, str], dict[str, Any]] = {}
        self.unavailable = unavailable
        self.batches: list[tuple[str, int]] = []  # each begin_many and finish_many: (which, how many records)

    def begin(self, record: AuditRecord) -> bool:
        if self.unavailable:
            raise AuditUnavailable("injected: DynamoDB unavailable")
        existing = self.items.get((record.pk, record.sk))
        if existing is not None and existing.outcome is not Outcome.PENDING:
            return False
        self.items[(record.pk, record.sk)] = record
        self.journal.append(("begin", record))
        return True

    def create(self, record: AuditRecord) -> bool:
        if self.unavailable:
            raise AuditUnavailable("injected: DynamoDB unavailable")
        if (record.pk, record.sk) in self.items:
            return False
        self.items[(record.pk, record.sk)] = record
        self.journal.append(("create", record))
        return True

    def under(self, pk: str, sk_prefix: str) -> list[AuditRecord]:
        if self.unavailable:
            raise AuditUnavailable("injected: DynamoDB unavailable")
        return [r for (p, sk), r in sorted(self.items.items()) if p == pk and sk.startswith(sk_prefix)]

    def finish(self, record: AuditRecord) -> None:
        if self.unavailable:
            raise AuditUnavailable("injected: DynamoDB unavailable")
        self.items[(record.pk, record.sk)] = record
        self.journal.append(("finish", record))

    def begin_many(self, records: Sequence[AuditRecord]) -> list[Began]:
        """``begin`` of each record in turn (``AuditTrail`` writes them in transactions: its own tests)."""
        self.batches.append(("begin", len(records)))
        results: list[Began] = []
        for record in records:
            try:
                results.append(Begun.FRESH if self.begin(record) else Begun.DUPLICATE)
            except AuditUnavailable as exc:
                results.append(exc)
        return results

    def finish_many(self, records: Sequence[AuditRecord]) -> list[AuditUnavailable | None]:
        self.batches.append(("finish", len(records)))
        results: list[AuditUnavailable | None] = []
        for record in records:
            try:
                self.finish(record)
            except AuditUnavailable as exc:
                results.append(exc)
            else:
                results.append(None)
        return results

    def pending(self, guardrail: str, older_than: datetime) -> Iterator[AuditRecord]:
        for record in list(self.items.values()):
            if record.guardrail == guardrail and record.outcome is Outcome.PENDING and record.recorded_at < older_than:
                yield record

    def load_checkpoint(self, guardrail: str, run_id: str) -> dict[str, Any] | None:
        return self.checkpoints.get((guardrail, run_id))

    def save_checkpoint(self, guardrail: str, run_id: str, state: Mapping[str, Any], expires_at: int) -> None:
        self.checkpoints[(guardrail, run_id)] = dict(state)


class MemoryStateStore(StateStore):
    """Same contract as ``ecoguard.state.StateStore`` (versions, conflicts, each mode's state its own)."""

    def __init__(self, guardrail: str, mode: Mode) -> None:
        # Every read and write is overridden below: the DynamoDB client is never called.
        super().__init__(unreachable("dynamodb"), "memory", guardrail, mode)
        self.items: dict[str, StateItem] = {}

    def get(self, key: str) -> StateItem:
        return self.items.get(self._sk(key), StateItem({}, 0))

    def get_many(self, keys: Sequence[str]) -> dict[str, StateItem]:
        return {key: self.get(key) for key in keys}

    def put(self, key: str, value: Mapping[str, Any], *, expected_version: int, expires_at: int) -> int:
        if self.get(key).version != expected_version:
            raise StateConflict(f"{key} changed since it was read")
        self.items[self._sk(key)] = StateItem(dict(value), expected_version + 1)
        return expected_version + 1

    def delete(self, key: str, *, expected_version: int) -> None:
        if self.get(key).version != expected_version:
            raise StateConflict(f"{key} changed since it was read")
        del self.items[self._sk(key)]


def no_clients(service: str) -> Any:
    raise AssertionError(f"the runner under test reached for a {service} client: every port should be a fake")


def wired(
    audit: AuditLog,
    *,
    policy: Policy | None = None,
    mode: Mode = Mode.DRY_RUN,
    clock: Callable[[], datetime] = clock,
    remaining_ms: Callable[[], int] | None = None,
    monotonic: Callable[[], float] | None = None,
) -> Wiring:
    """A runner's wiring for a test: its audit trail and clock given, no AWS client reachable (every port is
    a fake the test passes to the runner)."""
    return Wiring(
        settings=Settings(mode=mode, audit_table="ecoguard-audit"),
        policy=policy or build_policy(),
        audit=audit,
        clients=no_clients,
        clock=clock,
        remaining_ms=remaining_ms,
        monotonic=monotonic,
    )


def entry(
    resource: str,
    outcome: Outcome,
    reason: str = "why",
    *,
    impact: Mapping[str, Any] | None = None,
    action: str = "delete-endpoint",
) -> AuditRecord:
    """A record as a run's summary holds it, for tests of what is made of the summary (notices, metrics)."""
    return AuditRecord(
        guardrail="idle-endpoint",
        resource=Resource(f"arn:aws:sagemaker:eu-west-1:111122223333:endpoint/{resource}", resource, "endpoint"),
        action=action,
        trigger_id="run-1",
        trigger="test",
        outcome=outcome,
        mode=Mode.ENFORCE,
        reason=reason,
        before={},
        after={},
        recorded_at=clock(),
        ttl_days=30,
        impact=impact,
    )
