"""An action whose audit record would exceed DynamoDB's 400 KB an item is recorded all the same, as a small
failed record saying why, and the report and the CLI show it apart ("too-large")."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from rich.console import Console

from ecoguard.audit import TOO_LARGE, AuditRecord
from ecoguard.decisions import Mode, Outcome, Resource
from ecoguard.records import oversized
from ecoguard.report import build_report
from ecoguard_cli.reporting import guardrails_table
from tests.unit.fakes import NOW

RECORD = AuditRecord(
    guardrail="storage-lifecycle",
    resource=Resource("arn:aws:s3:::ml-artifacts", "ml-artifacts", "AWS::S3::Bucket"),
    action="merge-lifecycle",
    trigger_id="run-1",
    trigger="sweep",
    outcome=Outcome.PENDING,
    mode=Mode.ENFORCE,
    reason="add tiering rules",
    before={"Rules": ["r" * 300] * 1500},
    after={},
    recorded_at=NOW - timedelta(hours=1),
    ttl_days=30,
)


def test_given_a_record_that_fits_then_it_is_kept_as_it_is() -> None:
    assert oversized(replace(RECORD, before={"Rules": []})) is None


def test_given_an_oversized_record_then_the_report_and_the_cli_count_it_too_large_and_failed() -> None:
    small = oversized(RECORD)
    assert small is not None and small.outcome is Outcome.FAILED
    assert (small.pk, small.sk) == (RECORD.pk, RECORD.sk), "the same key: a duplicate delivery stays a no-op"
    report = build_report([small], NOW)
    outcomes = report.guardrails["storage-lifecycle"].outcomes
    assert (outcomes["failed"], outcomes[TOO_LARGE]) == (1, 1)
    console = Console(width=250, record=True)
    console.print(guardrails_table(report))
    lines = console.export_text().splitlines()
    [header] = [line for line in lines if "guardrail" in line and TOO_LARGE in line]
    [row] = [line for line in lines if "storage-lifecycle" in line]
    columns = [c.strip() for c in header.split("┃")]
    cells = [c.strip() for c in row.split("│")]
    assert cells[columns.index("failed")] == "1" and cells[columns.index(TOO_LARGE)] == "1"
