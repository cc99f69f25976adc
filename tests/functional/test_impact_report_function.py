"""ImpactReportFunction: reads the audit trail, writes HTML and JSON to the report bucket, notifies."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber

from ecoguard.adapters.clients import client
from ecoguard.audit import AuditRecord
from ecoguard.decisions import Mode, Outcome, Resource
from ecoguard.report.measured import window
from tests.conftest import REGION, Stack, assert_rejected, fail_calls, load_event
from tools.simulator.seed import seed_log_groups

FN = "ImpactReportFunction"


def test_given_an_enforced_sweep_when_the_weekly_report_runs_then_html_and_json_land_in_the_bucket(
    stack: Stack,
) -> None:
    seed_log_groups()
    stack.invoke(
        "LogRetentionFunction", load_event("log_retention/scheduled-sweep.json"), env={"ECOGUARD_MODE": "enforce"}
    )
    [result] = stack.invoke(FN, load_event("impact_report/weekly-report.json"))
    applied = [r for r in stack.records() if r.outcome.value == "applied"]
    assert result["records"] == len(stack.records()) and applied

    s3 = boto3.client("s3", region_name=REGION)
    bucket = stack.resolver.refs["ReportBucket"]
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert {"reports/latest.html", "reports/latest.json"} <= keys
    assert any(k.endswith(".html") and k.startswith("reports/20") for k in keys)
    report = json.loads(s3.get_object(Bucket=bucket, Key="reports/latest.json")["Body"].read())
    assert report["guardrails"]["log-retention"]["outcomes"]["applied"] == len(applied)
    assert report["method"].startswith("ccf-")
    html = s3.get_object(Bucket=bucket, Key="reports/latest.html")["Body"].read().decode()
    assert "<svg" in html and "log-retention" in html and "eu-north-1" in html


def test_given_an_empty_audit_trail_then_the_report_still_renders(stack: Stack) -> None:
    [result] = stack.invoke(FN, load_event("impact_report/weekly-report.json"))
    assert result["records"] == 0 and "reports/latest.html" in result["keys"]


def test_given_sns_is_down_then_the_report_is_still_written(stack: Stack) -> None:
    fail_calls("sns", "Publish", "InternalError")
    [result] = stack.invoke(FN, load_event("impact_report/weekly-report.json"))
    assert "reports/latest.json" in result["keys"]


def test_given_a_non_schedule_event_then_it_is_rejected(stack: Stack) -> None:
    [result] = stack.invoke(FN, load_event("log_retention/cloudtrail-createloggroup.json"))
    assert_rejected(result, "does not handle 'AWS API Call via CloudTrail'")


def test_given_measured_savings_enabled_when_the_report_runs_then_it_reads_cost_explorer_and_shows_before_and_after(
    stack: Stack,
) -> None:
    stack.use_policy({"report": {"measured_savings": {"enabled": True, "services": ["Amazon SageMaker"]}}})
    now = datetime.now(UTC)
    arn = f"arn:aws:sagemaker:{REGION}:123456789012:endpoint/churn"
    at = now - timedelta(days=5)
    stack.audit.finish(
        AuditRecord(
            guardrail="idle-endpoint",
            resource=Resource(arn, "churn", "AWS::SageMaker::Endpoint"),
            action="delete-endpoint",
            trigger_id="t1",
            trigger="test",
            outcome=Outcome.APPLIED,
            mode=Mode.ENFORCE,
            reason="idle",
            before={},
            after={"exists": False},
            recorded_at=at,
            ttl_days=30,
            impact={"kwh": 10.0, "kg_co2e": 4.0, "usd": 9.6, "period": "per idle day"},
        )
    )
    span = window(now)
    days = [span.start + timedelta(days=i) for i in range((span.end - span.start).days)]
    # Cost Explorer's documented response: one ResultByTime per day, the resource's group where it cost anything.
    response = {
        "ResultsByTime": [
            {
                "TimePeriod": {"Start": d.isoformat(), "End": (d + timedelta(days=1)).isoformat()},
                "Total": {},
                "Groups": [{"Keys": [arn], "Metrics": {"UnblendedCost": {"Amount": "9.6", "Unit": "USD"}}}]
                if d < at.date()
                else [],
                "Estimated": d >= span.end - timedelta(days=2),
            }
            for d in days
        ],
        "GroupDefinitions": [{"Type": "DIMENSION", "Key": "RESOURCE_ID"}],
    }
    with Stubber(client("ce")) as ce:
        ce.add_response(
            "get_cost_and_usage_with_resources",
            response,
            {
                "TimePeriod": {"Start": span.start.isoformat(), "End": span.end.isoformat()},
                "Granularity": "DAILY",
                "Filter": {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon SageMaker"]}},
                "Metrics": ["UnblendedCost"],
                "GroupBy": [{"Type": "DIMENSION", "Key": "RESOURCE_ID"}],
            },
        )
        stack.invoke(FN, load_event("impact_report/weekly-report.json"))
        ce.assert_no_pending_responses()
    s3 = boto3.client("s3", region_name=REGION)
    bucket = stack.resolver.refs["ReportBucket"]
    report = json.loads(s3.get_object(Bucket=bucket, Key="reports/latest.json")["Body"].read())
    [measured] = report["measured"]["actions"]
    assert measured["status"] == "measured" and measured["before_usd_per_day"] == pytest.approx(9.6)
    assert measured["after_usd_per_day"] == 0.0 and measured["estimated_bill"] is True
    html = s3.get_object(Bucket=bucket, Key="reports/latest.html")["Body"].read().decode()
    assert "1 action(s) measured, 0 not verified" in html


def test_given_measured_savings_off_then_cost_explorer_is_never_called(stack: Stack) -> None:
    with Stubber(client("ce")) as ce:  # any call would fail: the Stubber has no response queued
        [result] = stack.invoke(FN, load_event("impact_report/weekly-report.json"))
        ce.assert_no_pending_responses()
    s3 = boto3.client("s3", region_name=REGION)
    report = json.loads(
        s3.get_object(Bucket=stack.resolver.refs["ReportBucket"], Key="reports/latest.json")["Body"].read()
    )
    assert report["measured"] is None and result["records"] == 0
