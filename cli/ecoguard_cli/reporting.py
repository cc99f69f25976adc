"""``ecoguard report`` and ``ecoguard regions``: the impact report from an audit table, and the region ranking."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ecoguard.audit import AuditRecord, AuditTrail
from ecoguard.invocation import utc_now
from ecoguard.regions import ranked
from ecoguard.report import Report, build_report, render_html, render_json


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
    return build_report(with_progress(records, approximate_count(dynamodb, table), console), utc_now())


def report_table(report: Report) -> Table:
    table = Table(title=f"ecoguard impact ({report.records:,} audit records)", title_justify="left")
    for column in ("guardrail", "applied", "would-apply", "skipped", "finding", "failed"):
        table.add_column(column, justify="right" if column != "guardrail" else "left", no_wrap=column == "guardrail")
    for column in ("saved kWh", "saved kgCO2e", "saved USD", "potential kgCO2e"):
        table.add_column(column, justify="right")
    for name, g in sorted(report.guardrails.items()):
        table.add_row(
            name,
            *(str(g.outcomes.get(o, 0)) for o in ("applied", "would-apply", "skipped", "finding", "failed")),
            f"{g.saved.kwh:.3g}",
            f"{g.saved.kg_co2e:.3g}",
            f"{g.saved.usd:.2f}",
            f"{g.potential.kg_co2e:.3g}",
        )
    table.add_row(
        "total", "", "", "", "", "",
        f"{report.saved.kwh:.3g}", f"{report.saved.kg_co2e:.3g}", f"{report.saved.usd:.2f}",
        f"{report.potential.kg_co2e:.3g}",
    )  # fmt: skip
    return table


def write_report(report: Report, html_path: Path | None, json_path: Path | None) -> list[Path]:
    written = []
    for path, text in ((html_path, render_html(report)), (json_path, render_json(report))):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def regions_table() -> Table:
    table = Table(title="AWS regions by grid carbon intensity (location-based, cleanest first)", title_justify="left")
    for column in ("#", "region", "gCO2e/kWh", "data year", "source"):
        table.add_column(column)
    for i, factor in enumerate(ranked(), start=1):
        table.add_row(str(i), factor.region, f"{factor.t_co2e_per_kwh * 1e6:.1f}", factor.data_year, factor.source[:90])
    return table
