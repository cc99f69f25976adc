"""``ecoguard advise``: the open serving and training right-sizing recommendations of a deployed stack (and
what to do before a Bedrock Provisioned Throughput commitment ends), the largest monthly saving first, with their
evidence (the report's "serving" section, in the terminal)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from ecoguard.audit import AuditTrail
from ecoguard.guardrails.bedrock_throughput import GUARDRAIL as THROUGHPUT
from ecoguard.guardrails.serving_advisor import GUARDRAIL as SERVING
from ecoguard.guardrails.training_guard import GUARDRAIL as TRAINING
from ecoguard.report_serving import ServingLine, ServingSection, evidence_text


def open_advice(dynamodb: Any, table: str) -> list[ServingLine]:
    trail = AuditTrail(dynamodb, table)
    section = ServingSection()
    for guardrail in (SERVING, TRAINING, THROUGHPUT):
        for record in trail.records(guardrail):
            section.add(record)
    return section.lines()


def _money(value: float | None, unit: str = "") -> str:
    return "unknown" if value is None else f"{value:,.2f}{unit}"


def advice_table(lines: list[ServingLine], title: str) -> Table:
    table = Table(title=title, title_justify="left", show_lines=True)
    for column in ("resource", "recommendation", "to", "USD/month", "kWh/month", "kgCO2e/month", "confidence"):
        table.add_column(column, justify="right" if "/" in column else "left")
    table.add_column("evidence", overflow="fold")
    for line in lines:
        table.add_row(
            line.resource,
            line.kind,
            line.recommended,
            _money(line.usd),
            _money(line.kwh),
            _money(line.kg_co2e),
            line.confidence,
            evidence_text(line),
        )
    return table
