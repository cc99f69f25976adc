"""From audit records to the report's figures: one line per action in its latest state, one row per
resource, the weekly trend and the attribution. Pure: records and ``now`` in, a ``Report`` out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ecoguard.attempts import undone_sk
from ecoguard.audit import OVERSIZED, TOO_LARGE, AuditRecord
from ecoguard.decisions import Outcome
from ecoguard.impact import METHOD, region_of
from ecoguard.regions import advise
from ecoguard.report_commitments import CommitmentsSection
from ecoguard.report_serving import ServingSection

if TYPE_CHECKING:
    from ecoguard.report.measured import Measurement

from ecoguard.savings import (
    METRICS,
    Amounts,
    Effect,
    Rate,
    avoided,
    avoided_between,
    horizon_of,
    monthly,
    rate_of,
    run_rate,
)

# What enforce mode would do (a dry-run action), apart from what ecoguard never acts on: findings (serving advice,
# HyperPod, Studio apps not known to be idle, warm-pool notices) and skipped resources. Never added together.
POTENTIAL = (Outcome.WOULD_APPLY,)
ADVISORY = (Outcome.FINDING, Outcome.SKIPPED)
RESTORE_PREFIX = "restore:"
TREND_WEEKS = 12
UNTAGGED = "(untagged)"


def account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4] else "unknown"


@dataclass(frozen=True)
class ActionLine:
    """One action on one resource in its latest state, with its figures (None: not applicable)."""

    record: AuditRecord
    account: str
    region: str
    horizon: str
    estimated: bool  # False: no estimate, or an estimate that is not a rate (counted, never converted)
    ended_at: datetime | None = None  # restored, or replaced by a later action of the same kind
    avoided: Mapping[str, float | None] | None = None
    run_rate: Mapping[str, float | None] | None = None
    potential: Mapping[str, float | None] | None = None
    advisory: Mapping[str, float | None] | None = None

    @property
    def applied(self) -> bool:
        return self.record.outcome is Outcome.APPLIED


@dataclass
class ResourceRow:
    """A resource once: its latest record, the sum of its actions' figures, its history on request."""

    arn: str
    name: str
    kind: str
    account: str
    region: str
    latest: AuditRecord
    history: list[AuditRecord]
    attribution: Mapping[str, str]
    avoided: Amounts = field(default_factory=Amounts)
    run_rate: Amounts = field(default_factory=Amounts)
    potential: Amounts = field(default_factory=Amounts)
    advisory: Amounts = field(default_factory=Amounts)
    horizons: tuple[str, ...] = ()
    unestimated: int = 0  # its actions with no estimate, or one that is not a rate


@dataclass
class Breakdown:
    """One team's, guardrail's, account's or region's share."""

    records: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    avoided: Amounts = field(default_factory=Amounts)
    run_rate: Amounts = field(default_factory=Amounts)
    potential: Amounts = field(default_factory=Amounts)
    advisory: Amounts = field(default_factory=Amounts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "outcomes": dict(self.outcomes),
            "avoided_to_date": self.avoided.as_dict(),
            "monthly_run_rate": self.run_rate.as_dict(),
            "potential_monthly": self.potential.as_dict(),
            "advisory_monthly": self.advisory.as_dict(),
        }


@dataclass
class GuardrailSummary:
    guardrail: str
    outcomes: Counter[str] = field(default_factory=Counter)


@dataclass
class Week:
    start: datetime
    end: datetime
    kg_co2e: float = 0.0
    usd: float = 0.0
    unknown_kg_co2e: int = 0
    unknown_usd: int = 0


@dataclass
class Report:
    generated_at: datetime
    records: int = 0
    avoided: Amounts = field(default_factory=Amounts)
    run_rate: Amounts = field(default_factory=Amounts)
    potential: Amounts = field(default_factory=Amounts)  # what enforce mode would do (dry-run), per month
    advisory: Amounts = field(default_factory=Amounts)  # what ecoguard reports and never acts on, per month
    applied_unestimated: int = 0  # applied actions with no estimate, or one that is not a rate
    potential_unestimated: int = 0
    advisory_unestimated: int = 0
    guardrails: dict[str, GuardrailSummary] = field(default_factory=dict)
    actions: list[ActionLine] = field(default_factory=list)
    resources: list[ResourceRow] = field(default_factory=list)
    trend: list[Week] = field(default_factory=list)
    serving: ServingSection = field(default_factory=ServingSection)  # open serving and right-sizing advice
    # training plans and Capacity Blocks noticed with reserved hours unused
    commitments: CommitmentsSection = field(default_factory=CommitmentsSection)
    attribution_tags: tuple[str, ...] = ()
    # dimension ("guardrail", "account", "region", "tag:<key>") -> value -> breakdown
    attribution: dict[str, dict[str, Breakdown]] = field(default_factory=dict)
    regions_flagged: dict[str, list[str]] = field(default_factory=dict)  # region -> cleaner neighbours
    organization: bool = False
    stack: str | None = None  # the stack whose audit table this is, when the caller knows it
    accounts: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    first_record_at: datetime | None = None  # the period covered: from here to generated_at
    # Savings measured from the bill (``ecoguard.report.measured``), when report.measured_savings enables it.
    measured: Measurement | None = None
    # Action name -> what acting interrupts, as its unit states it (None: nothing restarts); the entry that builds
    # the report passes ``ecoguard.actions.interruptions()`` (the report imports no action module).
    interruptions: Mapping[str, str | None] = field(default_factory=dict)

    @property
    def by_account(self) -> dict[str, Breakdown] | None:
        return self.attribution.get("account", {}) if self.organization else None

    @property
    def by_region(self) -> dict[str, Breakdown] | None:
        return self.attribution.get("region", {}) if self.organization else None

    @property
    def method(self) -> str:
        return METHOD


