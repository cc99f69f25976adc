"""Duplicates and ordering, for every handler: the same event delivered three times, interleaved with other
events, in enforce. Each resource ends with exactly one action, asserted on the audit records, on the calls
that change it, and on the resource. State changes that arrive late or out of order never act on a finished
resource. (SageMaker "may send multiple events ... for each state change": QUIRKS.md section 1.)"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from ecoguard.audit import AuditRecord
from ecoguard.decisions import Outcome
from tests.builders.idle_endpoint import arn, travel_past_grace
from tests.builders.idle_notebook import LIFECYCLE, ZERO_DAY
from tests.builders.log_retention import created_event, logs
from tests.builders.retraining_gate import POLICY, create_pipeline, executions, kpi_breach
from tests.builders.training_guard import ALL_JOBS, state_change, statuses
from tests.conftest import REFERENCE_EVENTS, REGION, Stack, assert_rejected, load_event, record_calls
from tools.simulator.s3_shim import FakeS3ConfigStore, fake_s3_configs
from tools.simulator.seed_inference import (
    EndpointSeed,
    create_activity_lifecycle_config,
    create_endpoint,
    create_notebook,
    endpoint_names,
    notebook_status,
)
from tools.simulator.training_jobs import RunningTrainingJobs, SeededJob, seed_training_jobs

ENFORCE = {"ECOGUARD_MODE": "enforce"}


def three_times_interleaved(events: Sequence[dict[str, Any]], others: Sequence[dict[str, Any]]) -> list[Any]:
    """Each event three times, round-robin, with the other events between the rounds:
    a b X a b Y a b (never two copies of one event in a row)."""
    rounds = [list(events) for _ in range(3)]
    sequence: list[Any] = []
    for i, round_ in enumerate(rounds):
        sequence += round_
        if i < len(others):
            sequence.append(others[i])
    sequence += others[len(rounds) :]
    return sequence


def deliver(stack: Stack, function: str, sequence: Sequence[dict[str, Any]]) -> None:
    for event in sequence:
        for result in stack.invoke(function, copy.deepcopy(event), env=ENFORCE):
            assert not result.get("rejected"), result


def applied(stack: Stack, guardrail: str | None = None) -> Counter[tuple[str, str]]:
    """(resource name, action) -> how many applied records."""
    return Counter(
        (r.resource.name, r.action)
        for r in stack.records()
        if r.outcome is Outcome.APPLIED and (guardrail is None or r.guardrail == guardrail)
    )


def targets(calls: list[tuple[str, dict[str, Any]]], operation: str, parameter: str) -> Counter[str]:
    return Counter(params[parameter] for name, params in calls if name == operation)


def test_given_create_log_group_events_three_times_each_interleaved_with_sweeps_then_each_group_changes_once(
    stack: Stack,
) -> None:
    names = ["/aws/lambda/dup-a", "/aws/sagemaker/Endpoints/dup-b"]
    for name in names:
        logs().create_log_group(logGroupName=name)
    events = [created_event(name, f"efb309eb-0000-0000-0000-00000000000{i}") for i, name in enumerate(names)]
    sweep = load_event("log_retention/scheduled-sweep.json")
    calls = record_calls("logs")
    deliver(stack, "LogRetentionFunction", three_times_interleaved(events, [sweep, sweep | {"id": "sweep-2"}]))
    puts = targets(calls.params, "PutRetentionPolicy", "logGroupName")
    assert all(puts[name] == 1 for name in names) and max(puts.values()) == 1
    counts = applied(stack)
    assert [counts[(name, "put-retention-policy")] for name in names] == [1, 1] and max(counts.values()) == 1
    retention = {g["logGroupName"]: g.get("retentionInDays") for g in logs().describe_log_groups()["logGroups"]}
    assert [retention[name] for name in names] == [30, 30]


@pytest.fixture
def s3_configs(stack: Stack) -> Iterator[FakeS3ConfigStore]:
    with fake_s3_configs() as fake:  # named shim: moto drops Intelligent-Tiering and some lifecycle fields
        yield fake


def test_given_create_bucket_events_three_times_each_interleaved_with_a_sweep_then_each_bucket_changes_once(
    stack: Stack, s3_configs: FakeS3ConfigStore
) -> None:
    names = ["dup-bucket-a", "dup-bucket-b"]
    events = []
    for i, name in enumerate(names):
        boto3.client("s3", region_name=REGION).create_bucket(Bucket=name)
        event = copy.deepcopy(load_event("storage_lifecycle/cloudtrail-createbucket.json"))
        event["id"] = f"36eb8523-0000-0000-0000-00000000000{i}"
        event["detail"]["requestParameters"]["bucketName"] = name
        events.append(event)
    sweep = load_event("storage_lifecycle/scheduled-sweep.json")
    calls = record_calls("s3")
    deliver(stack, "StorageLifecycleFunction", three_times_interleaved(events, [sweep]))
    writes = targets(calls.params, "PutBucketLifecycleConfiguration", "Bucket")
    assert [writes[name] for name in names] == [1, 1]
    counts = applied(stack)
    assert all(n == 1 for n in counts.values()) and {name for name, _ in counts} >= set(names)
    assert all(s3_configs.lifecycle[name]["Rules"] for name in names)


def in_service(name: str, event_id: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("idle_endpoint/sagemaker-endpoint-state-change-api-status.json"))
    event["id"] = event_id
    event["detail"].update(EndpointName=name, EndpointArn=arn(name))
    return event


def test_given_in_service_events_three_times_each_for_endpoints_past_their_grace_then_each_is_deleted_once(
    stack: Stack,
) -> None:
    names = ["dup-idle-a", "dup-idle-b"]
    for name in names:
        create_endpoint(EndpointSeed(name, timedelta(days=3)))
    sweep = load_event("idle_endpoint/scheduled-sweep.json")
    deliver(stack, "IdleEndpointFunction", [sweep])  # marks both idle
    for name in names:
        travel_past_grace(stack, name)
    events = [in_service(name, f"7c0e3a52-0000-0000-0000-00000000000{i}") for i, name in enumerate(names)]
    calls = record_calls("sagemaker")
    deliver(stack, "IdleEndpointFunction", three_times_interleaved(events, [sweep | {"id": "sweep-2"}]))
    assert targets(calls.params, "DeleteEndpoint", "EndpointName") == dict.fromkeys(names, 1)
    counts = applied(stack)
    assert [counts[(name, "delete-endpoint")] for name in names] == [1, 1]
    assert [counts[(name, "mark-idle")] for name in names] == [1, 1]
    assert not set(names) & endpoint_names()


def test_given_an_in_service_event_arriving_after_its_endpoint_was_deleted_then_nothing_is_done(
    stack: Stack,
) -> None:
    create_endpoint(EndpointSeed("late-event", timedelta(days=3)))
    boto3.client("sagemaker", region_name=REGION).delete_endpoint(EndpointName="late-event")
    calls = record_calls("sagemaker")
    deliver(stack, "IdleEndpointFunction", [in_service("late-event", "7c0e3a52-0000-0000-0000-00000000late")] * 3)
    assert not {"DeleteEndpoint", "CreateEndpoint", "AddTags"} & set(calls.calls)
    assert applied(stack) == Counter()


@pytest.fixture
def running(stack: Stack) -> Iterator[RunningTrainingJobs]:
    # Named shims: moto finishes a training job at once and has no StopTrainingJob.
    with RunningTrainingJobs.install():
        yield seed_training_jobs(ALL_JOBS, datetime.now(UTC))


def test_given_in_progress_events_three_times_each_interleaved_with_sweeps_then_the_idle_job_is_stopped_once(
    running: RunningTrainingJobs, stack: Stack
) -> None:
    events = [state_change("resnet-idle"), state_change("llm-finetune-busy")]
    sweep = load_event("training_guard/scheduled-sweep.json")
    calls = record_calls("sagemaker")
    deliver(stack, "TrainingGuardFunction", three_times_interleaved(events, [sweep, sweep | {"id": "sweep-2"}]))
    stops = targets(calls.params, "StopTrainingJob", "TrainingJobName")
    assert stops["resnet-idle"] == 1 and "llm-finetune-busy" not in stops and max(stops.values()) == 1
    counts = applied(stack)
    assert counts[("resnet-idle", "stop-training-job")] == 1 and max(counts.values()) == 1
    assert statuses()["resnet-idle"] == "Stopping" and statuses()["llm-finetune-busy"] == "InProgress"


def test_given_completed_before_in_progress_and_repeated_then_the_finished_job_is_never_acted_on(
    stack: Stack,
) -> None:
    with RunningTrainingJobs.install():
        seed_training_jobs([SeededJob("finished-early", "ml.g5.xlarge", 1, 120, (0.0,))], datetime.now(UTC))
        boto3.client("sagemaker", region_name=REGION).stop_training_job(TrainingJobName="finished-early")
        completed, late = state_change("finished-early", "Completed"), state_change("finished-early")
        calls = record_calls("sagemaker", "cloudwatch")
        deliver(stack, "TrainingGuardFunction", [completed, late, completed, late, late, completed])
    assert "StopTrainingJob" not in calls.calls and "GetMetricData" not in calls.calls
    assert not [r for r in stack.records() if r.action == "stop-training-job"]


@pytest.fixture
def gated(stack: Stack) -> Stack:
    stack.use_policy(POLICY)
    create_pipeline()
    return stack


def test_given_a_confirmed_breach_three_times_interleaved_with_other_alarms_then_one_retraining_starts(
    gated: Stack,
) -> None:
    # Two consecutive breaches confirm; the third round also brings the first breach back after the second.
    others = [
        load_event("retraining_gate/data-drift-alarm.json"),
        load_event("retraining_gate/alarm-single-metric-ec2.json"),
    ]
    calls = record_calls("sagemaker")
    deliver(gated, "RetrainingGateFunction", three_times_interleaved([kpi_breach(1), kpi_breach(2)], others))
    assert calls.calls["StartPipelineExecution"] == 1 and len(executions()) == 1
    assert list(applied(gated, "retraining-gate").values()) == [1]


def test_given_a_pipeline_execution_event_after_its_terminal_state_then_it_is_rejected_and_nothing_starts(
    gated: Stack,
) -> None:
    deliver(gated, "RetrainingGateFunction", [kpi_breach(1), kpi_breach(2)])
    late = json.loads((REFERENCE_EVENTS / "sagemaker-model-building-pipeline-execution-status-change.json").read_text())
    calls = record_calls("sagemaker")
    for _ in range(3):
        [result] = gated.invoke("RetrainingGateFunction", late, env=ENFORCE)
        assert_rejected(result, "does not handle 'SageMaker Model Building Pipeline Execution Status Change'")
    assert "StartPipelineExecution" not in calls.calls and len(executions()) == 1


def test_given_the_same_sweep_three_times_interleaved_with_another_then_the_idle_notebook_is_stopped_once(
    stack: Stack,
) -> None:
    create_activity_lifecycle_config(LIFECYCLE)
    create_notebook("dup-idle", age=timedelta(days=1), lifecycle_config=LIFECYCLE, activity=ZERO_DAY)
    sweep = load_event("idle_notebook/scheduled-sweep.json")
    calls = record_calls("sagemaker")
    deliver(stack, "IdleNotebookFunction", three_times_interleaved([sweep], [sweep | {"id": "another-sweep"}]))
    assert calls.calls["StopNotebookInstance"] == 1
    assert applied(stack) == Counter({("dup-idle", "stop-notebook"): 1})
    assert notebook_status("dup-idle") == "Stopped"


def test_given_the_same_restore_request_three_times_then_the_change_is_undone_once(stack: Stack) -> None:
    logs().create_log_group(logGroupName="/aws/lambda/restore-thrice")
    deliver(stack, "LogRetentionFunction", [created_event("/aws/lambda/restore-thrice")])
    [record] = [r for r in stack.records() if r.outcome is Outcome.APPLIED]
    calls = record_calls("logs")
    results = [stack.invoke("RestoreFunction", {"action_id": record.action_id, "apply": True})[0] for _ in range(3)]
    assert [r["outcome"] for r in results].count("restored") == 1
    assert calls.calls["DeleteRetentionPolicy"] + calls.calls["PutRetentionPolicy"] == 1
    restored: list[AuditRecord] = [r for r in stack.records() if r.outcome is Outcome.RESTORED]
    assert len(restored) == 1
    group = logs().describe_log_groups(logGroupNamePrefix="/aws/lambda/restore-thrice")["logGroups"][0]
    assert "retentionInDays" not in group
