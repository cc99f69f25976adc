"""Restore attempts: each attempt at undoing one record is an audit record of its own, and the latest decides.

An attempt's key: ``pk`` the resource's ARN, ``sk`` ``restore:<the undone record's sk>@<n>#restore:<action>``,
``n`` counting from 1 (a record written before attempts were numbered, without ``@<n>``, counts as attempt 0).
A new attempt claims the number after the latest with a conditional put that fails if the key exists, so of
two restores racing, exactly one writes attempt ``n + 1`` and acts; the other is told one is in progress.

What the latest attempt says (pure: the attempts and the time in, the standing out):

| latest attempt | standing |
|---|---|
| none | ``FIRST``: restore |
| pending, recorded less than ``LEASE`` ago | ``IN_PROGRESS``: another restore is acting; nothing done |
| pending, older (its invocation or CLI ended without finishing) | ``RETRY``: restore, resuming |
| failed | ``RETRY`` |
| restored with a step left (``pending_step``) | ``FOLLOW_UP``: finish the step |
| restored | ``DONE``: nothing to do |
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ecoguard.audit import AuditRecord
from ecoguard.decisions import Outcome

RESTORE_PREFIX = "restore:"
NUMBER = "@"
# Longer than any restore can run: Lambda's longest timeout (15 min, Lambda quotas) plus a minute. A pending
# attempt older than this belongs to an invocation (or a CLI) that ended without writing its outcome.
LEASE = timedelta(minutes=16)


class Standing(StrEnum):
    FIRST = "first"
    IN_PROGRESS = "in-progress"
    RETRY = "retry"
    FOLLOW_UP = "follow-up"
    DONE = "done"


def prefix_of(record: AuditRecord) -> str:
    """The sort-key prefix every attempt at restoring ``record`` shares (numbered or not)."""
    return f"{RESTORE_PREFIX}{record.sk}"


def trigger_of(record: AuditRecord, number: int) -> str:
    """The trigger id of attempt ``number`` at restoring ``record``."""
    return f"{prefix_of(record)}{NUMBER}{number:04d}"


def undone_sk(trigger_id: str) -> str:
    """The sort key of the record an attempt (by its trigger id) restores."""
    base = trigger_id.removeprefix(RESTORE_PREFIX)
    head, sep, tail = base.rpartition(NUMBER)
    return head if sep and tail.isdigit() else base


def number_of(attempt: AuditRecord) -> int:
    _, sep, tail = attempt.trigger_id.rpartition(NUMBER)
    return int(tail) if sep and tail.isdigit() else 0


@dataclass(frozen=True)
class Attempts:
    """The attempts at restoring one record, as read (strongly consistent)."""

    of: AuditRecord
    made: tuple[AuditRecord, ...]

    @classmethod
    def among(cls, record: AuditRecord, found: Iterable[AuditRecord]) -> Attempts:
        """Only the records that are attempts at restoring ``record`` (an sk prefix also matches other actions'
        attempts when one action's name begins with another's)."""
        action = f"{RESTORE_PREFIX}{record.action}"
        mine = [r for r in found if r.action == action and undone_sk(r.trigger_id) == record.sk]
        return cls(record, tuple(sorted(mine, key=number_of)))

    @property
    def latest(self) -> AuditRecord | None:
        return self.made[-1] if self.made else None

    @property
    def latest_step(self) -> str | None:
        """The step the latest attempt left to the next (None: none)."""
        return self.made[-1].pending_step if self.made else None

    @property
    def next_number(self) -> int:
        return number_of(self.made[-1]) + 1 if self.made else 1

    def standing(self, now: datetime) -> Standing:
        latest = self.latest
        if latest is None:
            return Standing.FIRST
        if latest.outcome is Outcome.PENDING:
            return Standing.IN_PROGRESS if now - latest.recorded_at < LEASE else Standing.RETRY
        if latest.outcome is Outcome.RESTORED:
            return Standing.FOLLOW_UP if latest.pending_step else Standing.DONE
        return Standing.RETRY