def build_report(
    records: Iterable[AuditRecord],
    now: datetime,
    attribution_tags: Iterable[str] = ("team", "cost-center"),
    stack: str | None = None,
    interruptions: Mapping[str, str | None] | None = None,
) -> Report:
    """The report of one account's audit trail. The attribution is by ``attribution_tags`` (the policy's
    ``report.attribution_tags``) and by every other key the records' captured tags carry; ``stack`` names the
    stack in the title; ``interruptions`` what each action interrupts (``Report.interruptions``)."""
    report = _build(((account_of(r.pk), region_of(r.pk), r) for r in records), now, tuple(attribution_tags), False)
    report.stack = stack
    report.interruptions = dict(interruptions or {})
    return report


def build_org_report(
    located: Iterable[tuple[str, str, AuditRecord]],
    now: datetime,
    attribution_tags: Iterable[str] = ("team", "cost-center"),
    interruptions: Mapping[str, str | None] | None = None,
) -> Report:
    """The report over (account, region, record) from every member, attributed by account and region too."""
    report = _build(located, now, tuple(attribution_tags), True)
    report.interruptions = dict(interruptions or {})
    return report


def _build(
    located: Iterable[tuple[str, str, AuditRecord]], now: datetime, tags: tuple[str, ...], organization: bool
) -> Report:
    by_resource: dict[str, list[tuple[str, str, AuditRecord]]] = {}
    restored_at: dict[tuple[str, str], datetime] = {}
    keys = dict.fromkeys(tags)
    report_serving = ServingSection()
    commitments = CommitmentsSection()
    for account, region, record in located:
        if record.action.startswith(RESTORE_PREFIX) and record.outcome is Outcome.RESTORED:
            # The first attempt that brought it back ends the action (a later one only finished a step).
            key = (record.pk, undone_sk(record.trigger_id))
            restored_at[key] = min(record.recorded_at, restored_at.get(key, record.recorded_at))
        by_resource.setdefault(record.pk, []).append((account, region, record))
        report_serving.add(record)
        commitments.add(record)
        keys.update(dict.fromkeys(record.attribution or {}))  # keys a policy named when the record was written
    report = Report(
        generated_at=now,
        attribution_tags=tuple(keys),
        organization=organization,
        serving=report_serving,
        commitments=commitments,
    )
    for located_records in by_resource.values():
        for account, region, record in located_records:
            report.records += 1
            report.accounts.add(account)
            report.regions.add(region)
            if report.first_record_at is None or record.recorded_at < report.first_record_at:
                report.first_record_at = record.recorded_at
            summary = report.guardrails.setdefault(record.guardrail, GuardrailSummary(record.guardrail))
            summary.outcomes[record.outcome.value] += 1
            if record.error and record.error.startswith(OVERSIZED):
                summary.outcomes[TOO_LARGE] += 1  # also counted failed: not acted, and said why
            for dimension, value in _dimensions(account, region, record, report.attribution_tags):
                breakdown = report.attribution.setdefault(dimension, {}).setdefault(value, Breakdown())
                breakdown.records += 1
                breakdown.outcomes[record.outcome.value] += 1
    for located_records in by_resource.values():
        row = _resource_row(located_records, restored_at, now, report)
        report.resources.append(row)
    report.resources.sort(key=_rank, reverse=True)
    report.trend = _trend(report.actions, now)
    return report


