"""The HTML report, `ecoguard report` and the CloudWatch dashboard tell the same story: the dashboard's headline
widgets read the metrics ImpactReportFunction publishes, and those equal the figures the HTML and the CLI print."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from html import unescape
from typing import Any

import boto3
import pytest
from rich.console import Console

from ecoguard.audit import AuditRecord
from ecoguard.clock import utc_now
from ecoguard.decisions import Mode, Outcome, Resource
from ecoguard.report.headline import FIGURES
from ecoguard.report.numbers import quantity
from ecoguard_cli.reporting import report_from_table, report_table
from tests.conftest import REGION, Stack, load_event
from tools.simulator.template import load_template

TEMPLATE = load_template()
FN = "ImpactReportFunction"


def dashboard() -> dict[str, Any]:
    body = TEMPLATE["Resources"]["ImpactDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    for name, value in (("AWS::Region", REGION), ("AWS::StackName", "ecoguard"), ("DeadLetterQueue.QueueName", "dlq")):
        body = body.replace("${" + name + "}", value)
    loaded: dict[str, Any] = json.loads(body)
    return loaded


def test_the_dashboard_shows_every_headline_figure_from_the_impact_report_functions_metrics() -> None:
    namespace = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]
    service = TEMPLATE["Resources"][FN]["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
    shown = {}
    for widget in dashboard()["widgets"]:
        for metric in widget["properties"].get("metrics", []):
            if isinstance(metric[0], str) and metric[0] == namespace:
                shown[metric[1]] = (metric[2:4], widget["properties"]["title"])
    for figure in FIGURES:
        dimensions, title = shown[figure.metric]
        assert dimensions == ["service", service], figure.metric
        assert figure.label.lower() in title.lower() and (figure.period != "per month" or "per month" in title)


def record(i: int, outcome: Outcome, hours_ago: float, usd: float | None, team: str) -> AuditRecord:
    arn = f"arn:aws:sagemaker:{REGION}:123456789012:endpoint/e{i}"
    return AuditRecord(
        guardrail="idle-endpoint",
        resource=Resource(arn, f"e{i}", "AWS::SageMaker::Endpoint"),
        action="delete-endpoint",
        trigger_id=f"t{i}",
        trigger="test",
        outcome=outcome,
        mode=Mode.ENFORCE if outcome is Outcome.APPLIED else Mode.DRY_RUN,
        reason="idle",
        before={},
        after={"exists": False},
        recorded_at=utc_now() - timedelta(hours=hours_ago),
        ttl_days=30,
        impact={"kwh": 10.0 * i, "kg_co2e": 4.0 * i, "usd": usd, "period": "per idle day"},
        attribution={"team": team},
    )


def published(printed: str) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in printed.splitlines():
        try:
            document: Any = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict) and "_aws" in document:
            for directive in document["_aws"]["CloudWatchMetrics"]:
                for metric in directive["Metrics"]:
                    value = document[metric["Name"]]  # Powertools writes a metric's values as a list
                    [values[metric["Name"]]] = value if isinstance(value, list) else [value]
    return values


def test_the_published_metrics_the_html_and_the_cli_state_the_same_headline(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    for rec in (
        record(1, Outcome.APPLIED, 30, 12.5, "growth"),
        record(2, Outcome.APPLIED, 5, None, "risk"),
        record(3, Outcome.WOULD_APPLY, 1, 7.0, "growth"),
    ):
        stack.audit.finish(rec)
    capsys.readouterr()
    [result] = stack.invoke(
        FN, load_event("impact_report/weekly-report.json"), env={"POWERTOOLS_METRICS_DISABLED": "false"}
    )
    metrics = published(capsys.readouterr().out)
    # Record 2's price is unknown: USD to date and per month are published as their known part, never as the
    # whole, with the count of actions whose figure is unknown (issue 31).
    assert "AvoidedToDateUsd" not in metrics and "RunRateMonthlyUsd" not in metrics
    assert metrics["AvoidedToDateUsdKnownPart"] == pytest.approx(12.5 / 24 * 30, rel=1e-3)  # 30 h of 12.50 USD a day
    assert metrics["RunRateMonthlyUsdKnownPart"] == pytest.approx(12.5 / 24 * 730)
    assert metrics["RunRateMonthlyUnknownActions"] == 1 and metrics["PotentialMonthlyUnknownActions"] == 0
    assert metrics["PotentialMonthlyUsd"] == pytest.approx(7.0 / 24 * 730)
    assert metrics["RunRateMonthlyKgCO2e"] > 0  # both applied actions know their carbon: the whole figure

    s3 = boto3.client("s3", region_name=REGION)
    bucket = stack.resolver.refs["ReportBucket"]
    html = s3.get_object(Bucket=bucket, Key="reports/latest.html")["Body"].read().decode()
    headline = {k: unescape(v) for k, v in re.findall(r'<b data-metric="(\w+)">([^<]+)</b>', html)}
    out = io.StringIO()
    report = report_from_table(
        boto3.client("dynamodb", region_name=REGION), stack.resolver.refs["AuditTable"], Console(file=io.StringIO())
    )
    Console(file=out, width=200).print(report_table(report))
    for figure in FIGURES:
        # Avoided to date grows by the second: the CLI's report, read a moment later, agrees to its printed precision.
        value = metrics.get(figure.metric, metrics.get(f"{figure.metric}KnownPart"))
        assert headline[figure.metric] == quantity(value, figure.key), figure.metric
        if figure.period == "per month":
            assert headline[figure.metric] in out.getvalue(), figure.metric
    assert result["headline"] == pytest.approx({k: v for k, v in metrics.items() if k != "AuditRecordsReported"})
    assert "reports/latest.csv" in result["keys"]
