"""Attack 1d: the operator's own `ecoguard restore` as the confused deputy. RestoreFunction refuses a forged or
altered record (test_forged_audit_records.py), but the CLI's restore, run by an operator with broad rights, read
the same record and put back whatever its ``before`` said.

Control: `ecoguard restore` checks the record's MAC with the stack's ``AuditRecordKey`` (KMS VerifyMac), as
RestoreFunction does (``ecoguard_cli.operations.restore_record``): ``--stack`` looks the key up, ``--table`` needs
``--record-key``, and no key is never a reason to skip the check. A record that does not verify is refused in one
line (no traceback), exit 1, and nothing is changed. An unsigned record (an older stack's) is refused the same way,
and the line names the migration note (docs/MIGRATION.md).
"""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest

from ecoguard.audit import AuditRecord
from ecoguard.clock import utc_now
from ecoguard.decisions import Mode, Outcome
from ecoguard_cli import operations
from ecoguard_cli.__main__ import main
from tests.adversarial.test_forged_audit_records import GROUP, applied_record, table
from tests.conftest import REGION, Stack
from tools.simulator.seed import retention_snapshot


def restore(stack: Stack, action_id: str, *extra: str) -> int:
    return main(["restore", action_id, "--apply", "--table", stack.resolver.refs["AuditTable"], *extra])


def test_given_an_altered_record_when_the_operator_restores_it_with_the_cli_then_one_line_refuses_it(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    record = applied_record(stack)
    db, name = table(stack)
    item = db.get_item(TableName=name, Key={"pk": {"S": record.pk}, "sk": {"S": record.sk}})["Item"]
    item["before"] = {"S": json.dumps({"retentionInDays": 1})}  # "put back" a 1-day retention
    db.put_item(TableName=name, Item=item)

    assert restore(stack, record.action_id, "--record-key", stack.record_key or "") == 1
    out = capsys.readouterr()
    assert out.out.splitlines() == [
        "failed: refused: the record's MAC does not verify: the record was altered or forged"
    ]
    assert "Traceback" not in out.err
    assert retention_snapshot()[GROUP] == 30, "nothing put back"


def test_given_an_unsigned_record_when_the_cli_restores_it_then_it_is_refused_naming_the_migration_note(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    genuine = applied_record(stack)
    unsigned = AuditRecord(
        guardrail="log-retention",
        resource=genuine.resource,
        action=genuine.action,
        trigger_id="written-by-an-older-stack",
        trigger="forged",
        outcome=Outcome.APPLIED,
        mode=Mode.ENFORCE,
        reason="forged",
        before={"retentionInDays": 1},
        after={"retentionInDays": 30},
        recorded_at=utc_now() - timedelta(hours=1),
        ttl_days=30,
    )
    db, name = table(stack)
    db.put_item(TableName=name, Item=unsigned.to_item())

    assert restore(stack, unsigned.action_id, "--record-key", stack.record_key or "") == 1
    [line] = capsys.readouterr().out.splitlines()
    assert "carries no MAC" in line and "docs/MIGRATION.md" in line
    assert retention_snapshot()[GROUP] == 30


def test_given_no_record_key_when_the_cli_restores_by_table_then_it_refuses_to_restore_unverified(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    record = applied_record(stack)
    assert restore(stack, record.action_id) == 2
    capsys.readouterr()
    assert restore(stack, record.action_id, "--record-key", "") == 2, "an empty key is no key"
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--record-key" in err[0] and "--stack" in err[0]
    assert retention_snapshot()[GROUP] == 30


def test_given_a_genuine_record_then_the_cli_still_restores_it(stack: Stack) -> None:
    record = applied_record(stack)
    assert restore(stack, record.action_id, "--record-key", stack.record_key or "") == 0
    assert retention_snapshot()[GROUP] is None


def test_the_cli_checks_the_record_with_verify_mac_before_anything_else(stack: Stack) -> None:
    # The check is KMS VerifyMac, before the restore reads anything the record names.
    record = applied_record(stack)
    calls: list[str] = []
    session = boto3.session.Session(region_name=REGION)
    session.events.register("before-call.kms", lambda model, **_: calls.append(model.name))
    preview = operations.restore_record(
        session, stack.resolver.refs["AuditTable"], record.action_id, apply=False, record_key=stack.record_key
    )
    assert preview.outcome is Outcome.WOULD_APPLY and calls == ["VerifyMac"]
