"""The report's "reserved capacity" section: training plans and Capacity Blocks noticed with reserved hours unused
(``guardrails.reserved_capacity``), each with the instance-hours left unused when it was noticed and what would
use them. ``CommitmentsSection`` takes the audit records one at a time (the report is one pass over the table):
the latest notice of each commitment, shown while its end is still ahead of the report (or unknown); the report's
page, its JSON and ``ecoguard advise`` show the same lines. Unknown figures stay unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ecoguard.audit import AuditRecord
from ecoguard.decisions import Outcome
from ecoguard.guardrails.reserved_capacity import END_UNKNOWN, GUARDRAIL, UNKNOWN, UNUSED

NOTICES = {f"finding:{UNUSED}", f"finding:{END_UNKNOWN}"}


@dataclass(frozen=True)
class CommitmentLine:
    resource: str
    arn: str
    commitment: str  # training-plan or capacity-block
    ends: datetime | None
    available: int | None
    total: int | None
    unused_instance_hours: float | None  # when it was noticed
    reason: str
    noticed_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "arn": self.arn,
            "commitment": self.commitment,
            "ends": self.ends.isoformat() if self.ends else UNKNOWN,
            "available_instances": UNKNOWN if self.available is None else self.available,
            "total_instances": UNKNOWN if self.total is None else self.total,
            "unused_instance_hours": UNKNOWN if self.unused_instance_hours is None else self.unused_instance_hours,
            "reason": self.reason,
            "noticed_at": self.noticed_at.isoformat(),
        }


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _line(record: AuditRecord) -> CommitmentLine:
    evidence = record.before
    ends = evidence.get("ends")
    hours = evidence.get("unused_instance_hours")
    try:
        end = datetime.fromisoformat(ends) if isinstance(ends, str) and ends != UNKNOWN else None
    except ValueError:
        end = None
    if end is not None and end.tzinfo is None:  # a record from elsewhere (a member account) without a zone
        end = None
    return CommitmentLine(
        resource=record.resource.name,
        arn=record.resource.arn,
        commitment=str(evidence.get("commitment", "")),
        ends=end,
        available=_count(evidence.get("available_instances")),
        total=_count(evidence.get("total_instances")),
        unused_instance_hours=float(hours) if isinstance(hours, int | float) and not isinstance(hours, bool) else None,
        reason=record.reason,
        noticed_at=record.recorded_at,
    )


@dataclass
class CommitmentsSection:
    latest: dict[str, AuditRecord] = field(default_factory=dict)

    def add(self, record: AuditRecord) -> None:
        if record.guardrail != GUARDRAIL or record.outcome is not Outcome.FINDING or record.action not in NOTICES:
            return
        current = self.latest.get(record.pk)
        if current is None or record.recorded_at >= current.recorded_at:
            self.latest[record.pk] = record

    def lines(self, now: datetime) -> list[CommitmentLine]:
        """The commitments still running at ``now`` (or whose end is unknown), the soonest end first."""
        lines = [_line(r) for r in self.latest.values()]
        running = [line for line in lines if line.ends is None or line.ends > now]
        return sorted(running, key=lambda line: (line.ends is None, line.ends or now, line.resource))

    def as_dict(self, now: datetime) -> list[dict[str, Any]]:
        return [line.as_dict() for line in self.lines(now)]
