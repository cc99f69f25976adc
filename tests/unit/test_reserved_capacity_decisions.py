"""The reserved-capacity rules (training plans and Capacity Blocks with unused reserved hours), with no AWS."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ecoguard.decisions import Finding, Skip
from ecoguard.guardrails.reserved_capacity import (
    CAPACITY_BLOCK,
    END_UNKNOWN,
    TRAINING_PLAN,
    UNUSED,
    Commitment,
    plan_commitment,
)
from ecoguard.policy import ReservedCapacityPolicy

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
POLICY = ReservedCapacityPolicy()  # 7 days' notice
PLAN_ARN = "arn:aws:sagemaker:us-east-1:123456789012:training-plan/llm-pretrain"


def plan(**changes: object) -> Commitment:
    base = Commitment(
        kind=TRAINING_PLAN,
        name="llm-pretrain",
        arn=PLAN_ARN,
        status="Active",
        end=NOW + timedelta(days=2),
        total=4,
        available=3,
        in_use=1,
        instance_types=("ml.p5.48xlarge",),
        targets=("training-job",),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def block(**changes: object) -> Commitment:
    base = Commitment(
        kind=CAPACITY_BLOCK,
        name="cr-0123456789abcdef0",
        arn="arn:aws:ec2:us-east-1:123456789012:capacity-reservation/cr-0123456789abcdef0",
        status="active",
        end=NOW + timedelta(hours=30),
        total=2,
        available=2,
        instance_types=("p5.48xlarge",),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_given_an_active_plan_ending_in_two_days_with_three_of_four_unused_then_the_unused_hours_are_noticed() -> None:
    [notice] = plan_commitment(plan(), POLICY, NOW).decisions
    assert isinstance(notice, Finding) and notice.kind == UNUSED
    assert notice.evidence["unused_instance_hours"] == 144.0  # 48 h x 3 available instances
    assert notice.evidence["remaining_hours"] == 48.0
    assert "144 instance-hours" in notice.reason and "3 of 4" in notice.reason
    assert "queue training jobs on it" in notice.reason  # what would use them: its TargetResources
    assert "saves nothing" in notice.reason


def test_given_a_plan_bought_for_a_hyperpod_cluster_and_studio_then_the_notice_names_both_uses() -> None:
    [notice] = plan_commitment(plan(targets=("hyperpod-cluster", "studio-apps")), POLICY, NOW).decisions
    assert isinstance(notice, Finding)
    assert "HyperPod instance group" in notice.reason and "JupyterLab or Code Editor" in notice.reason


def test_given_a_capacity_block_ending_in_thirty_hours_unused_then_launching_into_it_is_the_advice() -> None:
    [notice] = plan_commitment(block(), POLICY, NOW).decisions
    assert isinstance(notice, Finding) and notice.kind == UNUSED
    assert notice.evidence["unused_instance_hours"] == 60.0
    assert "MarketType capacity-block" in notice.reason and "cr-0123456789abcdef0" in notice.reason
    assert notice.resource.kind == "AWS::EC2::CapacityReservation"


@pytest.mark.parametrize(
    ("days_left", "noticed"), [(8, False), (7.01, False), (7, True), (0.5, True), (0, False), (-1, False)]
)
def test_given_a_plan_then_it_is_noticed_only_within_the_notice_days_before_it_ends(
    days_left: float, noticed: bool
) -> None:
    decisions = plan_commitment(plan(end=NOW + timedelta(days=days_left)), POLICY, NOW).decisions
    assert (len(decisions) == 1) is noticed


@pytest.mark.parametrize("status", ["Scheduled", "Pending", "Expired", "Failed"])
def test_given_a_plan_that_is_not_active_then_nothing_is_recorded(status: str) -> None:
    assert plan_commitment(plan(status=status), POLICY, NOW).decisions == ()


@pytest.mark.parametrize("state", ["scheduled", "expired", "cancelled", "payment-pending"])
def test_given_a_block_that_is_not_active_then_nothing_is_recorded(state: str) -> None:
    assert plan_commitment(block(status=state), POLICY, NOW).decisions == ()


def test_given_every_reserved_instance_in_use_then_nothing_is_left_to_notice() -> None:
    assert plan_commitment(plan(available=0, in_use=4), POLICY, NOW).decisions == ()


def test_given_no_available_count_in_the_answer_then_the_unused_hours_are_unknown_never_zero() -> None:
    [notice] = plan_commitment(plan(available=None), POLICY, NOW).decisions
    assert isinstance(notice, Finding) and notice.kind == UNUSED
    assert notice.evidence["unused_instance_hours"] == "unknown"
    assert notice.evidence["available_instances"] == "unknown"
    assert "unknown number" in notice.reason


def test_given_no_end_time_in_the_answer_then_a_finding_says_the_end_and_the_hours_are_unknown() -> None:
    [finding] = plan_commitment(plan(end=None), POLICY, NOW).decisions
    assert isinstance(finding, Finding) and finding.kind == END_UNKNOWN
    assert finding.evidence["unused_instance_hours"] == "unknown" and finding.evidence["ends"] == "unknown"


def test_given_an_exempt_plan_then_it_is_skipped_and_not_reported() -> None:
    [skip] = plan_commitment(plan(tags={"ecoguard:exempt": " TRUE "}), POLICY, NOW).decisions
    assert isinstance(skip, Skip) and "exempt" in skip.reason


def test_given_the_guardrail_turned_off_or_a_shorter_notice_then_the_policy_decides() -> None:
    assert plan_commitment(plan(), ReservedCapacityPolicy(enabled=False), NOW).decisions == ()
    assert plan_commitment(plan(), ReservedCapacityPolicy(notice_days=1), NOW).decisions == ()
