"""Undo from the audit trail: the operator's restore command against a simulated account."""

from __future__ import annotations

import boto3
import pytest

from ecoguard.decisions import Outcome
from tests.conftest import REGION, Stack, load_event
from tools.ecoguard_local import operations
from tools.ecoguard_local.__main__ import main
from tools.ecoguard_local.seed import retention_snapshot, seed_log_groups

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
    preview = operations.restore_record(session, table, action_id, apply=False)
    assert preview.outcome is Outcome.WOULD_APPLY
    assert retention_snapshot()["/aws/sagemaker/TrainingJobs"] == 30

    result = operations.restore_record(session, table, action_id, apply=True)
    assert result.outcome is Outcome.RESTORED
    assert retention_snapshot()["/aws/sagemaker/TrainingJobs"] is None
    undo = [r for r in enforced.records() if r.action == "restore:put-retention-policy"]
    assert [(u.outcome, u.before, u.after) for u in undo] == [
        (Outcome.RESTORED, {"retentionInDays": 30}, {"retentionInDays": None})
    ]
    assert operations.restore_record(session, table, action_id, apply=True).outcome is Outcome.SKIPPED


def test_given_the_group_changed_since_then_restore_refuses_to_overwrite_it(enforced: Stack) -> None:
    action_id = applied(enforced, "/aws/lambda/feature-pipeline-ingest")
    boto3.client("logs", region_name=REGION).put_retention_policy(
        logGroupName="/aws/lambda/feature-pipeline-ingest", retentionInDays=90
    )
    session = boto3.session.Session(region_name=REGION)
    result = operations.restore_record(session, enforced.resolver.refs["AuditTable"], action_id, apply=True)
    assert result.outcome is Outcome.SKIPPED
    assert "changed since ecoguard acted" in result.message
    assert retention_snapshot()["/aws/lambda/feature-pipeline-ingest"] == 90


def test_given_a_dry_run_record_then_there_is_nothing_to_restore(stack: Stack) -> None:
    seed_log_groups()
    stack.invoke("LogRetentionFunction", load_event(SWEEP), env={"ECOGUARD_MODE": "dry-run"})
    record = next(r for r in stack.records() if r.outcome is Outcome.WOULD_APPLY)
    session = boto3.session.Session(region_name=REGION)
    result = operations.restore_record(session, stack.resolver.refs["AuditTable"], record.action_id, apply=True)
    assert result.outcome is Outcome.SKIPPED and "would-apply" in result.message


def test_the_audit_command_lists_every_record_with_its_reason(
    enforced: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--table", enforced.resolver.refs["AuditTable"], "--guardrail", "log-retention"]) == 0
    out = capsys.readouterr().out
    assert '"outcome": "applied"' in out and "tagged ecoguard:exempt=true" in out
