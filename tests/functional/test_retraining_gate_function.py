"""RetrainingGateFunction end to end: the handler from template.yaml, on a simulated account.

Simulator gaps (moto 5.2.5), each covered by a named shim below:

- ``monitoring_run_shim``: moto implements no monitoring schedules or executions, and its
  processing jobs have no ``ExitMessage``; the shim answers DescribeProcessingJob as SageMaker
  does for a Model Monitor run.
- ``executing_pipeline_shim``: moto finishes pipeline executions the moment they are created;
  the shim lists one still ``Executing``.
- ``stop_pipeline_execution_shim``: moto has no StopPipelineExecution (the restore's undo).
- ``idempotent_start_shim``: moto ignores ``ClientRequestToken``; the shim is a documented fake of
  SageMaker's idempotency (same token, same execution) in front of moto.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from ecoguard.adapters.clients import client
from ecoguard.clock import utc_now
from ecoguard.decisions import Mode, Outcome
from ecoguard.errors import Throttled
from ecoguard.restore import restore, unit_for
from tests.builders.restore_checks import account_checks
from tests.builders.retraining_gate import (
    PIPELINE,
    POLICY,
    create_pipeline,
    executions,
    kpi_breach,
)
from tests.conftest import REGION, Stack, assert_rejected, event_files, fail_calls, load_event, record_calls
from tools.simulator.alarms import as_cloudwatch_reported

FN = "RetrainingGateFunction"
DRIFT = "retraining_gate/data-drift-alarm.json"
RUN = "retraining_gate/monitoring-run-completed-with-violations.json"
ENFORCE = {"ECOGUARD_MODE": "enforce"}


def respond(operation: str, parsed: dict[str, Any]) -> Any:
    def hook(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        return AWSResponse("https://sagemaker.local", 200, HTTPHeaders(), None), parsed

    client("sagemaker").meta.events.register(f"before-call.sagemaker.{operation}", hook)
    return hook


def monitoring_run_shim(exit_message: str) -> None:
    run = load_event(RUN)["detail"]
    respond(
        "DescribeProcessingJob",
        {
            # Every member DescribeProcessingJob's output requires (botocore's SageMaker model), from the event's
            # own job: the fake once answered without them, which tests/response_shapes.py rejects.
            "ProcessingJobName": run["ProcessingJobName"],
            "ProcessingJobArn": run["ProcessingJobArn"],
            "AppSpecification": run["AppSpecification"],
            "ProcessingResources": run["ProcessingResources"],
            "CreationTime": datetime.fromtimestamp(run["CreationTime"] / 1000, UTC),
            "ProcessingJobStatus": "Completed",
            "ExitMessage": exit_message,
            "MonitoringScheduleArn": run["MonitoringScheduleArn"],
        },
    )


def executing_pipeline_shim() -> str:
    arn = f"arn:aws:sagemaker:{REGION}:123456789012:pipeline/{PIPELINE}/execution/running1"
    respond(
        "ListPipelineExecutions",
        {"PipelineExecutionSummaries": [{"PipelineExecutionArn": arn, "PipelineExecutionStatus": "Executing"}]},
    )
    return arn


def idempotent_start_shim() -> dict[str, str]:
    """Same ClientRequestToken -> the execution already started for it, as SageMaker does."""
    started: dict[str, str] = {}
    asked: list[str] = []

    def before(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        token = json.loads(params["body"])["ClientRequestToken"]
        if token in started:
            return AWSResponse("https://sagemaker.local", 200, HTTPHeaders(), None), {
                "PipelineExecutionArn": started[token]
            }
        asked.append(token)
        return None

    def after(parsed: dict[str, Any], **_: Any) -> None:
        started[asked.pop()] = parsed["PipelineExecutionArn"]

    events = client("sagemaker").meta.events
    events.register("before-call.sagemaker.StartPipelineExecution", before)
    events.register("after-call.sagemaker.StartPipelineExecution", after)
    return started


@pytest.fixture
def gated(stack: Stack) -> Stack:
    stack.use_policy(POLICY)
    create_pipeline()
    return stack


def records(stack: Stack) -> list[Any]:
    return [r for r in stack.records() if r.guardrail == "retraining-gate"]


@pytest.mark.parametrize(
    "path", sorted(p for p in event_files() if p.parent.name == "retraining_gate"), ids=lambda p: p.name
)
def test_given_each_sample_event_when_invoked_in_dry_run_then_it_succeeds_and_starts_nothing(
    gated: Stack, path: Path
) -> None:
    monitoring_run_shim("CompletedWithViolations: Job completed successfully with 2 violations.")
    calls = record_calls("sagemaker")
    [result] = gated.invoke(FN, json.loads(path.read_text()), env={"ECOGUARD_MODE": "dry-run"})
    assert result["mode"] == "dry-run" and result.get("would-apply", 0) == 0
    assert "StartPipelineExecution" not in calls.calls and executions() == []


def test_given_a_kpi_breach_twice_then_exactly_one_pipeline_execution_starts_with_the_breach_context(
    gated: Stack,
) -> None:
    calls = record_calls("sagemaker")
    [first] = gated.invoke(FN, kpi_breach(1), env=ENFORCE)
    assert first["finding"] == 1 and not calls.calls, "an unconfirmed breach reads no pipeline"
    notices = record_calls("sns")
    [second] = gated.invoke(FN, kpi_breach(2), env=ENFORCE)
    assert second["applied"] == 1 and notices.calls["Publish"] == 1
    assert dict(calls.calls) == {
        "DescribePipeline": 1,
        "ListTags": 1,
        "ListPipelineExecutions": 1,
        "StartPipelineExecution": 1,
    }
    [execution] = executions()
    [start] = [p for op, p in calls.params if op == "StartPipelineExecution"]
    assert {p["Name"]: p["Value"] for p in start["PipelineParameters"]} == {
        "TrainingInstanceType": "ml.m5.xlarge",
        "EcoguardBreachMetric": "f1",
        "EcoguardBreachValue": "0.71",
        "EcoguardBreachThreshold": "0.8",
        "EcoguardMonitoringSchedule": "churn-model-quality",
    }
    assert start["ClientRequestToken"].startswith("ecoguard-") and len(start["ClientRequestToken"]) == 73
    assert execution["PipelineExecutionDisplayName"] == start["PipelineExecutionDisplayName"]
    applied = [r for r in records(gated) if r.outcome is Outcome.APPLIED]
    assert len(applied) == 1 and applied[0].before == {"pipeline": PIPELINE, "execution": None}
    assert "breach 2 of 2 consecutive" in applied[0].reason


def test_given_a_retrain_then_a_confirmed_breach_inside_the_cooldown_is_refused_and_recorded(gated: Stack) -> None:
    for n in (1, 2, 3):
        gated.invoke(FN, kpi_breach(n), env=ENFORCE)
    [refused] = gated.invoke(FN, kpi_breach(4), env=ENFORCE)
    assert refused["skipped"] == 1 and len(executions()) == 1
    [skip] = [r for r in records(gated) if r.outcome is Outcome.SKIPPED]
    assert "refused: inside the cooldown" in skip.reason


def test_given_the_same_event_twice_or_the_same_transition_under_another_id_then_nothing_starts_twice(
    gated: Stack,
) -> None:
    gated.invoke(FN, kpi_breach(1), env=ENFORCE)
    gated.invoke(FN, kpi_breach(2), env=ENFORCE)
    [same_id] = gated.invoke(FN, kpi_breach(2), env=ENFORCE)
    [other_id] = gated.invoke(FN, kpi_breach(2, event_id="another-delivery-of-the-same-transition"), env=ENFORCE)
    assert same_id.get("applied", 0) == other_id.get("applied", 0) == 0
    assert len(executions()) == 1
    reasons = [r.reason for r in records(gated) if r.outcome is Outcome.SKIPPED]
    assert len(reasons) == 2 and all(r.startswith("duplicate:") for r in reasons)


def test_given_moto_ignores_the_client_request_token_when_the_state_is_lost_then_the_token_still_dedups(
    gated: Stack,
) -> None:
    """Gap: ClientRequestToken ignored. The idempotency fake shows the same breach sends the same token."""
    gated.use_policy(
        {"retraining_gate": {"models": [{**POLICY["retraining_gate"]["models"][0], "confirm_breaches": 1}]}}
    )
    started = idempotent_start_shim()
    calls = record_calls("sagemaker")
    gated.invoke(FN, kpi_breach(1), env=ENFORCE)
    db = boto3.client("dynamodb", region_name=REGION)
    db.delete_item(
        TableName=gated.resolver.refs["AuditTable"],
        Key={"pk": {"S": "state#retraining-gate"}, "sk": {"S": "enforce/churn"}},
    )
    gated.invoke(FN, kpi_breach(1, event_id="redelivered-after-state-loss"), env=ENFORCE)
    tokens = [p["ClientRequestToken"] for op, p in calls.params if op == "StartPipelineExecution"]
    assert len(tokens) == 2 and tokens[0] == tokens[1]
    assert len(executions()) == 1 and len(started) == 1


def test_given_a_drift_only_alarm_then_it_is_recorded_and_notified_and_nothing_starts(gated: Stack) -> None:
    calls = record_calls("sagemaker")
    [result] = gated.invoke(FN, as_cloudwatch_reported(load_event(DRIFT)), env=ENFORCE)
    assert result["finding"] == 1 and not calls.calls and executions() == []
    [finding] = records(gated)
    assert finding.action == "finding:drift-only" and "only notified" in finding.reason


def test_given_an_unrelated_alarm_or_a_configuration_change_then_it_is_ignored_without_error(gated: Stack) -> None:
    calls = record_calls("sagemaker")
    for relative in ("alarm-single-metric-ec2.json", "alarm-composite.json", "alarm-configuration-change.json"):
        [result] = gated.invoke(FN, load_event(f"retraining_gate/{relative}"), env=ENFORCE)
        assert result["evaluated"] == 0
    assert not calls.calls and records(gated) == []


def test_given_an_execution_in_flight_then_the_confirmed_breach_is_refused(gated: Stack) -> None:
    running = executing_pipeline_shim()
    gated.invoke(FN, kpi_breach(1), env=ENFORCE)
    [result] = gated.invoke(FN, kpi_breach(2), env=ENFORCE)
    assert result["skipped"] == 1 and executions() == []
    [skip] = [r for r in records(gated) if r.outcome is Outcome.SKIPPED]
    assert f"execution in flight: {running}" in skip.reason


def test_given_an_exempt_pipeline_then_the_confirmed_breach_is_skipped(stack: Stack) -> None:
    stack.use_policy(POLICY)
    create_pipeline({"ecoguard:exempt": "true"})
    stack.invoke(FN, kpi_breach(1), env=ENFORCE)
    [result] = stack.invoke(FN, kpi_breach(2), env=ENFORCE)
    assert result["skipped"] == 1 and executions() == []


def test_given_two_monitoring_runs_with_violations_then_the_outcome_is_read_from_sagemaker_and_one_run_starts(
    gated: Stack,
) -> None:
    """Gap: no monitoring executions in moto; monitoring_run_shim answers DescribeProcessingJob."""
    monitoring_run_shim("CompletedWithViolations: Job completed successfully with 2 violations.")
    calls = record_calls("sagemaker")
    first = load_event(RUN)
    second = copy.deepcopy(first) | {"id": "second-run"}
    second["detail"] = first["detail"] | {"ProcessingJobArn": first["detail"]["ProcessingJobArn"] + "-2"}
    gated.invoke(FN, first, env=ENFORCE)
    [result] = gated.invoke(FN, second, env=ENFORCE)
    assert result["applied"] == 1 and len(executions()) == 1
    assert calls.calls["DescribeProcessingJob"] == 2


def test_given_a_clean_monitoring_run_between_violations_then_the_streak_resets(gated: Stack) -> None:
    monitoring_run_shim("Completed: Job completed successfully with no violations.")
    gated.invoke(FN, kpi_breach(1), env=ENFORCE)
    gated.invoke(FN, load_event(RUN), env=ENFORCE)
    assert executions() == []


def test_given_dry_run_then_the_confirmed_breach_is_would_apply_and_no_write_reaches_sagemaker(gated: Stack) -> None:
    calls = record_calls("sagemaker")
    gated.invoke(FN, kpi_breach(1), env={"ECOGUARD_MODE": "dry-run"})
    [result] = gated.invoke(FN, kpi_breach(2), env={"ECOGUARD_MODE": "dry-run"})
    assert result["would-apply"] == 1 and executions() == []
    assert set(calls.calls) == {"DescribePipeline", "ListTags", "ListPipelineExecutions"}


def test_given_a_malformed_alarm_then_the_error_names_the_field_and_nothing_is_recorded(gated: Stack) -> None:
    event = kpi_breach(1)
    event["detail"]["state"]["timestamp"] = "yesterday"
    [result] = gated.invoke(FN, event, env=ENFORCE)
    assert_rejected(result, re.escape("detail.state.timestamp"))
    assert records(gated) == []


def stop_pipeline_execution_shim(arn: str) -> None:
    respond("StopPipelineExecution", {"PipelineExecutionArn": arn})


def still_running_shim(record: Any, execution_id: str) -> str:
    """The execution ecoguard started is still Executing (moto finishes it at once), and stopping it succeeds."""
    arn = f"arn:aws:sagemaker:{REGION}:123456789012:pipeline/{PIPELINE}/execution/{execution_id}"
    respond(
        "ListPipelineExecutions",
        {
            "PipelineExecutionSummaries": [
                {
                    "PipelineExecutionArn": arn,
                    "PipelineExecutionStatus": "Executing",
                    "PipelineExecutionDisplayName": record.after["execution"],
                }
            ]
        },
    )
    stop_pipeline_execution_shim(arn)
    return arn


def started_record(stack: Stack) -> Any:
    stack.invoke(FN, kpi_breach(1), env=ENFORCE)
    stack.invoke(FN, kpi_breach(2), env=ENFORCE)
    [applied] = [r for r in records(stack) if r.outcome is Outcome.APPLIED]
    return applied


def test_given_a_started_execution_that_already_finished_then_restore_changes_nothing_and_says_why(
    gated: Stack,
) -> None:
    record = started_record(gated)
    calls = record_calls("sagemaker")
    result = restore(
        record,
        unit=unit_for(record, client),
        audit=gated.audit,
        mode=Mode.ENFORCE,
        clock=utc_now,
        checks=account_checks(client),
    )
    assert result.outcome is Outcome.SKIPPED and "status: 'Executing' -> 'Succeeded'" in result.message
    assert "StopPipelineExecution" not in calls.calls


def test_given_a_started_execution_still_running_then_restore_stops_it(gated: Stack) -> None:
    record = started_record(gated)
    arn = still_running_shim(record, "abc")
    calls = record_calls("sagemaker")
    result = restore(
        record,
        unit=unit_for(record, client),
        audit=gated.audit,
        mode=Mode.ENFORCE,
        clock=utc_now,
        checks=account_checks(client),
    )
    assert result.outcome is Outcome.RESTORED
    [stop] = [p for op, p in calls.params if op == "StopPipelineExecution"]
    assert stop["PipelineExecutionArn"] == arn and stop["ClientRequestToken"].endswith("-stop")


def test_given_another_invocation_changes_the_state_first_then_the_gate_rereads_and_still_starts_once(
    gated: Stack,
) -> None:
    gated.invoke(FN, kpi_breach(1), env=ENFORCE)
    raced: list[int] = []

    def first_state_write(payload: dict[str, Any]) -> bool:
        is_state = payload.get("Item", {}).get("kind", {}).get("S") == "state"
        if is_state and not raced:
            raced.append(1)
            return True
        return False

    injected = fail_calls("dynamodb", "PutItem", "ConditionalCheckFailedException", when=first_state_write)
    calls = record_calls("dynamodb", "sagemaker")
    [result] = gated.invoke(FN, kpi_breach(2), env=ENFORCE)
    assert injected["PutItem"] == 1 and result["applied"] == 1 and len(executions()) == 1
    assert calls.calls["GetItem"] == 2, "the state is read again after the conflict"
    assert calls.calls["StartPipelineExecution"] == 1


def test_given_a_failed_monitoring_run_then_it_is_ignored_without_calling_sagemaker(gated: Stack) -> None:
    event = load_event(RUN)
    event["detail"]["ProcessingJobStatus"] = "Failed"
    calls = record_calls("sagemaker")
    [result] = gated.invoke(FN, event, env=ENFORCE)
    assert result["evaluated"] == 0 and not calls.calls


def test_given_a_started_execution_still_running_when_restored_through_the_function_then_it_is_stopped(
    gated: Stack,
) -> None:
    record = started_record(gated)
    still_running_shim(record, "def")
    [done] = gated.invoke("RestoreFunction", {"action_id": record.action_id, "apply": True})
    assert done["outcome"] == "restored"


def stored_state(stack: Stack) -> dict[str, Any]:
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=stack.resolver.refs["AuditTable"],
        Key={"pk": {"S": "state#retraining-gate"}, "sk": {"S": "enforce/churn"}},
    )["Item"]
    return dict(json.loads(item["value"]["S"]))


def test_given_the_start_is_throttled_then_the_invocation_fails_and_lambdas_retry_resumes_it_once(
    gated: Stack,
) -> None:
    gated.invoke(FN, kpi_breach(1), env=ENFORCE)
    throttled: list[int] = []

    def once(_: dict[str, Any]) -> bool:
        throttled.append(1)
        return len(throttled) == 1

    fail_calls("sagemaker", "StartPipelineExecution", "ThrottlingException", when=once)
    with pytest.raises(Throttled, match="StartPipelineExecution"):
        gated.invoke(FN, kpi_breach(2), env=ENFORCE)
    assert executions() == [] and stored_state(gated)["pending"] is not None, "the start stays claimed"
    calls = record_calls("sagemaker")
    [result] = gated.invoke(FN, kpi_breach(2), env=ENFORCE)  # the same event, as Lambda retries it
    assert result["applied"] == 1 and len(executions()) == 1
    assert "ListPipelineExecutions" not in calls.calls, "a resumed start is not refused as in flight"
    [applied] = [r for r in records(gated) if r.outcome is Outcome.APPLIED]
    assert applied.after["execution"] == executions()[0]["PipelineExecutionDisplayName"]
    state = stored_state(gated)
    assert state["pending"] is None and state["last_start"] is not None


def test_given_starts_left_pending_by_an_ended_invocation_then_the_next_judged_event_settles_them(
    gated: Stack,
) -> None:
    """A Lambda timeout between StartPipelineExecution and its outcome record leaves the record pending; the
    gate has no sweep, so its next judged event reads the pipeline's executions and settles it (settle.py)."""
    gated.invoke(FN, kpi_breach(1), env=ENFORCE)
    gated.invoke(FN, kpi_breach(2), env=ENFORCE)
    [applied] = [r for r in records(gated) if r.outcome is Outcome.APPLIED]
    ended = utc_now() - timedelta(minutes=20)
    started = replace(applied, outcome=Outcome.PENDING, trigger_id="ended-1", recorded_at=ended, reason="lost")
    never = replace(started, trigger_id="ended-2", after={**applied.after, "execution": "ecoguard-never-started"})
    gated.audit.begin_many([started, never])
    calls = record_calls("dynamodb")
    gated.invoke(FN, as_cloudwatch_reported(load_event(DRIFT)), env=ENFORCE)
    assert calls.calls["Query"] == 1, "one look for pending records"
    settled = {r.trigger_id: r for r in records(gated)}
    assert settled["ended-1"].outcome is Outcome.APPLIED, "its execution exists: the start took effect"
    assert settled["ended-2"].outcome is Outcome.FAILED and "not made" in (settled["ended-2"].error or "")


def test_given_dry_run_then_the_gate_looks_for_no_pending_records(gated: Stack) -> None:
    calls = record_calls("dynamodb")
    gated.invoke(FN, as_cloudwatch_reported(load_event(DRIFT)), env={"ECOGUARD_MODE": "dry-run"})
    assert "Query" not in calls.calls
