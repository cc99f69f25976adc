"""``ecoguard report`` and ``ecoguard regions``: the impact report from an audit table, and the region ranking."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ecoguard.actions import interruptions
from ecoguard.audit import TOO_LARGE, AuditRecord, AuditTrail
from ecoguard.clock import utc_now
from ecoguard.regions import ranked
from ecoguard.report import Report, build_report, headline_text, render_csv, render_html, render_json
from ecoguard.report.numbers import quantity


def with_progress(records: Iterator[AuditRecord], total: int | None, console: Console) -> Iterator[AuditRecord]:
    columns = (TextColumn("reading the audit table"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("audit", total=total)
        for record in records:
            progress.advance(task)
            yield record


def approximate_count(dynamodb: Any, table: str) -> int | None:
    """DynamoDB's item count (refreshed about every six hours): good enough for a progress bar."""
    try:
        return int(dynamodb.describe_table(TableName=table)["Table"]["ItemCount"]) or None
    except Exception:  # noqa: BLE001 - the bar just has no total
        return None


def report_from_table(dynamodb: Any, table: str, console: Console) -> Report:
    records = AuditTrail(dynamodb, table).records()
    read = with_progress(records, approximate_count(dynamodb, table), console)
    return build_report(read, utc_now(), interruptions=interruptions())


def report_table(report: Report) -> Table:
    """The headline (the same figures, formatted alike, as the HTML report and the dashboard), then per guardrail."""
    text = headline_text(report)
    table = Table(title=f"ecoguard impact ({report.records:,} audit records)", title_justify="left")
    table.add_column("", no_wrap=True)
    for column in ("kWh", "kgCO2e", "USD", "actions", "actions unknown"):
        table.add_column(column, justify="right")
    for label, metric, amounts in (
        ("avoided to date", "AvoidedToDate", report.avoided),
        ("monthly run rate (per month)", "RunRateMonthly", report.run_rate),
        ("potential if enforced (per month)", "PotentialMonthly", report.potential),
        ("advisory, not acted on (per month)", "AdvisoryMonthly", report.advisory),
    ):
        table.add_row(
            label,
            text[f"{metric}Kwh"],
            text[f"{metric}KgCO2e"],
            text[f"{metric}Usd"],
            str(amounts.actions),
            str(amounts.unknown_actions),
        )
    return table


# "too-large": failed because the record would exceed DynamoDB's item limit (a small record says so).
OUTCOME_COLUMNS = ("applied", "would-apply", "skipped", "finding", "failed", TOO_LARGE)


def guardrails_table(report: Report) -> Table:
    table = Table(title="per guardrail", title_justify="left")
    table.add_column("guardrail", no_wrap=True)
    # A change too large to record is rare: its column is shown when some guardrail has one.
    outcomes_shown = [
        o for o in OUTCOME_COLUMNS if o != TOO_LARGE or any(s.outcomes.get(o) for s in report.guardrails.values())
    ]
    for column in outcomes_shown:
        table.add_column(column, justify="right")
    for column in ("avoided to date", "run rate /month", "potential /month"):
        table.add_column(column, justify="right")
    breakdowns = report.attribution.get("guardrail", {})
    for name, summary in sorted(report.guardrails.items()):
        outcomes = summary.outcomes
        b = breakdowns.get(name)
        figures = ["-", "-", "-"] if b is None else [
            f"{quantity(a.figure('kg_co2e'), 'kg_co2e')}, {quantity(a.figure('usd'), 'usd')}"
            for a in (b.avoided, b.run_rate, b.potential)
        ]  # fmt: skip
        table.add_row(
            name,
            *(str(outcomes.get(o, 0)) for o in outcomes_shown),
            *figures,
        )
    return table


def write_report(
    report: Report, html_path: Path | None, json_path: Path | None, csv_path: Path | None = None
) -> list[Path]:
    written = []
    for path, render in ((html_path, render_html), (json_path, render_json), (csv_path, render_csv)):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(report), encoding="utf-8")
            written.append(path)
    return written


def regions_table() -> Table:
    table = Table(title="AWS regions by grid carbon intensity (location-based, cleanest first)", title_justify="left")
    for column in ("#", "region", "gCO2e/kWh", "data year", "source"):
        table.add_column(column)
    for i, factor in enumerate(ranked(), start=1):
        table.add_row(str(i), factor.region, f"{factor.t_co2e_per_kwh * 1e6:.1f}", factor.data_year, factor.source[:90])
    return table