def _dimensions(account: str, region: str, record: AuditRecord, tags: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    yield "guardrail", record.guardrail
    yield "account", account
    yield "region", region
    attribution = record.attribution or {}
    for key in tags:
        yield f"tag:{key}", attribution.get(key) or UNTAGGED


def _resource_row(
    located: list[tuple[str, str, AuditRecord]],
    restored_at: Mapping[tuple[str, str], datetime],
    now: datetime,
    report: Report,
) -> ResourceRow:
    located.sort(key=lambda x: (x[2].recorded_at, x[2].outcome is not Outcome.PENDING))
    history = [r for _, _, r in located]
    account, region, latest = located[-1]
    attribution: Mapping[str, str] = next((r.attribution for r in reversed(history) if r.attribution), {})
    row = ResourceRow(
        latest.pk, latest.resource.name, latest.resource.kind, account, region, latest, history, attribution
    )
    by_action: dict[str, list[AuditRecord]] = {}
    for record in history:
        if not record.action.startswith(RESTORE_PREFIX):
            by_action.setdefault(record.action, []).append(record)
    horizons: list[str] = []
    for records in by_action.values():
        applied = [r for r in records if r.outcome is Outcome.APPLIED]
        for i, record in enumerate(applied):
            ends = [t for t in (restored_at.get((record.pk, record.sk)),) if t is not None]
            ends += [later.recorded_at for later in applied[i + 1 :]][:1]
            line = _applied_line(record, account, region, min(ends) if ends else None, now)
            _count(line, row, report)
            if line.estimated:
                horizons.append(line.horizon)
        last = records[-1]
        if last.outcome in POTENTIAL or last.outcome in ADVISORY:
            line = _potential_line(last, account, region, now)
            _count(line, row, report)
            if line.estimated:
                horizons.append(line.horizon)
    row.horizons = tuple(dict.fromkeys(horizons))
    if latest.resource.kind.startswith("AWS::SageMaker") and region not in report.regions_flagged:
        advice = advise(region)
        if advice is not None:
            report.regions_flagged[region] = [f.region for f in advice.cleaner]
    return row


def _applied_line(record: AuditRecord, account: str, region: str, ended: datetime | None, now: datetime) -> ActionLine:
    rate = rate_of(record.action, record.impact)
    horizon = horizon_of(record.action)
    if rate is None:
        return ActionLine(record, account, region, horizon, False, ended)
    effect = Effect(record.recorded_at, ended)
    return ActionLine(
        record, account, region, horizon, True, ended, avoided(rate, effect, now), run_rate(rate, effect, now)
    )


def _potential_line(record: AuditRecord, account: str, region: str, now: datetime) -> ActionLine:
    rate = rate_of(record.action, record.impact)
    horizon = horizon_of(record.action)
    if rate is None:
        return ActionLine(record, account, region, horizon, False)
    if record.outcome in ADVISORY:
        return ActionLine(record, account, region, horizon, True, advisory=monthly(rate, now))
    return ActionLine(record, account, region, horizon, True, potential=monthly(rate, now))


def _count(line: ActionLine, row: ResourceRow, report: Report) -> None:
    report.actions.append(line)
    targets = [
        report.attribution[d][v]
        for d, v in _dimensions(line.account, line.region, line.record, report.attribution_tags)
    ]
    if not line.estimated:
        row.unestimated += 1
        if line.applied:
            report.applied_unestimated += 1
        elif line.record.outcome in ADVISORY:
            report.advisory_unestimated += 1
        else:
            report.potential_unestimated += 1
        return
    why = unknown_reasons(line.record)
    for figures, pick in figures_of(line):
        if figures is None:
            continue
        for amounts in (getattr(report, pick), getattr(row, pick), *(getattr(t, pick) for t in targets)):
            amounts.add(figures, why)


def unknown_reasons(record: AuditRecord) -> tuple[str, ...]:
    """Why an action's figures are unknown, as its estimate says (each reason once)."""
    impact = record.impact or {}
    return tuple(dict.fromkeys(str(u) for u in impact.get("unknown", ()) if u))


def figures_of(line: ActionLine) -> tuple[tuple[Mapping[str, float | None] | None, str], ...]:
    return ((line.avoided, "avoided"), (line.run_rate, "run_rate"), (line.potential, "potential"),
            (line.advisory, "advisory"))  # fmt: skip


def _rank(row: ResourceRow) -> tuple[float, float, float]:
    return (
        row.run_rate.usd + row.potential.usd + row.advisory.usd,
        row.run_rate.kg_co2e + row.potential.kg_co2e + row.advisory.kg_co2e,
        row.avoided.usd,
    )


def _trend(actions: list[ActionLine], now: datetime) -> list[Week]:
    weeks = [
        Week(now - timedelta(weeks=TREND_WEEKS - i), now - timedelta(weeks=TREND_WEEKS - i - 1))
        for i in range(TREND_WEEKS)
    ]
    for line in actions:
        if not (line.applied and line.estimated):
            continue
        rate = rate_of(line.record.action, line.record.impact)
        if rate is None:
            continue
        effect = Effect(line.record.recorded_at, line.ended_at)
        for week in weeks:
            if week.end <= effect.start:
                continue
            _add_week(week, avoided_between(rate, effect, week.start, week.end))
    return weeks


def _add_week(week: Week, figures: Mapping[str, float | None]) -> None:
    kg, usd = figures.get("kg_co2e"), figures.get("usd")
    if kg is None:
        week.unknown_kg_co2e += 1
    else:
        week.kg_co2e += kg
    if usd is None:
        week.unknown_usd += 1
    else:
        week.usd += usd


__all__ = [
    "METRICS",
    "ActionLine",
    "Breakdown",
    "Rate",
    "Report",
    "ResourceRow",
    "Week",
    "build_org_report",
    "build_report",
]
