"""Ec2AcceleratorsFunction end to end: the handler from template.yaml, on a simulated account."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest

from ecoguard.adapters.clients import client
from ecoguard.decisions import Outcome
from ecoguard.guardrails.ec2_accelerators import GPU_METRIC, GPU_NAMESPACE
from ecoguard.invocation import invoke_own_function
from ecoguard_cli import operations
from tests.conftest import REGION, Stack, fail_calls, lambda_async_invoke_shim, load_event, record_calls
from tools.simulator.invoke import as_another_actor
from tools.simulator.seed_ec2 import launch, publish_gpu, state

FN = "Ec2AcceleratorsFunction"
SWEEP = "ec2_accelerators/scheduled-sweep.json"
WINDOW_HOURS = 3  # the policy's idle_hours, short so that the seeded series stay small
IDLE = [0.0] * (WINDOW_HOURS + 1) * 60  # one value a minute: every whole hour of the window has 60
TWO_DAYS = timedelta(days=2)


@pytest.fixture
def stack(stack: Stack) -> Stack:
    stack.use_policy({"ec2_accelerators": {"idle_hours": WINDOW_HOURS}})
    return stack


@pytest.fixture
def seeded(stack: Stack) -> tuple[Stack, dict[str, str]]:
    ids = {
        "idle": launch("g5g.xlarge", age=TWO_DAYS),
        "busy": launch("g5g.xlarge", age=TWO_DAYS),
        "instance-store": launch("g5.xlarge", age=TWO_DAYS),
        "no-agent": launch("g5g.xlarge", age=TWO_DAYS),
        "inferentia": launch("inf2.xlarge", age=TWO_DAYS),
        "autoscaled": launch("g5g.xlarge", age=TWO_DAYS, tags={"aws:autoscaling:groupName": "gpu-workers"}),
        "exempt": launch("g5g.xlarge", age=TWO_DAYS, tags={"ecoguard:exempt": "true"}),
        "protected": launch("g5g.xlarge", age=TWO_DAYS, disable_api_stop=True),
        "forged": launch("g5g.xlarge", age=TWO_DAYS),
        "just-started": launch("g5g.xlarge", age=timedelta(hours=WINDOW_HOURS - 1)),
        "cpu-only": launch("m5.large", age=TWO_DAYS),
    }
    for name in ("idle", "instance-store", "autoscaled", "exempt", "protected"):
        publish_gpu(ids[name], IDLE, name="NVIDIA A10G" if name == "instance-store" else "NVIDIA T4G")
    publish_gpu(ids["busy"], [*IDLE[:-90], 85.0, *IDLE[:89]])  # one busy minute 90 minutes ago
    publish_gpu(ids["forged"], IDLE, extra_every=1)  # someone else writes a 0 beside every real datapoint
    publish_gpu(ids["just-started"], [0.0] * 120)
    return stack, ids


def outcomes(stack: Stack, ids: dict[str, str]) -> dict[str, tuple[Outcome, str]]:
    names = {v: k for k, v in ids.items()}
    return {names[r.resource.name]: (r.outcome, r.action) for r in stack.records()}


EXPECTED = {
    "instance-store": (Outcome.FINDING, "finding:idle-instance-store"),
    "no-agent": (Outcome.FINDING, "finding:gpu-metric-missing"),
    "inferentia": (Outcome.FINDING, "finding:no-accelerator-metric"),
    "autoscaled": (Outcome.FINDING, "finding:idle-managed"),
    "exempt": (Outcome.SKIPPED, "skip"),
    "protected": (Outcome.FINDING, "finding:idle-stop-protected"),
    "forged": (Outcome.FINDING, "finding:gpu-metric-anomaly"),
}


def test_given_the_sample_sweep_in_dry_run_then_only_the_idle_ebs_gpu_instance_would_stop_and_none_is_stopped(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    stack, ids = seeded
    calls = record_calls("ec2")
    [result] = stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "dry-run"})
    assert "StopInstances" not in calls.calls
    assert {state(i) for i in ids.values()} == {"running"}
    assert outcomes(stack, ids) == {"idle": (Outcome.WOULD_APPLY, "stop-accelerator-instance"), **EXPECTED}
    assert result["evaluated"] == len(ids)


def test_given_enforce_then_the_idle_instance_is_stopped_and_restored_by_starting_it(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    stack, ids = seeded
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert {name: state(i) for name, i in ids.items()} == {
        name: "stopped" if name == "idle" else "running" for name in ids
    }
    assert outcomes(stack, ids) == {"idle": (Outcome.APPLIED, "stop-accelerator-instance"), **EXPECTED}
    [stopped] = [r for r in stack.records() if r.outcome is Outcome.APPLIED]
    assert stopped.before == {"State": "running", "InstanceType": "g5g.xlarge"}
    assert stopped.resource.arn == f"arn:aws:ec2:{REGION}:123456789012:instance/{ids['idle']}"
    session = boto3.session.Session(region_name=REGION)
    result = operations.restore_record(
        session, stack.resolver.refs["AuditTable"], stopped.action_id, apply=True, record_key=stack.record_key
    )
    assert result.outcome is Outcome.RESTORED
    assert state(ids["idle"]) == "running"


def test_given_an_exempt_tag_added_after_the_listing_then_the_fresh_read_before_the_stop_skips_it(stack: Stack) -> None:
    idle = launch("g5g.xlarge", age=TWO_DAYS)
    publish_gpu(idle, IDLE)
    owner = boto3.client("ec2", region_name=REGION)

    def exempt_before_the_fresh_read(params: dict[str, Any], **_: Any) -> None:
        # The read of one instance by id (InstanceIds) is the fresh read before the stop: the owner tags it first.
        if "InstanceId.1" in str(params.get("body", "")):
            with as_another_actor():  # the owner's call, not the function's (least privilege, dry-run check)
                owner.create_tags(Resources=[idle], Tags=[{"Key": "ecoguard:exempt", "Value": "true"}])

    client("ec2").meta.events.register("before-call.ec2.DescribeInstances", exempt_before_the_fresh_read)
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert state(idle) == "running"
    assert [(r.outcome, r.action) for r in stack.records()] == [(Outcome.SKIPPED, "skip")]


def test_given_stop_instances_refused_then_the_instance_is_recorded_failed_with_the_error(stack: Stack) -> None:
    idle = launch("g5g.xlarge", age=TWO_DAYS)
    publish_gpu(idle, IDLE)
    # EC2 API Reference, Error codes: UnauthorizedOperation (the caller is not allowed the action).
    injected = fail_calls("ec2", "StopInstances", "UnauthorizedOperation")
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert injected["StopInstances"] >= 1
    assert state(idle) == "running"
    [record] = stack.records()
    assert record.outcome is Outcome.FAILED and "UnauthorizedOperation" in (record.error or "")


def test_given_one_gpu_instance_then_its_series_are_listed_by_instance_and_read_as_hourly_maximum_and_count(
    stack: Stack,
) -> None:
    idle = launch("g5g.xlarge", age=TWO_DAYS)
    publish_gpu(idle, IDLE)
    calls = record_calls("cloudwatch")
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "dry-run"})
    listed = [p for op, p in calls.params if op == "ListMetrics"]
    assert listed and all(p["Dimensions"] == [{"Name": "InstanceId", "Value": idle}] for p in listed)
    queries = [q for op, p in calls.params if op == "GetMetricData" for q in p["MetricDataQueries"]]
    # moto 5.2.5 ignores the namespace when dimensions are given: assert what we send instead.
    assert {(q["MetricStat"]["Metric"]["Namespace"], q["MetricStat"]["Metric"]["MetricName"]) for q in queries} == {
        (GPU_NAMESPACE, GPU_METRIC)
    }
    # Read twice: for the sweep's decision, and again for the fresh decision made before a stop (in every mode).
    assert sorted((q["MetricStat"]["Stat"], q["MetricStat"]["Period"]) for q in queries) == [
        ("Maximum", 3600),
        ("Maximum", 3600),
        ("SampleCount", 3600),
        ("SampleCount", 3600),
    ]


def test_given_a_sweep_out_of_time_then_it_hands_off_and_its_continuation_decides_every_instance(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    stack, ids = seeded
    invoked = lambda_async_invoke_shim()
    [paused] = stack.invoke(
        FN,
        load_event(SWEEP),
        env={"ECOGUARD_MODE": "dry-run"},
        hand_off=invoke_own_function,
        remaining_ms=lambda: 10_000,
    )
    assert paused["finished"] is False
    [request] = invoked
    [finished] = stack.invoke(FN, json.loads(request["body"]), env={"ECOGUARD_MODE": "dry-run"})
    assert finished["finished"] is True
    assert outcomes(stack, ids) == {"idle": (Outcome.WOULD_APPLY, "stop-accelerator-instance"), **EXPECTED}
