"""The report as data: JSON (the whole report) and CSV (one row per action or finding, for FinOps tools)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ecoguard.decisions import Outcome
from ecoguard.impact import METHOD
from ecoguard.regions import ranked
from ecoguard.report.costs import current_cost, current_of
from ecoguard.report.headline import headline
from ecoguard.report.interruptions import interrupts
from ecoguard.report.ledger import ActionLine, Report, ResourceRow
from ecoguard.report.method import method_sentences
from ecoguard.report.page import title
from ecoguard.savings import HORIZONS, HOURS_PER_MONTH, METRICS, OPEN_HORIZON


def as_dict(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = {
        "generated_at": report.generated_at.isoformat(),
        "method": METHOD,
        "records": report.records,
        "hours_per_month": HOURS_PER_MONTH,
        "horizons": {**HORIZONS, "(every other action)": OPEN_HORIZON},
        "headline": headline(report),
        "avoided_to_date": report.avoided.as_dict(),
        "monthly_run_rate": report.run_rate.as_dict(),
        "potential_monthly": report.potential.as_dict(),
        "advisory_monthly": report.advisory.as_dict(),
        "applied_without_rate": report.applied_unestimated,
        "potential_without_rate": report.potential_unestimated,
        "advisory_without_rate": report.advisory_unestimated,
        "title": title(report),
        "stack": report.stack,
        "accounts": sorted(report.accounts),
        "regions": sorted(report.regions),
        "period_start": None if report.first_record_at is None else report.first_record_at.isoformat(),
        "method_statement": method_sentences(r for r in report.regions if r != "unknown"),
        "guardrails": {name: {"outcomes": dict(g.outcomes)} for name, g in sorted(report.guardrails.items())},
        "attribution_tags": list(report.attribution_tags),
        "attribution": {
            dimension: {value: b.as_dict() for value, b in sorted(values.items())}
            for dimension, values in sorted(report.attribution.items())
        },
        "resources": [_resource(row, report) for row in report.resources],
        "measured": None
        if report.measured is None
        else {
            "window_start": report.measured.window.start.isoformat(),
            "window_end": report.measured.window.end.isoformat(),
            "error": report.measured.error,
            "counts": report.measured.counts(),
            "actions": [m.as_dict() for m in report.measured.lines],
        },
        "serving": report.serving.as_dict(),
        "commitments": report.commitments.as_dict(report.generated_at),
        "trend": [
            {
                "week_start": w.start.isoformat(),
                "week_end": w.end.isoformat(),
                "kg_co2e": w.kg_co2e,
                "usd": w.usd,
                "unknown_kg_co2e": w.unknown_kg_co2e,
                "unknown_usd": w.unknown_usd,
            }
            for w in report.trend
        ],
        "regions_flagged": report.regions_flagged,
        "region_ranking": [
            {"region": f.region, "g_co2e_per_kwh": f.t_co2e_per_kwh * 1e6, "year": f.data_year, "source": f.source}
            for f in ranked()
        ],
    }
    if report.by_account is not None and report.by_region is not None:
        data["by_account"] = {k: v.as_dict() for k, v in sorted(report.by_account.items())}
        data["by_region"] = {k: v.as_dict() for k, v in sorted(report.by_region.items())}
    return data


def _resource(row: ResourceRow, report: Report) -> dict[str, Any]:
    current = current_cost(row.history)
    return {
        "arn": row.arn,
        "name": row.name,
        "kind": row.kind,
        "account": row.account,
        "region": row.region,
        "guardrail": row.latest.guardrail,
        "latest": {
            "action": row.latest.action,
            "outcome": row.latest.outcome.value,
            "at": row.latest.recorded_at.isoformat(),
        },
        "attribution": dict(row.attribution),
        "avoided_to_date": row.avoided.as_dict(),
        "monthly_run_rate": row.run_rate.as_dict(),
        "potential_monthly": row.potential.as_dict(),
        "advisory_monthly": row.advisory.as_dict(),
        "horizons": list(row.horizons),
        "history": len(row.history),
        "cost_before_acting_usd_per_month": current.usd_per_month,
        "cost_before_acting_unknown": current.why or None,
        "acting_interrupts": interrupts(row.latest.action, row.latest.outcome, report.interruptions),
    }


def render_json(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2, sort_keys=True, default=str)


FIGURE_PREFIXES = ("avoided_to_date", "monthly_run_rate", "potential_monthly", "advisory_monthly")


def csv_columns(report: Report) -> list[str]:
    figures = [f"{p}_{m}" for p in FIGURE_PREFIXES for m in METRICS]
    return [
        "action_id", "account", "region", "guardrail", "resource_arn", "resource_name", "resource_kind",
        *(f"tag:{key}" for key in report.attribution_tags),
        "action", "outcome", "mode", "recorded_at", "ended_at", "horizon", "period", *figures, "unknown", "reason",
        *MEASURED_COLUMNS, *CURRENT_COLUMNS, "acting_interrupts",
    ]  # fmt: skip


MEASURED_COLUMNS = ("measured_status", "measured_before_usd_per_day", "measured_after_usd_per_day")
# The resource's own cost a month when the action was decided (its estimate's ``current``), or "unknown" and why.
CURRENT_COLUMNS = ("cost_before_acting_usd_per_month", "cost_before_acting_unknown")


def _measured(report: Report, action_id: str) -> list[str]:
    """The bill's view of an applied action, where measured savings are enabled (empty otherwise)."""
    if report.measured is None:
        return ["", "", ""]
    found = next((m for m in report.measured.lines if m.action_id == action_id), None)
    if found is None:
        return ["", "", ""]
    figures = (found.before_usd_per_day, found.after_usd_per_day)
    return [found.status, *("" if v is None else f"{v:.2f}" for v in figures)]


