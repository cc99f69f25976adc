"""CentralReportFunction (org/management.yaml): the weekly report across every member account and
region, with per-account and per-region breakdowns, written to the central report bucket."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard.actions import interruptions
from ecoguard.adapters.central_table import CentralTable
from ecoguard.adapters.clients import client
from ecoguard.adapters.reports import ReportStore
from ecoguard.central import checked_latest_states
from ecoguard.clock import utc_now
from ecoguard.events import SCHEDULED_EVENT, EventError, parse_event
from ecoguard.invocation import run_or_reject
from ecoguard.report import build_org_report, headline, render_csv, render_html, render_json
from ecoguard.settings import SettingsError, load_central_settings

logger = Logger()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_or_reject("central-report", lambda: report_all(event))


def report_all(event: dict[str, Any]) -> dict[str, Any]:
    parsed = parse_event(event)
    if parsed.detail_type != SCHEDULED_EVENT:
        raise EventError(f"CentralReportFunction does not handle {parsed.detail_type!r} events")
    settings = load_central_settings()
    if not settings.report_bucket:
        raise SettingsError("invalid setting ECOGUARD_REPORT_BUCKET: required by CentralReportFunction")
    checked = checked_latest_states(CentralTable(client("dynamodb"), settings.central_table).items())
    if checked.rejected:  # a member's bad record is counted and skipped, never fatal to the whole report
        logger.warning("records skipped", extra={"rejected": checked.rejected, "reasons": checked.reasons[:20]})
    located = ((r.account, r.region, r.record) for r in checked.records)
    report = build_org_report(located, utc_now(), interruptions=interruptions())
    keys = ReportStore(client("s3"), settings.report_bucket).publish(
        report.generated_at, render_html(report), render_json(report), render_csv(report)
    )
    accounts = sorted(report.by_account or {})
    logger.info("central report written", extra={"keys": keys, "records": report.records, "accounts": accounts})
    return {
        "records": report.records,
        "rejected": checked.rejected,
        "accounts": accounts,
        "keys": keys,
        "headline": headline(report),
    }
