"""The impact report: what ecoguard did and what it saved, built from the audit trail.

``build_report`` is a single pass over the records (it scales to large tables); ``render_html``
draws its charts as inline SVG, so the layer needs no plotting library.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ecoguard.audit import AuditRecord
from ecoguard.decisions import Outcome
from ecoguard.impact import METHOD, region_of
from ecoguard.regions import advise, ranked
from ecoguard.report_serving import ServingSection

SAVED = Outcome.APPLIED  # changes made: their estimates are savings
POTENTIAL = (Outcome.WOULD_APPLY, Outcome.SKIPPED, Outcome.FINDING)  # what acting would have saved


@dataclass
class Totals:
    kwh: float = 0.0
    kg_co2e: float = 0.0
    usd: float = 0.0
    unknown: int = 0  # estimates with an unknown part

    def add(self, impact: dict[str, Any] | None) -> None:
        if not impact:
            self.unknown += 1
            return
        for key in ("kwh", "kg_co2e", "usd"):
            value = impact.get(key)
            if value is not None:
                setattr(self, key, getattr(self, key) + float(value))
        if impact.get("kwh") is None or impact.get("usd") is None:
            self.unknown += 1

    def as_dict(self) -> dict[str, float | int]:
        return {"kwh": self.kwh, "kg_co2e": self.kg_co2e, "usd": self.usd, "with_unknown_parts": self.unknown}


@dataclass
class GuardrailSummary:
    guardrail: str
    outcomes: Counter[str] = field(default_factory=Counter)
    saved: Totals = field(default_factory=Totals)
    potential: Totals = field(default_factory=Totals)


@dataclass
class Breakdown:
    """One account's or one region's share of an organization report."""

    records: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    saved: Totals = field(default_factory=Totals)
    potential: Totals = field(default_factory=Totals)

    def add(self, record: AuditRecord) -> None:
        self.records += 1
        self.outcomes[record.outcome.value] += 1
        impact = dict(record.impact) if record.impact else None
        if record.outcome is SAVED:
            self.saved.add(impact)
        elif record.outcome in POTENTIAL:
            self.potential.add(impact)

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "outcomes": dict(self.outcomes),
            "saved": self.saved.as_dict(),
            "potential_if_enforced": self.potential.as_dict(),
        }


@dataclass(frozen=True)
class ResourceLine:
    guardrail: str
    resource: str
    outcome: str
    kg_co2e: float | None
    kwh: float | None
    usd: float | None
    period: str


@dataclass
class Report:
    generated_at: datetime
    records: int = 0
    guardrails: dict[str, GuardrailSummary] = field(default_factory=dict)
    saved: Totals = field(default_factory=Totals)
    potential: Totals = field(default_factory=Totals)
    top: list[ResourceLine] = field(default_factory=list)
    regions_flagged: dict[str, list[str]] = field(default_factory=dict)  # region -> cleaner neighbours
    # Organization reports only (build_org_report): per member account and per region.
    by_account: dict[str, Breakdown] | None = None
    by_region: dict[str, Breakdown] | None = None
    serving: ServingSection = field(default_factory=ServingSection)  # open serving advice (report_serving)

    def as_dict(self) -> dict[str, Any]:
        data = self._as_dict()
        if self.by_account is not None and self.by_region is not None:
            data["by_account"] = {k: v.as_dict() for k, v in sorted(self.by_account.items())}
            data["by_region"] = {k: v.as_dict() for k, v in sorted(self.by_region.items())}
        return data

    def _as_dict(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.isoformat(),
            "method": METHOD,
            "records": self.records,
            "saved": self.saved.as_dict(),
            "potential_if_enforced": self.potential.as_dict(),
            "guardrails": {
                name: {
                    "outcomes": dict(g.outcomes),
                    "saved": g.saved.as_dict(),
                    "potential_if_enforced": g.potential.as_dict(),
                }
                for name, g in sorted(self.guardrails.items())
            },
            "top_resources": [line.__dict__ for line in self.top],
            "regions_flagged": self.regions_flagged,
            "serving": self.serving.as_dict(),
            "region_ranking": [
                {"region": f.region, "g_co2e_per_kwh": f.t_co2e_per_kwh * 1e6, "year": f.data_year, "source": f.source}
                for f in ranked()
            ],
        }


def build_report(records: Iterable[AuditRecord], now: datetime, top_n: int = 10) -> Report:
    report = Report(generated_at=now)
    lines: list[ResourceLine] = []
    for record in records:
        report.records += 1
        report.serving.add(record)
        summary = report.guardrails.setdefault(record.guardrail, GuardrailSummary(record.guardrail))
        summary.outcomes[record.outcome.value] += 1
        impact = dict(record.impact) if record.impact else None
        if record.outcome is SAVED:
            summary.saved.add(impact)
            report.saved.add(impact)
        elif record.outcome in POTENTIAL:
            summary.potential.add(impact)
            report.potential.add(impact)
        else:
            continue
        region = region_of(record.pk)
        if record.resource.kind.startswith("AWS::SageMaker") and region not in report.regions_flagged:
            advice = advise(region)
            if advice is not None:
                report.regions_flagged[region] = [f.region for f in advice.cleaner]
        if impact:
            lines.append(
                ResourceLine(
                    record.guardrail,
                    record.resource.name,
                    record.outcome.value,
                    impact.get("kg_co2e"),
                    impact.get("kwh"),
                    impact.get("usd"),
                    str(impact.get("period", "")),
                )
            )
            if len(lines) > top_n * 20:  # keep memory flat on large tables
                lines = _top(lines, top_n)
    report.top = _top(lines, top_n)
    return report


def build_org_report(located: Iterable[tuple[str, str, AuditRecord]], now: datetime, top_n: int = 10) -> Report:
    """The report over (account, region, record) from every member, with per-account and
    per-region breakdowns; everything else is ``build_report``'s."""
    by_account: dict[str, Breakdown] = {}
    by_region: dict[str, Breakdown] = {}

    def tallied() -> Iterator[AuditRecord]:
        for account, region, record in located:
            by_account.setdefault(account, Breakdown()).add(record)
            by_region.setdefault(region, Breakdown()).add(record)
            yield record

    report = build_report(tallied(), now, top_n)
    report.by_account, report.by_region = by_account, by_region
    return report


