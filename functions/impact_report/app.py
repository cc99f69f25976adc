"""ImpactReportFunction: the weekly report of what ecoguard did and saved, from the audit trail.

Writes HTML (charts as inline SVG), JSON and CSV to the stack's report bucket, publishes the headline
figures as metrics (the ImpactDashboard shows them), and sends a short summary to the notification topic.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from ecoguard.actions import interruptions
from ecoguard.adapters.clients import client
from ecoguard.adapters.cost_explorer import ResourceCosts
from ecoguard.adapters.reports import ReportStore
from ecoguard.audit import AuditTrail
from ecoguard.clock import utc_now
from ecoguard.events import SCHEDULED_EVENT, EventError, check_aws_source, parse_event
from ecoguard.invocation import load_configuration, run_or_reject
from ecoguard.report import build_report, headline, headline_text, render_csv, render_html, render_json
from ecoguard.report.measured import measure, window
from ecoguard.settings import SettingsError

logger = Logger()
metrics = Metrics()


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_or_reject("impact-report", lambda: report(event), metrics)


def report(event: dict[str, Any]) -> dict[str, Any]:
    parsed = parse_event(event)
    check_aws_source(parsed)
    if parsed.detail_type != SCHEDULED_EVENT:
        raise EventError(f"ImpactReportFunction does not handle {parsed.detail_type!r} events")
    settings, policy = load_configuration()
    if not settings.report_bucket:
        raise SettingsError("invalid setting ECOGUARD_REPORT_BUCKET: required by ImpactReportFunction")
    stack = os.environ.get("ECOGUARD_STACK_NAME") or None  # the report's title names it
    now = utc_now()
    records = AuditTrail(client("dynamodb"), settings.audit_table).records()
    # What acting interrupts, as each action unit states it (the report imports no action module).
    report = build_report(records, now, policy.report.attribution_tags, stack=stack, interruptions=interruptions())
    measured = policy.report.measured_savings
    if measured.enabled:  # opt-in: each Cost Explorer request is paid
        span = window(now)
        costs = ResourceCosts(client("ce")).daily(measured.services, span)
        report.measured = measure(report.actions, costs, span, measured.min_days)
    keys = ReportStore(client("s3"), settings.report_bucket).publish(
        report.generated_at, render_html(report), render_json(report), render_csv(report)
    )
    metrics.add_metric(name="AuditRecordsReported", unit=MetricUnit.Count, value=report.records)
    # The report's headline, as the dashboard's ImpactDashboard widgets show it (ecoguard.report.headline).
    for name, value in headline(report).items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    text = headline_text(report)
    summary = (
        f"ecoguard weekly impact: {report.records} audit records. Avoided to date: {text['AvoidedToDateKgCO2e']}, "
        f"{text['AvoidedToDateUsd']}. Monthly run rate: {text['RunRateMonthlyKgCO2e']}, {text['RunRateMonthlyUsd']} "
        f"per month. If enforced, the dry-run actions would avoid {text['PotentialMonthlyKgCO2e']}, "
        f"{text['PotentialMonthlyUsd']} per month; advice ecoguard does not act on, apart: "
        f"{text['AdvisoryMonthlyKgCO2e']}, {text['AdvisoryMonthlyUsd']} per month (known parts; unknown parts "
        "are counted in the report). "
        f"Report: s3://{settings.report_bucket}/{keys[0]}"
    )
    if settings.topic_arn:
        try:
            client("sns").publish(TopicArn=settings.topic_arn, Subject="ecoguard weekly impact report", Message=summary)
        except ClientError as exc:
            logger.error("notification failed; the report is in S3", extra={"error": str(exc)})
    logger.info("report written", extra={"keys": keys, "records": report.records})
    return {"records": report.records, "keys": keys, "headline": headline(report)}
