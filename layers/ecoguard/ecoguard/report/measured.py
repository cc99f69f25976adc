"""Savings measured from the bill: each applied action's resource, its daily cost before and after the action,
from Cost Explorer's resource-level data, beside the estimate. Pure: daily costs and the report's actions in,
one line per applied action out; ``ecoguard.adapters.cost_explorer`` reads the costs.

Cost Explorer keeps resource-level data for the last 14 days (its API reference: the start date cannot be
earlier than 14 days ago). The day an action was applied is mixed, so it is left out; ``min_days`` full days
are needed on each side. Each day Cost Explorer answered for counts: a resource with no cost on such a day
cost nothing that day (a true zero). Anything else reads "not verified", with its reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from ecoguard.report.ledger import ActionLine

RESOURCE_LEVEL_DAYS = 14
NOT_VERIFIED = "not verified"
MEASURED = "measured"


@dataclass(frozen=True)
class DailyCosts:
    """What Cost Explorer answered: the days it covered, and each resource's cost per day (USD)."""

    days: tuple[date, ...]
    by_resource: Mapping[str, Mapping[date, float]]
    estimated_days: frozenset[date] = frozenset()  # days Cost Explorer marks Estimated (the bill is not final)
    error: str | None = None  # why nothing could be read (Cost Explorer's error code), if so


@dataclass(frozen=True)
class Window:
    start: date  # inclusive
    end: date  # exclusive: today, whose cost is still partial


def window(now: datetime) -> Window:
    """The days to ask for: the 13 full days before today (a start 14 days back may already be out of range)."""
    today = now.date()
    return Window(today - timedelta(days=RESOURCE_LEVEL_DAYS - 1), today)


@dataclass(frozen=True)
class MeasuredSaving:
    action_id: str
    resource_arn: str
    resource_name: str
    action: str
    applied_at: datetime
    estimate_usd_per_day: float | None
    status: str  # MEASURED or NOT_VERIFIED
    reason: str
    before_usd_per_day: float | None = None
    after_usd_per_day: float | None = None
    days_before: int = 0
    days_after: int = 0
    estimated_bill: bool = False

    @property
    def saved_usd_per_day(self) -> float | None:
        if self.before_usd_per_day is None or self.after_usd_per_day is None:
            return None
        return self.before_usd_per_day - self.after_usd_per_day

    def as_dict(self) -> dict[str, Any]:
        return {
            "action_id": self.action_id,
            "resource_arn": self.resource_arn,
            "resource_name": self.resource_name,
            "action": self.action,
            "applied_at": self.applied_at.isoformat(),
            "status": self.status,
            "reason": self.reason,
            "estimate_usd_per_day": self.estimate_usd_per_day,
            "before_usd_per_day": self.before_usd_per_day,
            "after_usd_per_day": self.after_usd_per_day,
            "saved_usd_per_day": self.saved_usd_per_day,
            "days_before": self.days_before,
            "days_after": self.days_after,
            "estimated_bill": self.estimated_bill,
        }


@dataclass
class Measurement:
    """The report's measured section: None lines when the policy does not enable it."""

    window: Window
    lines: list[MeasuredSaving] = field(default_factory=list)
    error: str | None = None

    def counts(self) -> dict[str, int]:
        measured = sum(1 for line in self.lines if line.status == MEASURED)
        return {MEASURED: measured, NOT_VERIFIED: len(self.lines) - measured}


def resource_ids(line: ActionLine) -> tuple[str, ...]:
    """The ids Cost Explorer may use for the resource: its ARN, then its name."""
    resource = line.record.resource
    return tuple(dict.fromkeys(i for i in (resource.arn, resource.name) if i))


def estimate_per_day(line: ActionLine) -> float | None:
    if line.run_rate is None:
        return None
    monthly = line.run_rate.get("usd")
    return None if monthly is None else monthly / (730.0 / 24.0)


def measure(actions: Iterable[ActionLine], costs: DailyCosts, span: Window, min_days: int) -> Measurement:
    """One line per applied action in effect: measured where Cost Explorer covers enough days, else why not."""
    result = Measurement(span, error=costs.error)
    covered = sorted(d for d in costs.days if span.start <= d < span.end)
    for line in actions:
        if not line.applied or line.record.action.startswith("restore:"):
            continue
        result.lines.append(_measure_one(line, costs, covered, min_days))
    return result


def _measure_one(line: ActionLine, costs: DailyCosts, covered: list[date], min_days: int) -> MeasuredSaving:
    record = line.record
    unverified = MeasuredSaving(
        action_id=record.action_id,
        resource_arn=record.resource.arn,
        resource_name=record.resource.name,
        action=record.action,
        applied_at=record.recorded_at,
        estimate_usd_per_day=estimate_per_day(line),
        status=NOT_VERIFIED,
        reason="",
    )
    if costs.error is not None:
        return replace(unverified, reason=f"Cost Explorer did not answer: {costs.error}")
    day = record.recorded_at.date()
    before = [d for d in covered if d < day]
    after = [d for d in covered if d > day and (line.ended_at is None or d < line.ended_at.date())]
    if not covered or day < covered[0]:
        why = "applied before the 14 days Cost Explorer keeps resource-level data for"
        return replace(unverified, reason=why)
    if len(before) < min_days or len(after) < min_days:
        why = (
            f"needs {min_days} full day(s) of cost on each side of the action; Cost Explorer covers "
            f"{len(before)} before and {len(after)} after"
        )
        return replace(unverified, reason=why, days_before=len(before), days_after=len(after))
    series = next((costs.by_resource[i] for i in resource_ids(line) if i in costs.by_resource), None)
    if series is None:
        why = "Cost Explorer has no resource-level cost for this resource (enable resource-level data, or add its "
        why += "service to report.measured_savings.services)"
        return replace(unverified, reason=why)

    def mean(days: list[date]) -> float:
        return sum(series.get(d, 0.0) for d in days) / len(days)

    return replace(
        unverified,
        status=MEASURED,
        reason=f"mean daily cost over {len(before)} day(s) before and {len(after)} after, the action's day left out",
        before_usd_per_day=mean(before),
        after_usd_per_day=mean(after),
        days_before=len(before),
        days_after=len(after),
        estimated_bill=any(d in costs.estimated_days for d in (*before, *after)),
    )
