"""Seed endpoints whose own metrics fit each of the serving advisor's rules, and one that fits none.

Each seed is a model (its container image), an endpoint configuration and an InService endpoint, with
14 days of CloudWatch data (``put_metric_data``) per variant, as SageMaker publishes it: ``Invocations``
(Sum per hour, only the hours with traffic) and ``ModelLatency`` (microseconds) in ``AWS/SageMaker``;
``CPUUtilization``, ``MemoryUtilization``, ``GPUUtilization`` and ``GPUMemoryUtilization`` (up to 100 x the
vCPUs or GPUs) in ``/aws/sagemaker/Endpoints``, one datum per 4-hour block (the advisor's period).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from ecoguard.guardrails.serving_advisor import (
    ASYNC,
    BATCH,
    CONSOLIDATION,
    INFERENTIA,
    SERVERLESS,
    SMALLER,
    window,
)
from tools.simulator.identity import ACCOUNT, REGION

ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecution"
ECR = "763104351884.dkr.ecr.us-east-1.amazonaws.com"
SKLEARN = f"{ECR}/sagemaker-scikit-learn:1.2-1-cpu-py3"
PYTORCH = f"{ECR}/pytorch-inference:2.3-gpu-py311"


def steady(per_hour: float) -> Callable[[datetime], float]:
    return lambda _t: per_hour


def at_hours(hours: tuple[int, ...], per_hour: float) -> Callable[[datetime], float]:
    return lambda t: per_hour if t.hour in hours else 0.0


def bursty(t: datetime) -> float:
    if t.hour % 3:
        return 0.0
    return 400.0 if t.hour == 12 and t.day % 3 == 0 else 10.0


@dataclass(frozen=True)
class ServingSeed:
    name: str
    instance_type: str
    image: str
    traffic: Callable[[datetime], float]  # invocations in the hour starting at t
    latency_ms: float
    cpu: float  # raw, as CloudWatch reports it
    memory: float
    gpu: float | None = None
    gpu_memory: float | None = None
    expected: str | None = None  # the recommendation it is built for; None: it fits no rule


SEEDS = (
    ServingSeed("advise-smaller", "ml.m5.2xlarge", SKLEARN, steady(100), 20, cpu=100, memory=10, expected=SMALLER),
    ServingSeed(
        "advise-serverless", "ml.m5.xlarge", f"{ECR}/sagemaker-xgboost:1.7-1", at_hours(tuple(range(8, 20)), 100),
        20, cpu=60, memory=10, expected=SERVERLESS,
    ),
    ServingSeed(
        "advise-async", "ml.m5.xlarge", f"{ECR}/huggingface-summarizer:1", bursty, 45_000, cpu=100, memory=30,
        expected=ASYNC,
    ),
    ServingSeed(
        "advise-batch", "ml.m5.xlarge", f"{ECR}/sagemaker-forecast:1", at_hours((2, 3), 500), 200, cpu=300,
        memory=40, expected=BATCH,
    ),
    ServingSeed(
        "advise-inferentia", "ml.g4dn.xlarge", PYTORCH, steady(1000), 40, cpu=300, memory=50, gpu=85,
        gpu_memory=70, expected=INFERENTIA,
    ),
    ServingSeed(
        "advise-consolidate-a", "ml.m5.large", SKLEARN, steady(10), 15, cpu=20, memory=30, expected=CONSOLIDATION
    ),
    ServingSeed(
        "advise-consolidate-b", "ml.m5.large", SKLEARN, steady(12), 15, cpu=24, memory=30, expected=CONSOLIDATION
    ),
    ServingSeed("advise-none", "ml.m5.xlarge", f"{ECR}/busy-ranker:3", steady(3000), 30, cpu=320, memory=70),
)  # fmt: skip


def _hours(start: datetime, end: datetime, step: int = 1) -> Iterator[datetime]:
    t = start
    while t < end:
        yield t
        t += timedelta(hours=step)


def _datums(seed: ServingSeed, now: datetime) -> Iterator[tuple[str, str, float, datetime]]:
    start, end = window(now, 14)
    for hour in _hours(start, end):
        count = seed.traffic(hour)
        if count > 0:
            yield "AWS/SageMaker", "Invocations", count, hour + timedelta(minutes=30)
    for block in _hours(start, end, 4):
        at = block + timedelta(hours=2)
        yield "AWS/SageMaker", "ModelLatency", seed.latency_ms * 1000, at  # microseconds
        yield "/aws/sagemaker/Endpoints", "CPUUtilization", seed.cpu, at
        yield "/aws/sagemaker/Endpoints", "MemoryUtilization", seed.memory, at
        if seed.gpu is not None:
            yield "/aws/sagemaker/Endpoints", "GPUUtilization", seed.gpu, at
        if seed.gpu_memory is not None:
            yield "/aws/sagemaker/Endpoints", "GPUMemoryUtilization", seed.gpu_memory, at


def seed_serving_metrics(now: datetime | None = None) -> None:
    """Every seed's 14 days of metrics (once: a second put would add to the sums)."""
    cw: Any = boto3.client("cloudwatch", region_name=REGION)
    when = now or datetime.now(UTC)
    for seed in SEEDS:
        dims = [{"Name": "EndpointName", "Value": seed.name}, {"Name": "VariantName", "Value": "AllTraffic"}]
        by_namespace: dict[str, list[dict[str, Any]]] = {}
        for namespace, metric, value, at in _datums(seed, when):
            by_namespace.setdefault(namespace, []).append(
                {"MetricName": metric, "Dimensions": dims, "Value": value, "Timestamp": at}
            )
        for namespace, data in by_namespace.items():
            for i in range(0, len(data), 1000):  # PutMetricData takes at most 1,000 metrics a call
                cw.put_metric_data(Namespace=namespace, MetricData=data[i : i + 1000])


