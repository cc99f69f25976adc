"""What a change destroys for good is said before it happens: in the action's audit record (so the notice and
the dry-run table, which show the reason), and in full on the report's page, however long the reason."""

from __future__ import annotations

from datetime import timedelta

import boto3
from botocore.stub import Stubber

from ecoguard.actions.log_retention import PutRetentionPolicy
from ecoguard.adapters.logs import LogsAdapter
from ecoguard.decisions import Mode, PlannedAction, Resource
from ecoguard.records import Recorder
from ecoguard.report import build_report, render_html
from ecoguard.summary import Trigger
from tests.unit.fakes import NOW

GROUP = Resource("arn:aws:logs:us-east-1:123456789012:log-group:/aws/x", "/aws/x", "AWS::Logs::LogGroup")


def test_given_a_retention_then_its_record_says_before_the_change_that_older_events_are_deleted_for_good() -> None:
    logs = boto3.client("logs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    Stubber(logs).activate()  # no call expected: only the unit's statement is read
    unit = PutRetentionPolicy(LogsAdapter(logs))
    recorder = Recorder(Mode.DRY_RUN, lambda: NOW - timedelta(hours=1), 30, {unit.name: unit})
    reason = "x" * 300 + ": retention 30 days"
    action = PlannedAction(
        "log-retention", GROUP, unit.name, {"retentionInDays": None}, {"retentionInDays": 30}, reason
    )
    record = recorder.of(action, Trigger("run-1", "sweep"))
    assert record.reason == f"{reason} (not fully reversible: {unit.irreversible})"
    assert unit.irreversible is not None and "deleted by CloudWatch Logs for good" in unit.irreversible

    page = render_html(build_report([record], NOW))
    assert "log events older than the new retention are deleted by CloudWatch Logs for good" in page
