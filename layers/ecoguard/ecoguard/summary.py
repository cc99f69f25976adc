"""What a run did: its trigger, and one entry per record it wrote, counted for the run's summary, metrics and
notice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from aws_lambda_powertools import Logger

from ecoguard import savings
from ecoguard.audit import AuditRecord
from ecoguard.decisions import Mode, Outcome

logger = Logger(child=True)


@dataclass(frozen=True)
class Trigger:
    """What caused this run: its id keys idempotency; the description goes in the audit."""

    id: str
    description: str


@dataclass
class RunSummary:
    guardrail: str
    mode: Mode
    evaluated: int = 0
    compliant: int = 0
    entries: list[AuditRecord] = field(default_factory=list)  # every record the run wrote, final outcomes

    def note(self, record: AuditRecord) -> Outcome:
        """Count a record's outcome in the run, and log it; its outcome."""
        self.entries.append(record)
        log = logger.warning if record.outcome is Outcome.FAILED else logger.info
        log(
            "decision",
            extra={
                "guardrail": record.guardrail,
                "resource": record.pk,
                "outcome": record.outcome.value,
                "reason": record.reason,
                "before": dict(record.before),
                "after": dict(record.after),
                "error": record.error,
            },
        )
        return record.outcome

    def count(self, outcome: Outcome) -> int:
        return sum(1 for entry in self.entries if entry.outcome is outcome)

    def monthly(self, outcomes: tuple[Outcome, ...], now: datetime) -> savings.Amounts:
        """A month, from ``now``, of the entries with these outcomes: each estimate's rate over a month within
        its horizon (``ecoguard.savings``), so figures stated per idle day, per day or per month add up; an
        estimate that states no rate is left out, and unknown parts are counted, not added."""
        total = savings.Amounts()
        for entry in self.entries:
            month = savings.monthly_of(entry.action, entry.impact, now) if entry.outcome in outcomes else None
            if month is not None:
                total.add(month)
        return total

    def as_dict(self) -> dict[str, object]:
        return {
            "guardrail": self.guardrail,
            "mode": self.mode.value,
            "evaluated": self.evaluated,
            "compliant": self.compliant,
            **{outcome.value: self.count(outcome) for outcome in Outcome if self.count(outcome)},
        }