def _current(impact: Any) -> list[str]:
    cost = current_of(impact)
    return ["unknown", cost.why] if cost.usd_per_month is None else [f"{cost.usd_per_month:.2f}", ""]


def csv_row(report: Report, line: ActionLine) -> list[str]:
    record = line.record
    impact = record.impact or {}
    attribution = record.attribution or {}

    def figure(values: Any, key: str) -> str:
        if values is None:
            return ""
        value = values.get(key)
        return "unknown" if value is None else (f"{value:.2f}" if key == "usd" else f"{value:.6g}")

    figures = [figure(v, m) for v in (line.avoided, line.run_rate, line.potential, line.advisory) for m in METRICS]
    unknown = "; ".join(str(u) for u in impact.get("unknown", [])) if impact else "no estimate"
    if impact and not line.estimated:
        unknown = f"not a rate (period: {impact.get('period')})"
    return [
        record.action_id, line.account, line.region, record.guardrail, record.pk, record.resource.name,
        record.resource.kind, *(attribution.get(key, "") for key in report.attribution_tags),
        record.action, record.outcome.value, record.mode.value, record.recorded_at.isoformat(),
        "" if line.ended_at is None else line.ended_at.isoformat(), line.horizon, str(impact.get("period", "")),
        *figures, unknown, record.reason, *_measured(report, record.action_id),
        *_current(impact), interrupts(record.action, record.outcome, report.interruptions),
    ]  # fmt: skip


# A spreadsheet reads a cell that starts with one of these as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralized(cell: str) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula is prefixed with an apostrophe. Figures
    are written by ``csv_row`` itself; a negative one (``-1.5``) stays a number."""
    if cell.startswith(FORMULA_STARTS) and not _is_number(cell):
        return "'" + cell
    return cell


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return cell.strip() == cell


def render_csv(report: Report) -> str:
    """Every applied action and every potential one (dry-run, skipped, finding) in its latest state. Every
    cell is ``neutralized``; a cell holding a CR or LF is quoted (so a bare CR cannot split a row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    # Python's csv quotes a field holding the line terminator ("\n") but not a bare CR, which spreadsheets
    # read as a row break: a row holding one is written with every field quoted.
    quoting = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(csv_columns(report))
    order = {Outcome.APPLIED: 0, Outcome.WOULD_APPLY: 1, Outcome.SKIPPED: 2, Outcome.FINDING: 3}
    for line in sorted(report.actions, key=lambda a: (order.get(a.record.outcome, 9), a.record.pk, a.record.sk)):
        cells = [neutralized(cell) for cell in csv_row(report, line)]
        (quoting if any("\r" in cell for cell in cells) else writer).writerow(cells)
    return out.getvalue()