def create_serving_endpoints() -> None:
    """Every seed's model and configuration (once), and its InService endpoint."""
    sm: Any = boto3.client("sagemaker", region_name=REGION)
    configs = {c["EndpointConfigName"] for c in sm.list_endpoint_configs(MaxResults=100)["EndpointConfigs"]}
    for seed in SEEDS:
        if f"{seed.name}-config" not in configs:
            sm.create_model(
                ModelName=f"{seed.name}-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": seed.image}
            )
            sm.create_endpoint_config(
                EndpointConfigName=f"{seed.name}-config",
                ProductionVariants=[
                    {
                        "VariantName": "AllTraffic",
                        "ModelName": f"{seed.name}-model",
                        "InstanceType": seed.instance_type,
                        "InitialInstanceCount": 1,
                    }
                ],
            )
        sm.create_endpoint(EndpointName=seed.name, EndpointConfigName=f"{seed.name}-config")


def delete_serving_endpoints() -> None:
    """Delete the seeded endpoints (the demo's other scenes list every endpoint; configs and models stay)."""
    sm: Any = boto3.client("sagemaker", region_name=REGION)
    for seed in SEEDS:
        sm.delete_endpoint(EndpointName=seed.name)


def seed_serving(now: datetime | None = None) -> list[ServingSeed]:
    """Create every seed's endpoint and its 14 days of metrics."""
    seed_serving_metrics(now)
    create_serving_endpoints()
    return list(SEEDS)


UNDERUSED_JOB = "advise-train-underused"


def training_times_shim(job: str, start: datetime, end: datetime) -> None:
    """moto 5.2.5 gap ``moto_training_times_are_fixed``: DescribeTrainingJob reports 2024-01-01 as both the
    start and the end of every job. Sets ``job``'s TrainingStartTime and TrainingEndTime on ecoguard's own
    SageMaker client, as SageMaker reports them for a completed job."""
    from ecoguard.adapters.clients import client

    def times(parsed: dict[str, Any], **_: Any) -> None:
        if parsed.get("TrainingJobName") == job:
            parsed["TrainingStartTime"], parsed["TrainingEndTime"] = start, end

    client("sagemaker").meta.events.register("after-call.sagemaker.DescribeTrainingJob", times)


def seed_underused_training_job(now: datetime | None = None) -> str:
    """A completed 3-hour job on 4 x ml.g4dn.xlarge whose hosts kept GPU, GPU memory and CPU low."""
    sm: Any = boto3.client("sagemaker", region_name=REGION)
    cw: Any = boto3.client("cloudwatch", region_name=REGION)
    end = (now or datetime.now(UTC)).replace(second=0, microsecond=0) - timedelta(hours=1)
    start = end - timedelta(hours=3)
    sm.create_training_job(  # moto completes it at once
        TrainingJobName=UNDERUSED_JOB,
        AlgorithmSpecification={"TrainingImage": PYTORCH, "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://ml-model-artifacts/underused/"},
        ResourceConfig={"InstanceType": "ml.g4dn.xlarge", "InstanceCount": 4, "VolumeSizeInGB": 50},
        StoppingCondition={"MaxRuntimeInSeconds": 8 * 3600},
    )
    training_times_shim(UNDERUSED_JOB, start, end)
    data = [
        {"MetricName": metric, "Dimensions": [{"Name": "Host", "Value": f"{UNDERUSED_JOB}/algo-{n}"}],
         "Value": value, "Timestamp": start + timedelta(minutes=minute)}
        for n in range(1, 5)
        for metric, value in (("GPUUtilization", 12.0), ("GPUMemoryUtilization", 18.0), ("CPUUtilization", 40.0),
                              ("MemoryUtilization", 25.0))
        for minute in range(5, 180, 30)
    ]  # fmt: skip
    cw.put_metric_data(Namespace="/aws/sagemaker/TrainingJobs", MetricData=data)
    return UNDERUSED_JOB
