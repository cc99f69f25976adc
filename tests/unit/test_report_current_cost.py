"""Issue 31: the current monthly cost beside each saving, and whether acting restarts anything, in the report's
resources table (HTML, CSV, JSON); what acting interrupts comes from the action units, never from a table of
the report's."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ecoguard.actions import interruptions, registries
from ecoguard.audit import AuditRecord
from ecoguard.decisions import Mode, Outcome, Resource
from ecoguard.guardrails.idle_endpoint import Endpoint, Variant, idle_day_impact
from ecoguard.guardrails.log_retention import LogGroup, retention_impact
from ecoguard.guardrails.storage_savings import StoredBytes, bucket_cost
from ecoguard.impact import CURRENT, GIB, HOURS_PER_MONTH, instances_cost, price_per_hour, storage_price, stored_cost
from ecoguard.report import build_report, render_csv, render_html, render_json
from ecoguard.report.costs import NO_ESTIMATE, NOT_STATED, current_cost, current_of
from ecoguard.report.interruptions import NOTHING

NOW = datetime(2026, 12, 7, tzinfo=UTC)
GROUP_ARN = "arn:aws:logs:{region}:123456789012:log-group:/aws/sagemaker/Endpoints/churn"


def record(impact: dict[str, Any] | None, *, action: str = "put-retention-policy", region: str = "us-east-1",
           outcome: Outcome = Outcome.WOULD_APPLY, at: datetime = NOW, name: str = "/g") -> AuditRecord:  # fmt: skip
    return AuditRecord(
        guardrail="log-retention",
        resource=Resource(f"arn:aws:logs:{region}:123456789012:log-group:{name}", name, "AWS::Logs::LogGroup"),
        action=action,
        trigger_id=f"t-{action}-{at.isoformat()}",
        trigger="test",
        outcome=outcome,
        mode=Mode.ENFORCE if outcome is Outcome.APPLIED else Mode.DRY_RUN,
        reason="r",
        before={},
        after={},
        recorded_at=at,
        ttl_days=1,
        impact=impact,
    )


# --- what acting interrupts: each unit's own statement -----------------------------------------------------


def test_given_every_registered_action_unit_then_each_states_what_acting_interrupts() -> None:
    silent = [unit.__name__ for found in registries() for unit in found.units if not hasattr(unit, "interrupts")]
    assert silent == []
    stated = interruptions()
    assert stated["stop-notebook"] is not None and "kernels" in stated["stop-notebook"]
    assert stated["put-retention-policy"] is None  # nothing restarts


def test_given_a_unit_that_states_nothing_restarts_then_the_report_says_so_and_a_restarting_one_says_what() -> None:
    stated = interruptions()
    retention = record({"usd": 1.0, "period": "per day"}, name="/retention")
    deletion = record({"usd": 1.0, "period": "per day"}, action="delete-endpoint", name="/deletion")
    page = render_html(build_report([retention, deletion], NOW, interruptions=stated))
    assert f"<div>{NOTHING}</div>" in page
    assert "re-creates it cold" in page


# --- the current cost: same sourced prices as the saving ---------------------------------------------------


def test_given_priced_instances_then_their_cost_is_the_price_times_hours_and_one_unpriced_part_makes_it_unknown() -> (
    None
):
    price = price_per_hour("ml.g5.xlarge", "us-east-1")
    assert price is not None
    cost = instances_cost([("ml.g5.xlarge", 2)], hours=24, region="us-east-1", period="per day")
    assert cost.usd == pytest.approx(price * 24 * 2) and cost.unknown == ()
    mixed = instances_cost([("ml.g5.xlarge", 1), ("ml.g5.xlarge", 1)], hours=24, region="eu-west-3", period="x")
    assert mixed.usd is None and mixed.unknown == ("no sourced on-demand price for ml.g5.xlarge in eu-west-3",)


def test_given_stored_bytes_then_their_cost_uses_the_sourced_price_and_unknown_bytes_or_region_say_why() -> None:
    price = storage_price("cloudwatch-logs", "STANDARD", "us-east-1")
    assert price is not None
    known = stored_cost(GIB, hours=HOURS_PER_MONTH, region="us-east-1", priced_as=("cloudwatch-logs", "STANDARD"),
                        period="per month")  # fmt: skip
    assert known.usd == pytest.approx(price.usd_per_gb_month)
    unread = stored_cost(None, hours=24, region="us-east-1", priced_as=("cloudwatch-logs", "STANDARD"), period="d")
    assert unread.usd is None and unread.unknown == ("stored bytes were not read",)
    elsewhere = stored_cost(GIB, hours=24, region="eu-west-3", priced_as=("cloudwatch-logs", "STANDARD"), period="d")
    assert elsewhere.usd is None
    assert elsewhere.unknown == ("no sourced CloudWatch Logs storage price for STANDARD in eu-west-3",)
    empty = stored_cost(0, hours=24, region="us-east-1", priced_as=("cloudwatch-logs", "STANDARD"), period="d")
    assert empty.usd == 0.0  # a group that stores nothing costs a true zero


def test_given_a_bucket_then_its_cost_is_each_storage_type_at_its_class_price_or_unknown_with_why() -> None:
    standard, glacier_ir = storage_price("s3", "STANDARD", "us-east-1"), storage_price("s3", "GLACIER_IR", "us-east-1")
    assert standard is not None and glacier_ir is not None
    stored = StoredBytes({"StandardStorage": 2 * GIB, "GlacierInstantRetrievalStorage": GIB})
    cost = bucket_cost(stored, "us-east-1")
    expected = (2 * standard.usd_per_gb_month + glacier_ir.usd_per_gb_month) * 24 / HOURS_PER_MONTH
    assert cost.usd == pytest.approx(expected) and cost.period == "per day"
    deep = bucket_cost(StoredBytes({"StandardStorage": GIB, "DeepArchiveStorage": GIB}), "us-east-1")
    assert deep.usd is None and deep.unknown == ("no sourced S3 price for DEEP_ARCHIVE in us-east-1",)
    assert bucket_cost(StoredBytes.unknown("not read"), "us-east-1").unknown == ("not read",)


def test_given_a_log_group_then_its_estimate_states_what_it_costs_now_at_the_price_of_its_saving() -> None:
    group = LogGroup("/g", GROUP_ARN.format(region="us-east-1"), None, stored_bytes=10 * GIB)
    impact = retention_impact(group)
    assert impact[CURRENT]["usd"] == pytest.approx(impact["usd"])  # the saving's upper bound is all of it
    unread_class = retention_impact(LogGroup("/g", GROUP_ARN.format(region="us-east-1"), None, 10 * GIB, None, None))
    assert unread_class[CURRENT]["usd"] is None and "class not read" in unread_class[CURRENT]["unknown"][0]


def test_given_an_idle_endpoint_then_its_estimate_states_its_instances_cost_a_day() -> None:
    endpoint = Endpoint(
        "ep", "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep", "InService", "cfg", NOW,
        (Variant("a", instance_count=2, instance_type="ml.g5.xlarge"),),
    )  # fmt: skip
    impact = idle_day_impact(endpoint)
    price = price_per_hour("ml.g5.xlarge", "us-east-1")
    assert price is not None
    assert impact[CURRENT] == {"usd": pytest.approx(price * 24 * 2), "period": "per day", "unknown": []}


# --- from records to the monthly figure --------------------------------------------------------------------


def test_given_a_per_day_current_cost_then_the_report_reads_it_per_month() -> None:
    cost = current_of({"usd": 0.5, "period": "per day", CURRENT: {"usd": 2.4, "period": "per day", "unknown": []}})
    assert cost.usd_per_month == pytest.approx(2.4 / 24 * HOURS_PER_MONTH) and cost.why == ""


@pytest.mark.parametrize(
    ("impact", "why"),
    [
        (None, NO_ESTIMATE),
        ({"usd": 1.0, "period": "per day"}, NOT_STATED),
        ({CURRENT: {"usd": None, "period": "per day", "unknown": ["no sourced price for x in eu-west-3"]}},
         "no sourced price for x in eu-west-3"),
        ({CURRENT: {"usd": 9.0, "period": "the training run", "unknown": []}},
         "its current cost is not a rate (period: the training run)"),
    ],
)  # fmt: skip
def test_given_no_known_current_cost_then_it_is_unknown_with_its_reason_never_zero(
    impact: dict[str, Any] | None, why: str
) -> None:
    cost = current_of(impact)
    assert cost.usd_per_month is None and cost.why == why


def test_given_a_restore_after_an_estimate_then_the_current_cost_is_the_latest_estimates() -> None:
    older = record({CURRENT: {"usd": 1.0, "period": "per day", "unknown": []}}, at=NOW - timedelta(days=2))
    newer = record({CURRENT: {"usd": 2.0, "period": "per day", "unknown": []}}, at=NOW - timedelta(days=1))
    restore = record(None, action="restore:put-retention-policy", outcome=Outcome.RESTORED, at=NOW)
    assert current_cost([newer, restore, older]).usd_per_month == pytest.approx(2.0 / 24 * HOURS_PER_MONTH)
    assert current_cost([restore]).why == NO_ESTIMATE


def test_given_known_and_unknown_current_costs_then_page_csv_and_json_show_the_figure_or_unknown_never_zero() -> None:
    priced = record({"usd": 0.1, "period": "per day", CURRENT: {"usd": 24.0, "period": "per day", "unknown": []}},
                    name="/priced", outcome=Outcome.APPLIED)  # fmt: skip
    why = "no sourced CloudWatch Logs storage price for STANDARD in eu-west-3"
    unpriced = record({"kwh": 1.0, "usd": None, "period": "per day", "unknown": [why],
                       CURRENT: {"usd": None, "period": "per day", "unknown": [why]}},
                      region="eu-west-3", name="/unpriced")  # fmt: skip
    report = build_report([priced, unpriced], NOW, interruptions=interruptions())
    page = render_html(report).split("<h2>Resources</h2>", 1)[1].split("<h2>", 1)[0]
    assert 'data-label="cost /month before acting"><div><span class="tok">730 USD</span></div>' in page
    assert f'data-label="cost /month before acting"><div>unknown<br><small>{why}</small>' in page
    rows = {row["resource_name"]: row for row in csv.DictReader(io.StringIO(render_csv(report)))}
    priced_row, unpriced_row = rows["/priced"], rows["/unpriced"]
    assert priced_row["cost_before_acting_usd_per_month"] == "730.00"
    assert priced_row["cost_before_acting_unknown"] == ""
    assert unpriced_row["cost_before_acting_usd_per_month"] == "unknown"
    assert unpriced_row["cost_before_acting_unknown"] == why
    assert rows["/priced"]["acting_interrupts"] == NOTHING
    resources = {r["name"]: r for r in json.loads(render_json(report))["resources"]}
    assert resources["/unpriced"]["cost_before_acting_usd_per_month"] is None
    assert resources["/unpriced"]["cost_before_acting_unknown"] == why
    assert resources["/priced"]["cost_before_acting_usd_per_month"] == pytest.approx(730.0)
