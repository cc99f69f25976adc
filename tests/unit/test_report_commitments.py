"""The report's reserved-capacity section: the latest notice of each commitment still running, the soonest end
first, unknown figures as unknown; on the page, in the JSON, and in the CSV with every other finding."""

from __future__ import annotations

import json
from datetime import timedelta

from ecoguard.audit import AuditRecord
from ecoguard.decisions import Finding, Mode, Outcome
from ecoguard.guardrails.reserved_capacity import CAPACITY_BLOCK, TRAINING_PLAN, Commitment, plan_commitment
from ecoguard.policy import ReservedCapacityPolicy
from ecoguard.report import build_report, render_csv, render_html, render_json
from tests.unit.fakes import NOW

ARN = "arn:aws:sagemaker:us-east-1:123456789012:training-plan/"


def notice(commitment: Commitment, *, days_ago: int = 0) -> AuditRecord:
    """The record the executor writes for the guardrail's own finding, noticed ``days_ago``."""
    at = NOW - timedelta(days=days_ago)
    [finding] = plan_commitment(commitment, ReservedCapacityPolicy(), at).decisions
    assert isinstance(finding, Finding)
    return AuditRecord(
        guardrail=finding.guardrail,
        resource=finding.resource,
        action=f"finding:{finding.kind}",
        trigger_id=f"{finding.kind}-{at.date().isoformat()}",
        trigger="daily advice",
        outcome=Outcome.FINDING,
        mode=Mode.DRY_RUN,
        reason=finding.reason,
        before=dict(finding.evidence),
        after={},
        recorded_at=at,
        ttl_days=30,
    )


def plan(name: str, ends_in: timedelta, available: int | None = 2) -> Commitment:
    return Commitment(TRAINING_PLAN, name, ARN + name, "Active", NOW + ends_in, 4, available, 2, ("ml.p5.48xlarge",))


def test_given_notices_then_the_running_ones_are_listed_soonest_end_first_and_an_ended_one_left_out() -> None:
    block = Commitment(
        CAPACITY_BLOCK, "cr-0abc", "arn:aws:ec2:us-east-1:1:capacity-reservation/cr-0abc", "active",
        NOW + timedelta(hours=10), 1, 1, instance_types=("p5.48xlarge",),
    )  # fmt: skip
    records = [
        notice(plan("later", timedelta(days=5))),
        notice(block),
        notice(plan("ended", timedelta(days=-1), available=1), days_ago=3),  # noticed 3 days ago, ended yesterday
        notice(plan("unknown-count", timedelta(days=2), available=None)),
    ]
    lines = json.loads(render_json(build_report(records, NOW)))["commitments"]
    assert [line["resource"] for line in lines] == ["cr-0abc", "unknown-count", "later"]
    assert lines[0]["unused_instance_hours"] == 10.0
    assert lines[1]["unused_instance_hours"] == "unknown" and lines[1]["available_instances"] == "unknown"


def test_given_a_commitment_noticed_twice_then_its_latest_notice_is_the_one_shown() -> None:
    older = notice(plan("llm", timedelta(days=3)), days_ago=1)
    newer = notice(plan("llm", timedelta(days=3)))
    [line] = build_report([newer, older], NOW).commitments.lines(NOW)
    assert line.noticed_at == NOW and line.unused_instance_hours == 2 * 72.0


def test_given_a_notice_then_the_page_shows_it_in_its_section_and_the_csv_lists_it() -> None:
    report = build_report([notice(plan("llm", timedelta(days=2), available=3))], NOW)
    page = render_html(report)
    section = page.split('id="reserved-capacity"', 1)[1]
    assert "llm" in section and "144" in section and "3 of 4" in section
    assert "finding:unused-reserved-capacity" in render_csv(report)
    empty = render_html(build_report([], NOW))
    assert "No training plan or Capacity Block noticed with reserved hours unused." in empty


def test_given_a_record_with_a_malformed_end_then_its_end_is_unknown_and_the_report_still_builds() -> None:
    # A member account's record reaches the organization's report as data (docs/THREAT_MODEL.md, attack 6).
    record = notice(plan("llm", timedelta(days=2)))
    for bad in ("2026-13-40", "2026-12-09T10:00:00", 17):
        poisoned = AuditRecord(**{**record.__dict__, "before": {**record.before, "ends": bad}})
        [line] = build_report([poisoned], NOW).commitments.lines(NOW)
        assert line.ends is None
