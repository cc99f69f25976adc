"""``ecoguard advise``: the open serving and training right-sizing recommendations of a deployed stack, the
largest monthly saving first, with their evidence (the report's "serving" section, in the terminal), what to do
before a Bedrock Provisioned Throughput commitment ends, and the training plans and Capacity Blocks noticed
with reserved hours unused (its "reserved capacity" section). Idle EC2 accelerator instances ecoguard reports and
does not stop (instance store, an Auto Scaling group, no GPU metric) are listed with the advice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.table import Table

from ecoguard.audit import AuditTrail
from ecoguard.guardrails.bedrock_throughput import GUARDRAIL as THROUGHPUT
from ecoguard.guardrails.ec2_accelerators import GUARDRAIL as EC2_ACCELERATORS
from ecoguard.guardrails.reserved_capacity import GUARDRAIL as RESERVED_CAPACITY
from ecoguard.guardrails.serving_advisor import GUARDRAIL as SERVING
from ecoguard.guardrails.training_guard import GUARDRAIL as TRAINING
from ecoguard.report_commitments import CommitmentLine, CommitmentsSection
from ecoguard.report_serving import ServingLine, ServingSection, evidence_text


def open_advice(dynamodb: Any, table: str) -> list[ServingLine]:
    trail = AuditTrail(dynamodb, table)
    section = ServingSection(also=frozenset({EC2_ACCELERATORS}))
    for guardrail in (SERVING, TRAINING, THROUGHPUT, EC2_ACCELERATORS):
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


def open_commitments(dynamodb: Any, table: str, now: datetime) -> list[CommitmentLine]:
    """Training plans and Capacity Blocks still running at ``now`` that were noticed with reserved hours unused."""
    section = CommitmentsSection()
    for record in AuditTrail(dynamodb, table).records(RESERVED_CAPACITY):
        section.add(record)
    return section.lines(now)


def commitments_table(lines: list[CommitmentLine], title: str) -> Table:
    table = Table(title=title, title_justify="left", show_lines=True)
    for column in ("commitment", "kind", "ends (UTC)", "unused instances", "unused instance-hours"):
        table.add_column(column, justify="right" if column.startswith("unused") else "left")
    table.add_column("what would use them", overflow="fold")
    for line in lines:
        total = "unknown" if line.total is None else str(line.total)
        table.add_row(
            line.resource,
            line.commitment,
            "unknown" if line.ends is None else f"{line.ends:%Y-%m-%d %H:%M}",
            "unknown" if line.available is None else f"{line.available} of {total}",
            _money(line.unused_instance_hours).removesuffix(".00")
            if line.unused_instance_hours is not None
            else "unknown",
            line.reason,
        )
    return table
