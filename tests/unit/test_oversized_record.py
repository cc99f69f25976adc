"""An action (or a restore attempt) whose audit record would exceed DynamoDB's 400 KB an item is recorded all the
same, as a small failed record saying why, and the report and the CLI show it apart ("too-large")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from rich.console import Console

from ecoguard.audit import OVERSIZED, TOO_LARGE, AuditRecord
from ecoguard.audit_batch import MAX_ITEM_BYTES, item_size
from ecoguard.decisions import Mode, Outcome, Resource
from ecoguard.records import oversized
from ecoguard.report import build_report
from ecoguard.restore import restore
from ecoguard.units import FULLY_REVERSIBLE, ActionUnit
from ecoguard_cli.reporting import guardrails_table
from tests.builders.restore_checks import untagged
from tests.unit.fakes import NOW, MemoryAuditTrail, clock

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


class BigConfiguration(ActionUnit[list[str]]):
    """A change whose record is just under 400 KB: its restore attempt, which holds the same state and says more
    (its trigger, its reason, its numbered key), is over."""

    name = "merge-lifecycle"
    permissions = frozenset({"s3:PutLifecycleConfiguration"})
    restore_permissions = frozenset({"s3:PutLifecycleConfiguration"})
    irreversible = FULLY_REVERSIBLE

    def current(self, record: AuditRecord) -> Mapping[str, Any]:
        return record.after

    def undo(self, record: AuditRecord) -> None:
        self.ports.append("undo")


def just_fitting(record: AuditRecord, margin: int = 40) -> AuditRecord:
    """``record`` with its before padded to ``margin`` bytes under DynamoDB's 400 KB an item."""
    room = MAX_ITEM_BYTES - item_size(replace(record, before={"Rules": ""}).to_item()) - margin
    return replace(record, before={"Rules": "r" * room})


def test_given_a_restore_attempt_over_400_kb_then_it_is_recorded_small_and_failed_and_nothing_is_restored() -> None:
    record = just_fitting(replace(RECORD, outcome=Outcome.APPLIED, after={"Rules": []}))
    assert oversized(record) is None, "the change itself was recorded, and made"
    audit = MemoryAuditTrail()
    calls: list[str] = []
    result = restore(
        record, unit=BigConfiguration(calls), audit=audit, mode=Mode.ENFORCE, clock=clock, checks=untagged()
    )

    assert result.outcome is Outcome.FAILED and result.message.startswith(OVERSIZED)
    assert "ml-artifacts's state before this restore could not be recorded first; nothing restored" in result.message
    assert calls == [], "not restored: its record could not come first"
    [attempt] = [r for r in audit.items.values() if r.action == "restore:merge-lifecycle"]
    assert attempt.outcome is Outcome.FAILED and (attempt.before, attempt.after) == ({}, {})
    assert item_size(attempt.to_item()) < MAX_ITEM_BYTES
    assert build_report([record, attempt], NOW).guardrails["storage-lifecycle"].outcomes[TOO_LARGE] == 1
