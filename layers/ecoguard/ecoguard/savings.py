"""What an action avoids, with a period: pure functions of an impact estimate and times, no AWS.

An audit record's ``impact`` is a rate: its figures are "per idle day", "per day", ... (the estimate's
``period``). This module turns a rate into the two figures the report states for an applied action,
and the one it states for potential:

- **avoided to date**: the rate integrated from the action until now, until it was restored, until a
  later action on the same resource replaced it, or until its horizon ended, whichever comes first;
- **monthly run rate**: what it avoids in a month (730 hours) while it stays in effect; an action whose
  horizon ends sooner counts only the hours left before it ends, and 0 once it has ended or was restored;
- **potential, monthly**: what a dry-run, skipped or advisory record would avoid in a month if enforced.

Horizons (``HORIZONS``): stopping a training job avoids the rest of its ``MaxRuntimeInSeconds``
(SageMaker would have stopped it at ``TrainingStartTime + MaxRuntimeInSeconds``); every other kind of
action lasts until it is restored. An estimate whose period is not a rate ("the training run") has no
monthly figure: it is counted as such, never converted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

HOURS_PER_MONTH = 730.0  # the month of AWS pricing and Cost Explorer: 8,760 h / 12
METRICS = ("kwh", "kg_co2e", "usd")
NO_REASON = "no reason recorded"

# The period strings the guardrails write, and how many hours each rate covers.
_PERIOD_HOURS = {
    "per idle day": 24.0,
    "per day": 24.0,
    "per hour": 1.0,
    "per week": 168.0,
    "per month": HOURS_PER_MONTH,
}

OPEN_HORIZON = "until restored"
MAX_RUNTIME_HORIZON = "rest of MaxRuntimeInSeconds"
# Which horizon each kind of action uses (stated in the report and in docs/ARCHITECTURE.md).
HORIZONS = {
    "stop-training-job": MAX_RUNTIME_HORIZON,
}


def horizon_of(action: str) -> str:
    return HORIZONS.get(action, OPEN_HORIZON)


def period_hours(period: str) -> float | None:
    """The hours a rate's figures cover (``per day ...`` is 24), or None when the period is not a rate."""
    if period in _PERIOD_HOURS:
        return _PERIOD_HOURS[period]
    for prefix, hours in _PERIOD_HOURS.items():
        if period.startswith(prefix + " ") or period.startswith(prefix + ","):
            return hours
    return None


@dataclass(frozen=True)
class Rate:
    """Figures per hour; None where the estimate's part is unknown."""

    per_hour: Mapping[str, float | None]
    horizon: str
    horizon_ends_at: datetime | None = None  # only for MAX_RUNTIME_HORIZON; None there means unknown

    def over(self, hours: float) -> dict[str, float | None]:
        return {k: None if v is None else v * hours for k, v in self.per_hour.items()}


def rate_of(action: str, impact: Mapping[str, Any] | None) -> Rate | None:
    """The rate an impact estimate states, or None when it states none (no estimate, or not a rate)."""
    if not impact:
        return None
    hours = period_hours(str(impact.get("period", "")))
    if hours is None:
        return None
    per_hour: dict[str, float | None] = {}
    for key in METRICS:
        value = impact.get(key)
        per_hour[key] = None if value is None else float(value) / hours
    horizon = horizon_of(action)
    ends = impact.get("horizon_ends_at")
    ends_at = datetime.fromisoformat(ends) if isinstance(ends, str) else None
    return Rate(per_hour, horizon, ends_at if horizon == MAX_RUNTIME_HORIZON else None)


def hours_between(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds() / 3600)


@dataclass(frozen=True)
class Effect:
    """An applied action's span: from ``start`` until ``ended`` (restored or replaced), if it has."""

    start: datetime
    ended: datetime | None = None


def effective_end(rate: Rate, effect: Effect, now: datetime) -> datetime | None:
    """When the saving stops counting: now, the restore, or the horizon (None: horizon unknown)."""
    end = now if effect.ended is None else min(now, effect.ended)
    if rate.horizon == MAX_RUNTIME_HORIZON:
        if rate.horizon_ends_at is None:
            return None
        end = min(end, rate.horizon_ends_at)
    return max(end, effect.start)


def avoided(rate: Rate, effect: Effect, now: datetime) -> dict[str, float | None]:
    """Avoided to date (every figure unknown when the horizon is)."""
    end = effective_end(rate, effect, now)
    if end is None:
        return dict.fromkeys(METRICS)
    return rate.over(hours_between(effect.start, end))


def avoided_between(rate: Rate, effect: Effect, start: datetime, end: datetime) -> dict[str, float | None]:
    """What the action avoided inside [start, end) (for the weekly trend)."""
    stop = effective_end(rate, effect, end)
    if stop is None:
        return dict.fromkeys(METRICS)
    return rate.over(hours_between(max(start, effect.start), stop))


