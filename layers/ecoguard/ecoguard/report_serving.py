"""The report's "serving" section: open serving and training right-sizing recommendations, ranked by the
USD a month they would save (then kgCO2e), each with its evidence.

A recommendation is open when its latest record for the resource is the finding itself, not its
``<kind>-closed`` record (``guardrails.serving_advisor``: recorded when it opens, and when it closes).
``ServingSection`` takes the audit records one at a time (the report is one pass over the table), and
gives its lines (``lines``, ``as_dict``); the report's page and ``ecoguard advise`` show the same lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ecoguard.audit import AuditRecord
from ecoguard.decisions import Outcome
from ecoguard.guardrails.bedrock_throughput import COMMITMENT_ENDING, COMMITTED
from ecoguard.guardrails.bedrock_throughput import GUARDRAIL as THROUGHPUT
from ecoguard.guardrails.serving_advisor import CLOSED_SUFFIX, GUARDRAIL
from ecoguard.guardrails.training_rightsizing import KINDS as TRAINING_KINDS

FINDING = "finding:"
# Bedrock Provisioned Throughput bought with a commitment: what to do before its term ends (advice only).
THROUGHPUT_KINDS = frozenset({COMMITTED, COMMITMENT_ENDING})


@dataclass(frozen=True)
class ServingLine:
    resource: str
    arn: str
    kind: str
    reason: str
    recommended: str
    confidence: str
    usd: float | None  # saved a month
    kwh: float | None
    kg_co2e: float | None
    current_usd: float | None
    evidence: dict[str, Any]
    unknown: tuple[str, ...]
    recorded_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "arn": self.arn,
            "recommendation": self.kind,
            "reason": self.reason,
            "recommended": self.recommended,
            "confidence": self.confidence,
            "usd_per_month": self.usd,
            "kwh_per_month": self.kwh,
            "kg_co2e_per_month": self.kg_co2e,
            "current_usd_per_month": self.current_usd,
            "evidence": self.evidence,
            "unknown": list(self.unknown),
            "recorded_at": self.recorded_at.isoformat(),
        }


def advice_kind(record: AuditRecord, also: frozenset[str] = frozenset()) -> tuple[str, bool] | None:
    """(the recommendation, closed?) of a serving or right-sizing record, or of any finding of a guardrail in
    ``also``; None for any other record."""
    if record.outcome is not Outcome.FINDING or not record.action.startswith(FINDING):
        return None
    kind = record.action.removeprefix(FINDING)
    closed = kind.endswith(CLOSED_SUFFIX)
    base = kind.removesuffix(CLOSED_SUFFIX)
    if record.guardrail == GUARDRAIL or base in TRAINING_KINDS:
        return base, closed
    if record.guardrail == THROUGHPUT and base in THROUGHPUT_KINDS:
        return base, closed
    if record.guardrail in also:
        return base, closed
    return None


def _line(record: AuditRecord, kind: str) -> ServingLine:
    impact = dict(record.impact or {})
    evidence = dict(record.before)
    return ServingLine(
        resource=record.resource.name,
        arn=record.resource.arn,
        kind=kind,
        reason=record.reason,
        recommended=str(evidence.get("recommended", "")),
        confidence=str(evidence.get("confidence", "")),
        usd=impact.get("usd"),
        kwh=impact.get("kwh"),
        kg_co2e=impact.get("kg_co2e"),
        current_usd=(impact.get("current") or {}).get("usd"),
        evidence=evidence,
        unknown=tuple(impact.get("unknown", ())),
        recorded_at=record.recorded_at,
    )


# A finding of a guardrail in ``ServingSection.also`` is recorded once a day while it holds: one older than its
# guardrail's newest by more than this no longer holds (the resource was stopped, started or removed since).
CURRENT_FOR = timedelta(hours=26)


@dataclass
class ServingSection:
    latest: dict[tuple[str, str], tuple[AuditRecord, bool]] = field(default_factory=dict)
    # Guardrails whose every finding is advice (``ecoguard advise``: idle accelerator instances it does not stop).
    also: frozenset[str] = frozenset()

    def add(self, record: AuditRecord) -> None:
        found = advice_kind(record, self.also)
        if found is None:
            return
        kind, closed = found
        key = (record.pk, kind)
        current = self.latest.get(key)
        if current is None or record.recorded_at >= current[0].recorded_at:
            self.latest[key] = (record, closed)

    def lines(self) -> list[ServingLine]:
        """The open recommendations, the largest monthly USD saving first (unknown savings last)."""
        newest: dict[str, datetime] = {}
        for record, _ in self.latest.values():
            if record.guardrail in self.also:
                newest[record.guardrail] = max(record.recorded_at, newest.get(record.guardrail, record.recorded_at))
        open_ = [
            _line(record, kind)
            for (_, kind), (record, closed) in self.latest.items()
            if not closed and record.recorded_at >= newest.get(record.guardrail, record.recorded_at) - CURRENT_FOR
        ]
        return sorted(
            open_, key=lambda line: (line.usd is None, -(line.usd or 0.0), -(line.kg_co2e or 0.0), line.resource)
        )

    def as_dict(self) -> list[dict[str, Any]]:
        return [line.as_dict() for line in self.lines()]


def evidence_text(line: ServingLine) -> str:
    """The rule's reason, its window and the figures behind it, in one line."""
    figures = line.evidence.get("figures") or {}
    shown = ", ".join(
        f"{name} {value:.3g}" if isinstance(value, float) else f"{name} {value}"
        for name, value in figures.items()
        if value is not None and not isinstance(value, dict)
    )
    excluded = line.evidence.get("excluded") or {}
    parts = [line.reason, shown]
    if excluded:
        parts.append("excluded: " + "; ".join(f"{k}: {v}" for k, v in excluded.items()))
    if line.unknown:
        parts.append("unknown: " + "; ".join(line.unknown))
    return " | ".join(p for p in parts if p)
