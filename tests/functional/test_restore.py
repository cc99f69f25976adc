"""Undo from the audit trail: the operator's restore command against a simulated account."""

from __future__ import annotations

from dataclasses import replace

import boto3
import pytest

from ecoguard.attempts import prefix_of, trigger_of
from ecoguard.decisions import Outcome
from ecoguard_cli import operations
from ecoguard_cli.__main__ import main
from tests.conftest import REGION, Stack, load_event
from tools.simulator.seed import retention_snapshot, seed_log_groups

SWEEP = "log_retention/scheduled-sweep.json"


@pytest.fixture
def enforced(stack: Stack) -> Stack:
    seed_log_groups()
    stack.invoke("LogRetentionFunction", load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    return stack


def applied(stack: Stack, name: str) -> str:
    record = next(r for r in stack.records() if r.resource.name == name and r.outcome is Outcome.APPLIED)
    return record.action_id


def test_given_an_applied_record_when_restored_then_the_group_keeps_logs_forever_again(enforced: Stack) -> None:
    action_id = applied(enforced, "/aws/sagemaker/TrainingJobs")
    table = enforced.resolver.refs["AuditTable"]
    session = boto3.session.Session(region_name=REGION)
    preview = operations.restore_record(session, table, action_id, apply=False, record_key=enforced.record_key)
    assert preview.outcome is Outcome.WOULD_APPLY
    assert retention_snapshot()["/aws/sagemaker/TrainingJobs"] == 30

    result = operations.restore_record(session, table, action_id, apply=True, record_key=enforced.record_key)
    assert result.outcome is Outcome.RESTORED
    assert retention_snapshot()["/aws/sagemaker/TrainingJobs"] is None
    undo = [r for r in enforced.records() if r.action == "restore:put-retention-policy"]
    assert [(u.outcome, u.before, u.after) for u in undo] == [
        (Outcome.RESTORED, {"retentionInDays": 30}, {"retentionInDays": None})
    ]
    # The latest attempt decides: this one restored, so a second restore does nothing and writes nothing.
    again = operations.restore_record(session, table, action_id, apply=True, record_key=enforced.record_key)
    assert again.outcome is Outcome.DUPLICATE and again.message == "already restored"
    assert len([r for r in enforced.records() if r.action == "restore:put-retention-policy"]) == 1


def test_given_the_group_changed_since_then_restore_refuses_to_overwrite_it(enforced: Stack) -> None:
    action_id = applied(enforced, "/aws/lambda/feature-pipeline-ingest")
    boto3.client("logs", region_name=REGION).put_retention_policy(
        logGroupName="/aws/lambda/feature-pipeline-ingest", retentionInDays=90
    )
    session = boto3.session.Session(region_name=REGION)
    result = operations.restore_record(
        session, enforced.resolver.refs["AuditTable"], action_id, apply=True, record_key=enforced.record_key
    )
    assert result.outcome is Outcome.SKIPPED
    assert "changed since ecoguard acted" in result.message
    assert retention_snapshot()["/aws/lambda/feature-pipeline-ingest"] == 90


def test_given_a_dry_run_record_then_there_is_nothing_to_restore(stack: Stack) -> None:
    seed_log_groups()
    stack.invoke("LogRetentionFunction", load_event(SWEEP), env={"ECOGUARD_MODE": "dry-run"})
    record = next(r for r in stack.records() if r.outcome is Outcome.WOULD_APPLY)
    session = boto3.session.Session(region_name=REGION)
    result = operations.restore_record(
        session, stack.resolver.refs["AuditTable"], record.action_id, apply=True, record_key=stack.record_key
    )
    assert result.outcome is Outcome.SKIPPED and "would-apply" in result.message


def test_the_audit_command_lists_every_record_with_its_reason(
    enforced: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    table = enforced.resolver.refs["AuditTable"]
    assert main(["audit", "--table", table, "--guardrail", "log-retention", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"outcome": "applied"' in out and "tagged ecoguard:exempt=true" in out


def test_the_audit_command_prints_a_table_by_default_one_row_per_record(
    enforced: Stack, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # wide enough that no cell wraps
    table = enforced.resolver.refs["AuditTable"]
    assert main(["audit", "--table", table, "--guardrail", "log-retention"]) == 0
    out = capsys.readouterr().out
    records = [r for r in enforced.records() if r.guardrail == "log-retention"]
    rows = [line for line in out.splitlines() if any(r.action_id in line for r in records)]
    assert len(rows) == len(records)
    exempt = next(r for r in records if r.outcome is Outcome.SKIPPED)
    [row] = [line for line in rows if exempt.action_id in line]
    assert exempt.resource.name in row and "skipped" in row and "tagged ecoguard:exempt=true" in row


def test_given_an_applied_record_when_the_cli_restores_it_then_it_answers_in_one_sentence_without_a_dict(
    enforced: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    action_id = applied(enforced, "/aws/sagemaker/TrainingJobs")
    table = enforced.resolver.refs["AuditTable"]
    lost = (
        "cannot be brought back: log events older than the new retention are deleted by CloudWatch Logs for good; "
        "a restore puts the previous retention back, not the deleted events"
    )
    assert main(["restore", "--table", table, action_id, "--record-key", enforced.record_key or ""]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"would-apply: /aws/sagemaker/TrainingJobs would go back to its state before action {action_id} "
        "(--apply does it)",
        lost,
    ]
    assert main(["restore", "--table", table, action_id, "--apply", "--record-key", enforced.record_key or ""]) == 0
    restored = capsys.readouterr().out.splitlines()
    assert restored == [f"restored: /aws/sagemaker/TrainingJobs is back as it was before action {action_id}", lost]
    assert retention_snapshot()["/aws/sagemaker/TrainingJobs"] is None


def test_given_restore_dry_run_then_the_cli_prints_what_it_would_do_and_what_is_lost_and_changes_nothing(
    enforced: Stack, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    action_id = applied(enforced, "/aws/sagemaker/TrainingJobs")
    table = enforced.resolver.refs["AuditTable"]
    written = len(enforced.records())
    assert main(["restore", action_id, "--dry-run", "--table", table, "--record-key", enforced.record_key or ""]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        f"would-apply: /aws/sagemaker/TrainingJobs would go back to its state before action {action_id} "
        "(--apply does it)"
    )
    assert out[1].startswith("cannot be brought back: log events older than the new retention are deleted")
    assert retention_snapshot()["/aws/sagemaker/TrainingJobs"] == 30 and len(enforced.records()) == written


def test_given_a_claimed_attempt_then_dynamodb_refuses_a_second_claim_of_the_same_attempt(enforced: Stack) -> None:
    record = next(r for r in enforced.records() if r.outcome is Outcome.APPLIED)
    attempt = replace(record, action=f"restore:{record.action}", trigger_id=trigger_of(record, 1))
    trail = enforced.audit
    assert trail.create(attempt.with_outcome(Outcome.PENDING)) is True
    assert trail.create(attempt.with_outcome(Outcome.PENDING)) is False, "exactly one of two claims wins"
    assert [a.trigger_id for a in trail.under(record.pk, prefix_of(record))] == [trigger_of(record, 1)]
    session = boto3.session.Session(region_name=REGION)
    busy = operations.restore_record(
        session, enforced.resolver.refs["AuditTable"], record.action_id, apply=True, record_key=enforced.record_key
    )
    assert busy.outcome is Outcome.IN_PROGRESS
    assert (
        main(
            [
                "restore",
                record.action_id,
                "--apply",
                "--table",
                enforced.resolver.refs["AuditTable"],
                "--record-key",
                enforced.record_key or "",
            ]
        )
        == 75
    )