def _top(lines: list[ResourceLine], n: int) -> list[ResourceLine]:
    return sorted(lines, key=lambda line: (line.kg_co2e or 0.0, line.usd or 0.0), reverse=True)[:n]


def render_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2, sort_keys=True, default=str)


_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
    ".src{font-size:11px;color:#555}.kpi{display:inline-block;margin-right:2em}.kpi b{font-size:1.4em}"
)


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "unknown"
    return f"{value:,.3f} {unit}" if value < 1000 else f"{value:,.0f} {unit}"


def _bar_chart(title: str, rows: list[tuple[str, float, float]], unit: str) -> str:
    """Horizontal bars: (label, saved, potential) per row, drawn as inline SVG."""
    width, label_w, row_h = 640, 170, 26
    height = 40 + row_h * max(len(rows), 1)
    peak = max([max(s, p) for _, s, p in rows] + [1e-12])
    scale = (width - label_w - 90) / peak
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{html.escape(title)}">',
        f'<text x="0" y="16" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, (label, saved, potential) in enumerate(rows):
        y = 30 + i * row_h
        parts.append(f'<text x="0" y="{y + 14}">{html.escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{potential * scale:.1f}" height="9" fill="#c7d7ea"/>')
        parts.append(f'<rect x="{label_w}" y="{y + 10}" width="{saved * scale:.1f}" height="9" fill="#2e7d32"/>')
        parts.append(
            f'<text x="{label_w + max(saved, potential) * scale + 6:.1f}" y="{y + 14}" font-size="11">'
            f"{saved:,.3g} / {potential:,.3g} {unit}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: Report) -> str:
    data = report.as_dict()
    guardrails = sorted(report.guardrails.values(), key=lambda g: g.guardrail)
    co2_rows = [(g.guardrail, g.saved.kg_co2e, g.potential.kg_co2e) for g in guardrails]
    action_rows = [
        (
            g.guardrail,
            float(g.outcomes.get("applied", 0)),
            float(sum(g.outcomes.values()) - g.outcomes.get("applied", 0)),
        )
        for g in guardrails
    ]
    outcome_table = "".join(
        f"<tr><td>{html.escape(g.guardrail)}</td>"
        + "".join(f"<td>{g.outcomes.get(o.value, 0)}</td>" for o in Outcome if o not in (Outcome.PENDING,))
        + f"<td>{_fmt(g.saved.kg_co2e, 'kg')}</td><td>{_fmt(g.potential.kg_co2e, 'kg')}</td></tr>"
        for g in guardrails
    )
    outcome_head = "".join(f"<th>{o.value}</th>" for o in Outcome if o is not Outcome.PENDING)
    top_rows = "".join(
        f"<tr><td>{html.escape(line.guardrail)}</td><td>{html.escape(line.resource)}</td><td>{line.outcome}</td>"
        f"<td>{_fmt(line.kwh, 'kWh')}</td><td>{_fmt(line.kg_co2e, 'kg')}</td><td>{_fmt(line.usd, 'USD')}</td>"
        f"<td>{html.escape(line.period)}</td></tr>"
        for line in report.top
    )
    flagged = "".join(
        f"<li>{html.escape(region)}: cleaner nearby: {html.escape(', '.join(cleaner))}</li>"
        for region, cleaner in sorted(report.regions_flagged.items())
    )
    ranking = "".join(
        f"<tr><td>{i}</td><td>{html.escape(r['region'])}</td><td>{r['g_co2e_per_kwh']:.1f}</td>"
        f"<td>{html.escape(r['year'])}</td><td class=src>{html.escape(r['source'])}</td></tr>"
        for i, r in enumerate(data["region_ranking"], start=1)
    )
    saved, potential = report.saved, report.potential
    organization = _organization_html(report)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ecoguard impact report</title>
<style>{_CSS}</style></head><body>
<h1>ecoguard impact report</h1>
<p>Generated {html.escape(data["generated_at"])} from {report.records:,} audit records. Method {METHOD}
(Cloud Carbon Footprint coefficients; sources in the package's data/SOURCES.md). Savings count applied actions;
"potential" is what dry-run, skipped and advisory records would have saved if enforced.</p>
<div><span class=kpi>Saved: <b>{_fmt(saved.kwh, "kWh")}</b></span>
<span class=kpi><b>{_fmt(saved.kg_co2e, "kgCO2e")}</b></span>
<span class=kpi><b>{_fmt(saved.usd, "USD")}</b></span></div>
<div><span class=kpi>Potential if enforced: {_fmt(potential.kwh, "kWh")}, {_fmt(potential.kg_co2e, "kgCO2e")},
{_fmt(potential.usd, "USD")}</span></div>
<p>{saved.unknown + potential.unknown} estimate(s) have an unknown part (no sourced figure);
they are counted without it.</p>
{organization}<h2>Per guardrail</h2>
{_bar_chart("kgCO2e: applied (green) vs potential (blue)", co2_rows, "kg")}
{_bar_chart("actions: applied (green) vs other decisions (blue)", action_rows, "")}
<table><tr><th>guardrail</th>{outcome_head}<th>saved kgCO2e</th><th>potential kgCO2e</th></tr>{outcome_table}</table>
<h2>Top resources</h2>
<table><tr><th>guardrail</th><th>resource</th><th>outcome</th><th>kWh</th><th>kgCO2e</th><th>USD</th><th>period</th></tr>
{top_rows}</table>
{report.serving.html()}<h2>Regions</h2>
<ul>{flagged or "<li>No SageMaker resource in the audit trail runs where a much cleaner region is near.</li>"}</ul>
<table><tr><th>#</th><th>region</th><th>gCO2e/kWh</th><th>data year</th><th>source</th></tr>{ranking}</table>
</body></html>
"""


def _breakdown_table(title: str, label: str, rows: dict[str, Breakdown]) -> str:
    body = "".join(
        f"<tr><td>{html.escape(key)}</td><td>{b.records}</td><td>{b.outcomes.get('applied', 0)}</td>"
        f"<td>{_fmt(b.saved.kwh, 'kWh')}</td><td>{_fmt(b.saved.kg_co2e, 'kg')}</td><td>{_fmt(b.saved.usd, 'USD')}</td>"
        f"<td>{_fmt(b.potential.kg_co2e, 'kg')}</td></tr>"
        for key, b in sorted(rows.items())
    )
    return (
        f"<h2>{html.escape(title)}</h2><table><tr><th>{label}</th><th>records</th><th>applied</th><th>saved kWh</th>"
        f"<th>saved kgCO2e</th><th>saved USD</th><th>potential kgCO2e</th></tr>{body}</table>\n"
    )


def _organization_html(report: Report) -> str:
    if report.by_account is None or report.by_region is None:
        return ""
    return _breakdown_table("Per account", "account", report.by_account) + _breakdown_table(
        "Per region", "region", report.by_region
    )