def monthly(rate: Rate, since: datetime) -> dict[str, float | None]:
    """What the rate avoids in the month from ``since``, within its horizon."""
    hours = HOURS_PER_MONTH
    if rate.horizon == MAX_RUNTIME_HORIZON:
        if rate.horizon_ends_at is None:
            return dict.fromkeys(METRICS)
        hours = min(hours, hours_between(since, rate.horizon_ends_at))
    return rate.over(hours)


def monthly_of(action: str, impact: Mapping[str, Any] | None, now: datetime) -> dict[str, float | None] | None:
    """What one estimate avoids in the month from ``now`` (within its horizon); None when it states no rate."""
    rate = rate_of(action, impact)
    return None if rate is None else monthly(rate, now)


def run_rate(rate: Rate, effect: Effect, now: datetime) -> dict[str, float | None]:
    """The monthly run rate of an applied action: 0 once restored or replaced."""
    if effect.ended is not None and effect.ended <= now:
        return dict.fromkeys(METRICS, 0.0)
    return monthly(rate, max(now, effect.start))


@dataclass
class Amounts:
    """Sums of one period's figures, with every unknown part counted, never guessed.

    ``unknown[key]`` counts the actions whose ``key`` figure is unknown; ``unknown_actions`` the actions with any
    unknown figure (a count per action, not per figure); ``reasons`` why, each reason once per action. A figure
    that no action knows is unknown (``figure`` returns None); with no action at all it is a true zero."""

    kwh: float = 0.0
    kg_co2e: float = 0.0
    usd: float = 0.0
    unknown: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))
    actions: int = 0
    unknown_actions: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, figures: Mapping[str, float | None], why: Iterable[str] = ()) -> None:
        self.actions += 1
        missing = False
        for key in METRICS:
            value = figures.get(key)
            if value is None:
                self.unknown[key] += 1
                missing = True
            else:
                setattr(self, key, getattr(self, key) + value)
        if missing:
            self.unknown_actions += 1
            self.reasons.update(dict.fromkeys(why or (NO_REASON,), 1))

    def merge(self, other: Amounts) -> None:
        self.actions += other.actions
        self.unknown_actions += other.unknown_actions
        self.reasons.update(other.reasons)
        for key in METRICS:
            setattr(self, key, getattr(self, key) + getattr(other, key))
            self.unknown[key] += other.unknown[key]

    def get(self, key: str) -> float:
        """The sum of the known parts (0 when none is known: use ``figure`` to tell unknown from zero)."""
        value: float = getattr(self, key)
        return value

    def figure(self, key: str) -> float | None:
        """The sum, or None when every action that contributes has this figure unknown."""
        if self.actions and self.unknown[key] == self.actions:
            return None
        return self.get(key)

    def partial(self, key: str) -> bool:
        """Some actions know this figure and some do not: the sum is a lower bound."""
        return 0 < self.unknown[key] < self.actions

    def as_dict(self) -> dict[str, Any]:
        return {
            "kwh": self.figure("kwh"),
            "kg_co2e": self.figure("kg_co2e"),
            "usd": self.figure("usd"),
            "actions": self.actions,
            "unknown": dict(self.unknown),
            "unknown_actions": self.unknown_actions,
            "unknown_reasons": dict(self.reasons.most_common()),
        }


# How a set of figures is published as CloudWatch metrics (the guardrails' runs, the impact report's headline).
METRIC_UNITS = (("KgCO2e", "kg_co2e"), ("Kwh", "kwh"), ("Usd", "usd"))
KNOWN_PART = "KnownPart"
UNKNOWN_ACTIONS = "UnknownActions"


def published(prefix: str, amounts: Amounts) -> dict[str, float]:
    """Metric name -> value for one set of figures, never a part as the whole:

    - ``<prefix><Unit>`` (``RunRateAddedMonthlyUsd``): the figure, only when every action that contributes
      knows it (0 with none: a true zero);
    - ``<prefix><Unit>KnownPart``: the sum of the known parts, only when some actions know it and some do not
      (a lower bound);
    - ``<prefix>UnknownActions``: how many actions have an unknown figure (a count per action, not per figure).

    A figure no action knows has neither of the first two: the dashboard shows no value, never 0."""
    out: dict[str, float] = {}
    for suffix, key in METRIC_UNITS:
        if amounts.unknown[key] == 0:
            out[f"{prefix}{suffix}"] = amounts.get(key)
        elif amounts.partial(key):
            out[f"{prefix}{suffix}{KNOWN_PART}"] = amounts.get(key)
    out[f"{prefix}{UNKNOWN_ACTIONS}"] = float(amounts.unknown_actions)
    return out
