"""What a resource costs now, per month, shown beside what acting on it saves. Pure: audit records in.

A guardrail's estimate states the resource's own cost over a period (``impact["current"]``, ``ecoguard.impact.
Cost``), at the same sourced prices as its saving: an idle endpoint's or notebook's instances, a training job's,
a log group's or a bucket's stored bytes. A record without it (written before estimates stated it, or of a kind
ecoguard does not price) reads "unknown", with that reason: never 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ecoguard.audit import AuditRecord
from ecoguard.impact import CURRENT
from ecoguard.savings import HOURS_PER_MONTH, period_hours

NO_ESTIMATE = "no estimate recorded for this resource"
NOT_STATED = "its estimate does not state the resource's current cost"
NO_REASON = "no reason recorded"
RESTORE_PREFIX = "restore:"


@dataclass(frozen=True)
class CurrentCost:
    """USD a month the resource costs now; None: unknown, and ``why``."""

    usd_per_month: float | None
    why: str = ""


def current_of(impact: Mapping[str, Any] | None) -> CurrentCost:
    """The monthly current cost one estimate states."""
    if not impact:
        return CurrentCost(None, NO_ESTIMATE)
    current = impact.get(CURRENT)
    if not isinstance(current, Mapping):
        return CurrentCost(None, NOT_STATED)
    period = str(current.get("period", ""))
    hours = period_hours(period)
    if hours is None:
        return CurrentCost(None, f"its current cost is not a rate (period: {period or 'none'})")
    usd = current.get("usd")
    if usd is None:
        reasons = [str(u) for u in current.get("unknown") or () if u]
        return CurrentCost(None, "; ".join(dict.fromkeys(reasons)) or NO_REASON)
    return CurrentCost(float(usd) / hours * HOURS_PER_MONTH)


def current_cost(history: Iterable[AuditRecord]) -> CurrentCost:
    """The resource's current monthly cost, from its latest record that carries an estimate (a restore's record
    carries none: the estimate before it still describes the resource)."""
    estimated = [r for r in history if r.impact and not r.action.startswith(RESTORE_PREFIX)]
    if not estimated:
        return CurrentCost(None, NO_ESTIMATE)
    latest = max(estimated, key=lambda r: r.recorded_at)
    return current_of(latest.impact)
