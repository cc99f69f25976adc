"""ReservedCapacityFunction end to end: the handler from template.yaml, on a simulated account.

moto has neither training plans nor Capacity Reservations: ``tools/simulator/reserved_capacity_shim.py`` covers
them (shims ``moto_has_no_training_plans``, ``moto_has_no_capacity_blocks``; tests/README.md's gaps table).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from ecoguard.decisions import Outcome
from ecoguard.guardrails.reserved_capacity import UNUSED
from ecoguard.invocation import invoke_own_function
from tests.conftest import REGION, Stack, fail_calls, lambda_async_invoke_shim, load_event, record_calls
from tools.simulator.reserved_capacity_shim import seed_capacity_block, seed_training_plan
from tools.simulator.training_jobs import ROLE

FN = "ReservedCapacityFunction"
SWEEP = "reserved_capacity/scheduled-sweep.json"
NOTICE = f"finding:{UNUSED}"


def sweep(stack: Stack, mode: str, run: str) -> dict[str, object]:
    [result] = stack.invoke(FN, load_event(SWEEP) | {"id": run}, env={"ECOGUARD_MODE": mode})
    return result


@pytest.fixture
def seeded(stack: Stack) -> Stack:
    now = datetime.now(UTC)
    started = now - timedelta(days=12)
    seed_training_plan("llm-pretrain", total=4, available=3, start=started, end=now + timedelta(days=2))
    seed_training_plan("busy-plan", total=2, available=0, start=started, end=now + timedelta(days=2))
    seed_training_plan("later-plan", total=2, available=2, start=started, end=now + timedelta(days=30))
    seed_training_plan(
        "next-month", total=2, available=2, start=now + timedelta(days=3), end=now + timedelta(days=6),
        status="Scheduled",
    )  # fmt: skip
    seed_training_plan(
        "audit-plan", total=1, available=1, start=started, end=now + timedelta(days=1),
        tags={"ecoguard:exempt": "true"},
    )  # fmt: skip
    seed_capacity_block("cr-0aaaabbbbccccdddd", total=2, available=2, start=started, end=now + timedelta(hours=30))
    seed_capacity_block(
        "cr-0eeeeffff00001111", total=2, available=2, start=started, end=now - timedelta(hours=1), state="expired"
    )
    return stack


def test_given_plans_and_blocks_then_exactly_those_ending_soon_with_unused_instances_are_noticed(
    seeded: Stack,
) -> None:
    calls = record_calls("sagemaker", "ec2")
    result = sweep(seeded, "enforce", "run-1")
    assert result["finished"] is True
    notices = {r.resource.name: r for r in seeded.records() if r.action == NOTICE}
    assert set(notices) == {"llm-pretrain", "cr-0aaaabbbbccccdddd"}
    plan = notices["llm-pretrain"]
    assert plan.outcome is Outcome.FINDING
    hours = plan.before["unused_instance_hours"]
    assert isinstance(hours, float) and 3 * 47.9 <= hours <= 3 * 48  # 3 instances x ~48 h left
    assert "queue training jobs on it" in plan.reason
    assert "MarketType capacity-block" in notices["cr-0aaaabbbbccccdddd"].reason
    skipped = {r.resource.name for r in seeded.records() if r.outcome is Outcome.SKIPPED}
    assert skipped == {"audit-plan"}
    # Read-only: nothing but the listings and the plans' tags is called.
    assert set(calls.calls) <= {"ListTrainingPlans", "ListTags", "DescribeCapacityReservations"}
    assert calls.calls["ListTrainingPlans"] == 1 and calls.calls["DescribeCapacityReservations"] == 1


def test_given_a_second_sweep_the_same_day_then_each_notice_is_recorded_once(seeded: Stack) -> None:
    sweep(seeded, "dry-run", "run-1")
    sweep(seeded, "dry-run", "run-2")
    notices = [r.resource.name for r in seeded.records() if r.action == NOTICE]
    assert sorted(notices) == ["cr-0aaaabbbbccccdddd", "llm-pretrain"]


def test_given_a_plans_tags_cannot_be_read_then_it_is_recorded_failed_and_never_noticed(seeded: Stack) -> None:
    # AccessDeniedException: a common error of every SageMaker action (SageMaker API reference, Common Errors).
    fail_calls("sagemaker", "ListTags", "AccessDeniedException")
    result = sweep(seeded, "enforce", "run-1")
    assert result["finished"] is True
    failed = {r.resource.name for r in seeded.records() if r.outcome is Outcome.FAILED}
    assert "llm-pretrain" in failed
    notices = {r.resource.name for r in seeded.records() if r.action == NOTICE}
    assert notices == {"cr-0aaaabbbbccccdddd"}, "an exemption it could not read is never taken as absent"


def test_given_a_plan_deleted_between_the_listing_and_its_tags_then_it_is_left_out(seeded: Stack) -> None:
    # ListTags of a resource that no longer exists answers ResourceNotFound (SageMaker API reference, ListTags).
    fail_calls("sagemaker", "ListTags", "ResourceNotFound", when=lambda p: "llm-pretrain" in str(p))
    sweep(seeded, "enforce", "run-1")
    names = {r.resource.name for r in seeded.records()}
    assert "llm-pretrain" not in names and "cr-0aaaabbbbccccdddd" in names


def test_given_the_policy_turns_it_off_then_nothing_is_listed_or_recorded(seeded: Stack) -> None:
    seeded.use_policy({"reserved_capacity": {"enabled": False}})
    calls = record_calls("sagemaker", "ec2")
    sweep(seeded, "enforce", "run-1")
    assert "ListTrainingPlans" not in calls.calls and "DescribeCapacityReservations" not in calls.calls
    assert not [r for r in seeded.records() if r.action == NOTICE]


def test_given_a_hyperpod_cluster_on_a_training_plan_then_idle_compute_names_the_plan_and_gives_no_scale_down_advice(
    stack: Stack,
) -> None:
    # DescribeCluster returns each instance group's TrainingPlanArn (ClusterInstanceGroupDetails); moto keeps the
    # member CreateCluster was given.
    now = datetime.now(UTC)
    plan_arn = seed_training_plan("hyperpod-plan", total=4, available=0, start=now, end=now + timedelta(days=20))
    lifecycle: Any = {"SourceS3Uri": "s3://sagemaker-lifecycle/hyperpod/", "OnCreate": "on_create.sh"}
    group: Any = {"LifeCycleConfig": lifecycle, "ExecutionRole": ROLE, "ThreadsPerCore": 1}
    groups: Any = [
        {"InstanceGroupName": "controller", "InstanceType": "ml.m5.xlarge", "InstanceCount": 1, **group},
        {"InstanceGroupName": "workers", "InstanceType": "ml.g5.12xlarge", "InstanceCount": 4,
         "TrainingPlanArn": plan_arn, **group},
    ]  # fmt: skip
    boto3.client("sagemaker", region_name=REGION).create_cluster(
        ClusterName="llm-on-plan",
        InstanceGroups=groups,
        VpcConfig={"SecurityGroupIds": ["sg-0a1b2c3d"], "Subnets": ["subnet-0a1b2c3d"]},
    )
    [_] = stack.invoke("IdleComputeFunction", load_event("idle_compute/scheduled-sweep.json"))
    [finding] = [r for r in stack.records() if r.resource.name == "llm-on-plan"]
    assert finding.outcome is Outcome.FINDING
    assert "workers run(s) on training plan hyperpod-plan" in finding.reason
    assert "review the utilization of controller there" in finding.reason
    assert finding.before["training_plans"] == [plan_arn]


def test_given_a_sweep_out_of_time_then_it_hands_off_and_the_continuation_notices_both_listings(seeded: Stack) -> None:
    invoked = lambda_async_invoke_shim()
    [paused] = seeded.invoke(
        FN,
        load_event(SWEEP),
        env={"ECOGUARD_MODE": "dry-run"},
        hand_off=invoke_own_function,
        remaining_ms=lambda: 10_000,
    )
    assert paused["finished"] is False
    [request] = invoked
    [finished] = seeded.invoke(FN, json.loads(request["body"]), env={"ECOGUARD_MODE": "dry-run"})
    assert finished["finished"] is True
    notices = {r.resource.name for r in seeded.records() if r.action == NOTICE}
    assert notices == {"llm-pretrain", "cr-0aaaabbbbccccdddd"}
