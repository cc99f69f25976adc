"""ImpactReportFunction: reads the audit trail, writes HTML and JSON to the report bucket, notifies."""

from __future__ import annotations

import json

import boto3

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
