"""Training right-sizing, pure: each rule at its threshold, per-device averaging, unknown hosts, Spot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ecoguard.decisions import Finding, Skip
from ecoguard.guardrails.training_rightsizing import (
    RIGHTSIZE,
    SPOT,
    CompletedJob,
    RunUtilization,
    per_device,
    rightsize,
)
from ecoguard.policy import ServingAdvisorPolicy

POLICY = ServingAdvisorPolicy()
START = datetime(2026, 6, 1, 8, tzinfo=UTC)


def job(instance_type: str = "ml.g5.xlarge", count: int = 4, hours: float = 3.0, **extra: Any) -> CompletedJob:
    return CompletedJob(
        name="train", arn="arn:aws:sagemaker:us-east-1:123456789012:training-job/train",
        instance_type=instance_type, instance_count=count, start=START, end=START + timedelta(hours=hours), **extra,
    )  # fmt: skip


def kinds(found: list[Finding | Skip]) -> list[str]:
    return [f.kind for f in found if isinstance(f, Finding)]


def test_per_device_averages_hosts_after_dividing_by_devices_and_a_missing_host_is_unknown() -> None:
    assert per_device([400.0, 200.0], 4) == 75.0
    assert per_device([400.0, None], 4) is None
    assert per_device([], 4) is None


@pytest.mark.parametrize(("gpu", "fires"), [(29.9, True), (30.0, False)])
def test_given_four_gpu_hosts_under_30_percent_then_fewer_instances_with_headroom(gpu: float, fires: bool) -> None:
    found = rightsize(job(), RunUtilization(cpu=10.0, memory=20.0, gpu=gpu, gpu_memory=20.0), POLICY)
    assert (RIGHTSIZE in kinds(found)) is fires
    if fires:
        (finding,) = [f for f in found if isinstance(f, Finding) and f.kind == RIGHTSIZE]
        # 4 x 29.9 % of a GPU = 1.2 GPUs; at 70 % usable each, 2 instances.
        assert finding.evidence["recommended"] == "2 x ml.g5.xlarge"
        assert finding.impact is not None and finding.impact["usd"] == pytest.approx(1.4084 * 2 * 3.0)
        assert finding.impact["period"] == "per run"


def test_given_one_low_host_then_the_next_size_down() -> None:
    found = rightsize(job("ml.m5.2xlarge", count=1), RunUtilization(cpu=20.0, memory=15.0), POLICY)
    (finding,) = [f for f in found if isinstance(f, Finding) and f.kind == RIGHTSIZE]
    assert finding.evidence["recommended"] == "1 x ml.m5.xlarge"


def test_given_gpu_memory_unknown_then_no_rightsizing() -> None:
    found = rightsize(job(), RunUtilization(cpu=10.0, memory=20.0, gpu=5.0, gpu_memory=None), POLICY)
    assert RIGHTSIZE not in kinds(found)


def test_given_a_short_on_demand_run_then_managed_spot_with_the_current_cost_and_unknown_saving() -> None:
    found = rightsize(job(hours=1.0), RunUtilization(cpu=90.0, memory=90.0, gpu=90.0, gpu_memory=90.0), POLICY)
    (spot,) = [f for f in found if isinstance(f, Finding)]
    assert spot.kind == SPOT
    assert spot.impact is not None and spot.impact["usd"] is None and spot.impact["kwh"] == 0.0
    assert spot.impact["current"]["usd"] == pytest.approx(1.4084 * 4 * 1.0)


@pytest.mark.parametrize(
    "extra",
    [{"spot": True}, {"warm_pool": True, "checkpoint_s3": True}, {"training_plan": True, "checkpoint_s3": True}, {}],
)
def test_given_spot_a_warm_pool_a_plan_or_a_long_run_without_checkpoints_then_no_spot_advice(
    extra: dict[str, Any],
) -> None:
    found = rightsize(job(hours=5.0, **extra), RunUtilization(cpu=90.0, memory=90.0, gpu=90.0, gpu_memory=90.0), POLICY)
    assert SPOT not in kinds(found)


def test_given_a_long_run_that_checkpoints_then_managed_spot() -> None:
    found = rightsize(
        job(hours=5.0, checkpoint_s3=True), RunUtilization(cpu=90.0, memory=90.0, gpu=90.0, gpu_memory=90.0), POLICY
    )
    assert kinds(found) == [SPOT]


def test_given_an_exempt_job_then_a_skip() -> None:
    found = rightsize(
        job(tags={"ecoguard:exempt": "true"}), RunUtilization(cpu=1.0, memory=1.0, gpu=1.0, gpu_memory=1.0), POLICY
    )
    assert len(found) == 1 and isinstance(found[0], Skip)
