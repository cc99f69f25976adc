"""The executor's queue: plans waiting to be carried out together, each with the records of its decisions.

In a sweep, plans are queued (``Executor.batching``) until their records would fill one transaction
(``audit_batch.MAX_ITEMS``), or until a destructive action's confirming read grows old; outside a sweep each
plan is a batch of one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ecoguard.audit import AuditRecord
from ecoguard.confirm import FRESH_FOR, Confirmation, confirmed, still_fresh
from ecoguard.decisions import Decision, Outcome, Plan, StateChange
from ecoguard.errors import Throttled

# A sweep's batch is carried out once its records would fill a transaction (``audit_batch.MAX_ITEMS``).
BATCH_RECORDS = 100

STALE = "the resource changed between the read and the change; not changed now (the next run decides again)"


@dataclass
class Step:
    """One decision of a queued plan, and its record (under the trigger it is recorded under)."""

    decision: Decision
    record: AuditRecord


@dataclass
class Queued[S]:
    number: int  # plans are numbered in the order they are queued
    plan: Plan
    steps: list[Step]
    change: StateChange | None = None
    failure: AuditRecord | None = None  # the plan's resource could not be read
    confirmation: Confirmation[S] | None = None
    read_at: float | None = None  # when its confirming read was made (``monotonic``)
    claiming: bool = False  # its state claim is still to be written, before the batch's records (``Executor``)
    unlooked: Throttled | None = None  # its last look (``Confirmation.last_look``) was throttled
    queued_at: float | None = None  # when it was queued (``monotonic``)

    def stale(self, monotonic: Callable[[], float]) -> str | None:
        """Why a destructive action must not be made now: its confirming read is over ``FRESH_FOR`` old, and
        reading again finds the plan changed (None: it may be made). Throttling of that read, or of the last
        look, is raised."""
        if self.unlooked is not None:
            raise self.unlooked
        if self.confirmation is None or self.read_at is None or still_fresh(self.read_at, monotonic):
            return None
        again = confirmed(self.plan, replace(self.confirmation, read_at=None), monotonic)
        self.read_at = monotonic()
        if again.actions == self.plan.actions and again.unreadable is None:
            return None
        return STALE


@dataclass
class Batch:
    open: bool = False
    queued: list[Queued[Any]] = field(default_factory=list)
    planned: int = 0
    deferred: int | None = None  # the number of the first plan deferred since the batching began

    @property
    def changes(self) -> int:
        """The steps queued to make a change (their records ``pending``)."""
        return sum(step.record.outcome is Outcome.PENDING for q in self.queued for step in q.steps)

    @property
    def records(self) -> int:
        return sum(len(q.steps) + (q.failure is not None) for q in self.queued)

    def due(self, monotonic: Callable[[], float]) -> bool:
        """Whether the queue should be carried out now: its records would fill a transaction, or a
        destructive action's confirming read is half of ``FRESH_FOR`` old."""
        if self.records >= BATCH_RECORDS:
            return True
        reads = (q.read_at for q in self.queued if q.read_at is not None and not _old_when_queued(q))
        oldest = min(reads, default=None)
        return oldest is not None and monotonic() - oldest > FRESH_FOR.total_seconds() / 2


def _old_when_queued(q: Queued[Any]) -> bool:
    """Whether its read was half of ``FRESH_FOR`` old already when it was queued (read far ahead while a batch was
    carried out). Such a read does not make its batch due: carried out at once it would be no fresher (it is read
    again before its change once over ``FRESH_FOR``), and every such plan would be a batch of its own."""
    return q.read_at is not None and q.queued_at is not None and q.queued_at - q.read_at > FRESH_FOR.total_seconds() / 2
