"""ServingAdvisorFunction end to end, on the simulated account: every seeded endpoint gets exactly the
recommendation it was built for, with evidence and a monthly estimate; the one that fits none gets none;
nothing in the account is written; every query is per variant, in its metric's namespace (moto ignores
the namespace when dimensions are given: tests/README.md), and the calls stay within ceil(queries / 500)."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from ecoguard.guardrails.serving_advisor import GUARDRAIL, INFERENTIA, SMALLER, window
from ecoguard.guardrails.training_guard import GUARDRAIL as TRAINING
from ecoguard.guardrails.training_rightsizing import RIGHTSIZE
from ecoguard.invocation import invoke_own_function
from tests.conftest import REGION, Stack, lambda_async_invoke_shim, load_event, record_calls
from tools.simulator.monitoring_shim import seed_monitoring_schedule
from tools.simulator.seed_serving import PYTORCH, ROLE, SEEDS, seed_serving, seed_underused_training_job

FN = "ServingAdvisorFunction"
NAMESPACES = {
    "Invocations": "AWS/SageMaker",
    "ModelLatency": "AWS/SageMaker",
    "CPUUtilization": "/aws/sagemaker/Endpoints",
    "MemoryUtilization": "/aws/sagemaker/Endpoints",
    "GPUUtilization": "/aws/sagemaker/Endpoints",
    "GPUMemoryUtilization": "/aws/sagemaker/Endpoints",
}


def sweep(stack: Stack, run: str, mode: str = "dry-run") -> None:
    event = load_event("serving_advisor/scheduled-sweep.json")
    event["id"], event["region"] = run, REGION
    stack.invoke(FN, event, env={"ECOGUARD_MODE": mode})


def recommendations(stack: Stack) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for record in stack.audit.records(GUARDRAIL):
        found[record.resource.name].append(record.action.removeprefix("finding:"))
    return dict(found)


def test_given_seeded_endpoints_then_each_gets_exactly_its_recommendation_with_evidence(stack: Stack) -> None:
    seed_serving()
    calls = record_calls("sagemaker", "cloudwatch")
    sweep(stack, "weekly-1")
    found = recommendations(stack)
    assert found == {s.name: [s.expected] for s in SEEDS if s.expected is not None}
    for record in stack.audit.records(GUARDRAIL):
        assert record.outcome.value == "finding"
        assert record.before["figures"]["window_days"] == 14
        assert record.before["confidence"] == "high"
        assert record.impact is not None and record.impact["period"] == "per month"
        assert record.impact["current"]["usd"] > 0
    group = next(r for r in stack.audit.records(GUARDRAIL) if r.resource.name == "advise-consolidate-a")
    assert group.before["group"] == ["advise-consolidate-a", "advise-consolidate-b"]
    writes = {op for op in calls.calls if not op.startswith(("Describe", "List", "Get"))}
    assert writes == set()
    queries = [p for op, params in calls.params if op == "GetMetricData" for p in params["MetricDataQueries"]]
    for query in queries:
        metric = query["MetricStat"]["Metric"]
        assert [d["Name"] for d in metric["Dimensions"]] == ["EndpointName", "VariantName"]
        assert metric["Namespace"] == NAMESPACES[metric["MetricName"]]
    assert calls.calls["GetMetricData"] == math.ceil(len(queries) / 500)


def test_given_model_monitor_on_the_serverless_candidate_then_no_serverless_advice_and_the_schedule_named(
    stack: Stack,
) -> None:
    # Model Monitor is among Serverless Inference's feature exclusions (Developer Guide, "Deploy models with
    # Amazon SageMaker Serverless Inference"); a Stopped schedule monitors nothing (MonitoringScheduleStatus).
    seed_serving()
    seed_monitoring_schedule("advise-serverless-quality", "advise-serverless")
    seed_monitoring_schedule("advise-serverless-old", "advise-serverless", status="Stopped")
    calls = record_calls("sagemaker")
    sweep(stack, "weekly-monitor")
    found = recommendations(stack)
    assert found["advise-serverless"] == [SMALLER]  # the next rule that fires, its evidence naming why not serverless
    assert calls.calls["ListMonitoringSchedules"] == 1
    records = [r for r in stack.audit.records(GUARDRAIL) if r.resource.name == "advise-serverless"]
    (record,) = records
    assert record.before["excluded"] == {
        "serverless:model-monitor": (
            "Model Monitor schedule advise-serverless-quality monitors it; serverless endpoints do not support "
            "Model Monitor"
        )
    }


def test_a_week_later_open_recommendations_are_not_recorded_again(stack: Stack) -> None:
    seed_serving()
    sweep(stack, "weekly-1")
    before = sum(len(v) for v in recommendations(stack).values())
    sweep(stack, "weekly-2")
    assert sum(len(v) for v in recommendations(stack).values()) == before


def test_in_enforce_mode_the_advisor_still_only_advises(stack: Stack) -> None:
    seed_serving()
    calls = record_calls("sagemaker", "cloudwatch")
    sweep(stack, "weekly-1", mode="enforce")
    assert {op for op in calls.calls if not op.startswith(("Describe", "List", "Get"))} == set()
    assert set(recommendations(stack)) == {s.name for s in SEEDS if s.expected is not None}


def test_given_a_completed_underused_training_job_then_it_gets_its_rightsizing_finding(stack: Stack) -> None:
    job = seed_underused_training_job()
    event = load_event("training_guard/training-job-state-change.json")
    event["id"], event["region"] = "evt-completed-underused", REGION
    event["detail"].update(TrainingJobName=job, TrainingJobStatus="Completed", SecondaryStatus="Completed")
    calls = record_calls("cloudwatch")
    stack.invoke("TrainingGuardFunction", event, env={"ECOGUARD_MODE": "dry-run"})
    (record,) = list(stack.audit.records(TRAINING))
    assert record.action == f"finding:{RIGHTSIZE}"
    assert record.before["recommended"] == "2 x ml.g4dn.xlarge"
    figures = record.before["figures"]
    assert (figures["gpu_percent"], figures["gpu_memory_percent"], figures["cpu_percent"]) == (12.0, 18.0, 10.0)
    assert figures["hours"] == 3.0
    assert record.impact is not None and record.impact["usd"] == pytest.approx(0.7364 * 2 * 3.0)
    assert calls.calls["GetMetricData"] == 1  # 4 hosts x 4 metrics in one call
    sent = [q["MetricStat"]["Metric"] for _, p in calls.params for q in p["MetricDataQueries"]]
    assert {m["Namespace"] for m in sent} == {"/aws/sagemaker/TrainingJobs"}


def test_given_a_signal_that_goes_away_then_the_next_week_closes_its_finding_and_clears_its_state(stack: Stack) -> None:
    seed_serving()
    sweep(stack, "weekly-1")
    # advise-smaller's CPU now peaks at 95 % of each of its 8 vCPUs: the next size down no longer holds it.
    start, _ = window(datetime.now(UTC), 14)
    boto3.client("cloudwatch", region_name=REGION).put_metric_data(
        Namespace="/aws/sagemaker/Endpoints",
        MetricData=[
            {
                "MetricName": "CPUUtilization",
                "Dimensions": [
                    {"Name": "EndpointName", "Value": "advise-smaller"},
                    {"Name": "VariantName", "Value": "AllTraffic"},
                ],
                "Value": 760.0,
                "Timestamp": start + timedelta(hours=4 * block + 1),
            }
            for block in range(84)
        ],
    )
    calls = record_calls("dynamodb")
    sweep(stack, "weekly-2")
    assert recommendations(stack)["advise-smaller"] == [SMALLER, f"{SMALLER}-closed"]
    assert calls.calls["DeleteItem"] == 1  # the endpoint's open state, now empty


def test_given_a_sweep_out_of_time_in_lambda_then_it_invokes_itself_to_carry_on(stack: Stack) -> None:
    seed_serving()
    invoked = lambda_async_invoke_shim()
    event = load_event("serving_advisor/scheduled-sweep.json")
    [result] = stack.invoke(
        FN, event, env={"ECOGUARD_MODE": "dry-run"}, hand_off=invoke_own_function, remaining_ms=lambda: 10_000
    )
    assert result["finished"] is False
    [request] = invoked
    assert request["url_path"].endswith(f"/functions/{stack.resolver.refs[FN]}/invocations")
    assert json.loads(request["body"])["ecoguard-continuation"]["run_id"] == event["id"]


def test_given_a_busy_asynchronous_gpu_endpoint_then_its_processed_count_is_its_traffic_and_inferentia_is_advised(
    stack: Stack,
) -> None:
    # An asynchronous endpoint publishes no Invocations; InvocationsProcessed (AWS/SageMaker, EndpointName and
    # VariantName, Sum) counts the requests it processed (Developer Guide, "Alarms and logs for tracking metrics
    # from asynchronous endpoints"). Seeded as SageMaker publishes it: no Invocations at all.
    name = "advise-async-gpu"
    sm = boto3.client("sagemaker", region_name=REGION)
    sm.create_model(ModelName=f"{name}-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": PYTORCH})
    sm.create_endpoint_config(
        EndpointConfigName=f"{name}-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": f"{name}-model",
                "InstanceType": "ml.g4dn.xlarge",
                "InitialInstanceCount": 1,
            }
        ],
        AsyncInferenceConfig={"OutputConfig": {"S3OutputPath": "s3://ml-async-output/"}},
    )
    sm.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config")
    start, end = window(datetime.now(UTC), 14)
    dims = [{"Name": "EndpointName", "Value": name}, {"Name": "VariantName", "Value": "AllTraffic"}]
    hours = [start + timedelta(hours=h) for h in range(int((end - start).total_seconds() // 3600))]
    blocks = hours[::4]
    data = {
        "AWS/SageMaker": [("InvocationsProcessed", 1000.0, h + timedelta(minutes=30)) for h in hours]
        + [("ModelLatency", 40_000.0, b + timedelta(hours=2)) for b in blocks],
        "/aws/sagemaker/Endpoints": [
            (metric, value, b + timedelta(hours=2))
            for b in blocks
            for metric, value in (
                ("CPUUtilization", 300.0),
                ("MemoryUtilization", 50.0),
                ("GPUUtilization", 85.0),
                ("GPUMemoryUtilization", 70.0),
            )
        ],
    }
    cw = boto3.client("cloudwatch", region_name=REGION)
    for namespace, points in data.items():
        metric_data = [{"MetricName": m, "Dimensions": dims, "Value": v, "Timestamp": t} for m, v, t in points]
        for i in range(0, len(metric_data), 1000):
            cw.put_metric_data(Namespace=namespace, MetricData=metric_data[i : i + 1000])  # type: ignore[arg-type]
    calls = record_calls("cloudwatch")

    sweep(stack, "weekly-async")

    assert recommendations(stack).get(name) == [INFERENTIA]
    asked = {
        q["MetricStat"]["Metric"]["MetricName"]
        for op, params in calls.params
        if op == "GetMetricData"
        for q in params["MetricDataQueries"]
        if {"Name": "EndpointName", "Value": name} in q["MetricStat"]["Metric"]["Dimensions"]
    }
    assert "InvocationsProcessed" in asked and "Invocations" not in asked
