"""Measured savings: each applied action's daily cost before and after, from Cost Explorer's resource-level data,
beside the estimate, or "not verified" with its reason. The adapter is tested with botocore's Stubber, which
checks both the request and the response against Cost Explorer's published model (botocore's ce service
model for GetCostAndUsageWithResources): the fake answers only in the shape AWS answers."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from ecoguard.adapters.cost_explorer import ResourceCosts
from ecoguard.audit import AuditRecord
from ecoguard.decisions import Mode, Outcome, Resource
from ecoguard.report import build_report, render_csv, render_html, render_json
from ecoguard.report.measured import MEASURED, NOT_VERIFIED, DailyCosts, measure, window
from tests.unit.fakes import NOW

ARN = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn"
SPAN = window(NOW)


def applied(at: datetime, *, arn: str = ARN, usd_per_day: float | None = 9.6) -> AuditRecord:
    return AuditRecord(
        guardrail="idle-endpoint",
        resource=Resource(arn, arn.rsplit("/", 1)[-1], "AWS::SageMaker::Endpoint"),
        action="delete-endpoint",
        trigger_id=f"t-{at:%d}",
        trigger="test",
        outcome=Outcome.APPLIED,
        mode=Mode.ENFORCE,
        reason="idle",
        before={},
        after={"exists": False},
        recorded_at=at,
        ttl_days=30,
        impact={"kwh": 1.0, "kg_co2e": 0.4, "usd": usd_per_day, "period": "per idle day"},
    )


def days_of(span_start: date, count: int) -> list[date]:
    return [span_start + timedelta(days=i) for i in range(count)]


def costs(per_day: dict[date, float], *, resource: str = ARN) -> DailyCosts:
    covered = tuple(days_of(SPAN.start, (SPAN.end - SPAN.start).days))
    return DailyCosts(covered, {resource: per_day})


def test_given_an_action_five_days_ago_then_its_mean_daily_cost_before_and_after_stands_beside_the_estimate() -> None:
    at = NOW - timedelta(days=5)
    daily = {d: (10.0 if d < at.date() else 2.0) for d in days_of(SPAN.start, 13)}
    daily[at.date()] = 6.0  # the day of the action is mixed: left out on both sides
    report = build_report([applied(at)], NOW)
    [line] = measure(report.actions, costs(daily), SPAN, min_days=2).lines
    assert line.status == MEASURED
    assert (line.before_usd_per_day, line.after_usd_per_day, line.saved_usd_per_day) == (10.0, 2.0, 8.0)
    assert line.days_before == (at.date() - SPAN.start).days and line.days_after == 4
    assert line.estimate_usd_per_day == pytest.approx(9.6)


def test_given_a_day_cost_explorer_covered_without_the_resource_then_that_day_cost_nothing() -> None:
    at = NOW - timedelta(days=6)
    before = {d: 4.0 for d in days_of(SPAN.start, 13) if d < at.date()}  # no group after the action: no cost
    report = build_report([applied(at)], NOW)
    [line] = measure(report.actions, costs(before), SPAN, min_days=2).lines
    assert (line.before_usd_per_day, line.after_usd_per_day) == (4.0, 0.0)


@pytest.mark.parametrize(
    ("at", "why"),
    [
        (NOW - timedelta(hours=20), "needs 2 full day(s) of cost on each side"),
        (NOW - timedelta(days=30), "applied before the 14 days"),
    ],
)
def test_given_an_action_too_recent_or_too_old_then_it_is_not_verified_with_the_reason(at: datetime, why: str) -> None:
    report = build_report([applied(at)], NOW)
    [line] = measure(report.actions, costs(dict.fromkeys(days_of(SPAN.start, 13), 1.0)), SPAN, min_days=2).lines
    assert line.status == NOT_VERIFIED and why in line.reason and line.saved_usd_per_day is None


def test_given_no_cost_for_the_resource_or_an_error_then_not_verified_never_zero() -> None:
    report = build_report([applied(NOW - timedelta(days=5))], NOW)
    [missing] = measure(report.actions, costs({}, resource="i-0abc"), SPAN, min_days=2).lines
    assert missing.status == NOT_VERIFIED and "no resource-level cost for this resource" in missing.reason
    failed = DailyCosts((), {}, error="DataUnavailableException: resource-level data is not enabled")
    [line] = measure(report.actions, failed, SPAN, min_days=2).lines
    assert line.status == NOT_VERIFIED and "DataUnavailableException" in line.reason
    assert line.before_usd_per_day is None and line.after_usd_per_day is None


def test_given_measured_savings_then_page_json_and_csv_show_them_and_without_them_the_page_says_estimates() -> None:
    at = NOW - timedelta(days=5)
    report = build_report([applied(at)], NOW)
    report.measured = measure(
        report.actions, costs({d: (10.0 if d < at.date() else 2.0) for d in days_of(SPAN.start, 13)}), SPAN, 2
    )
    page = render_html(report).split('<h2 id="measured">', 1)[1].split("<h2", 1)[0]
    assert "1 action(s) measured, 0 not verified" in page
    assert '<td data-label="measured saving USD/day" class="n"><div>8.00</div></td>' in page
    data = json.loads(render_json(report))["measured"]
    assert data["counts"] == {MEASURED: 1, NOT_VERIFIED: 0} and data["actions"][0]["saved_usd_per_day"] == 8.0
    [row] = csv.DictReader(io.StringIO(render_csv(report)))
    assert (row["measured_status"], row["measured_before_usd_per_day"], row["measured_after_usd_per_day"]) == (
        MEASURED,
        "10.00",
        "2.00",
    )
    unmeasured = render_html(build_report([applied(at)], NOW))
    assert "Not measured: every figure above is an estimate" in unmeasured


# Cost Explorer's documented response shape (GetCostAndUsageWithResources): ResultsByTime, each with its
# TimePeriod, Total, Groups (Keys, Metrics: Amount and Unit as strings) and Estimated; NextPageToken on a page
# that has more. The Stubber rejects any member or type the model does not define.
def page(day: date, groups: dict[str, str], token: str | None = None, estimated: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "GroupDefinitions": [{"Type": "DIMENSION", "Key": "RESOURCE_ID"}],
        "ResultsByTime": [
            {
                "TimePeriod": {"Start": day.isoformat(), "End": (day + timedelta(days=1)).isoformat()},
                "Total": {},
                "Groups": [
                    {"Keys": [key], "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}}
                    for key, amount in groups.items()
                ],
                "Estimated": estimated,
            }
        ],
        "DimensionValueAttributes": [],
    }
    if token:
        body["NextPageToken"] = token
    return body


def request(service: str, token: str | None = None) -> dict[str, Any]:
    expected: dict[str, Any] = {
        "TimePeriod": {"Start": SPAN.start.isoformat(), "End": SPAN.end.isoformat()},
        "Granularity": "DAILY",
        "Filter": {"Dimensions": {"Key": "SERVICE", "Values": [service]}},
        "Metrics": ["UnblendedCost"],
        "GroupBy": [{"Type": "DIMENSION", "Key": "RESOURCE_ID"}],
    }
    if token:
        expected["NextPageToken"] = token
    return expected


def test_given_two_pages_and_two_services_when_read_then_each_resource_has_its_daily_cost() -> None:
    ce = boto3.client("ce", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    first, second = SPAN.start, SPAN.start + timedelta(days=1)
    with Stubber(ce) as stub:
        stub.add_response("get_cost_and_usage_with_resources", page(first, {ARN: "3.5"}, "p2"), request("S1"))
        stub.add_response(
            "get_cost_and_usage_with_resources", page(second, {ARN: "1.25"}, estimated=True), request("S1", "p2")
        )
        stub.add_response("get_cost_and_usage_with_resources", page(first, {"i-0abc": "0.5"}), request("S2"))
        read = ResourceCosts(ce).daily(["S1", "S2"], SPAN)
        stub.assert_no_pending_responses()
    assert read.error is None and read.days == (first, second)
    assert read.by_resource == {ARN: {first: 3.5, second: 1.25}, "i-0abc": {first: 0.5}}
    assert read.estimated_days == frozenset({second})


def test_given_resource_level_data_not_enabled_when_read_then_the_error_is_the_reason_and_nothing_is_guessed() -> None:
    ce = boto3.client("ce", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(ce) as stub:
        stub.add_client_error(
            "get_cost_and_usage_with_resources",
            service_error_code="DataUnavailableException",
            service_message="Resource-level data is not enabled",
            http_status_code=400,
            expected_params=request("S1"),
        )
        read = ResourceCosts(ce).daily(["S1"], SPAN)
    assert read.days == () and read.by_resource == {}
    assert read.error == "DataUnavailableException: Resource-level data is not enabled"
