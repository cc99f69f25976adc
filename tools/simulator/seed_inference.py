"""Seed SageMaker endpoints and notebook instances, with their traffic and activity metrics.

moto creates every endpoint and notebook instance "now" and has no clock to advance, so
``backdate`` (a named simulator shim) moves a resource's CreationTime/LastModifiedTime into the
past through moto's backend, as if it had been InService for that long.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto.sagemaker.models import sagemaker_backends

from ecoguard.adapters.autoscaling import VARIANT_DIMENSION
from ecoguard.guardrails.idle_notebook import ACTIVITY_DIMENSION, ACTIVITY_METRIC, ACTIVITY_NAMESPACE
from ecoguard.guardrails.scale_from_zero import ASYNC_METRIC, ASYNC_SCALE_IN_METRIC
from tools.simulator.identity import ACCOUNT, REGION, STACK

ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecution"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:latest"


@dataclass(frozen=True)
class EndpointSeed:
    name: str
    age: timedelta
    variants: Sequence[str] = ("AllTraffic",)
    invocations: Mapping[str, float] = field(default_factory=dict)  # variant -> invocations in the last hour
    tags: Mapping[str, str] = field(default_factory=dict)
    serverless: bool = False
    asynchronous: bool = False


def sagemaker() -> Any:
    return boto3.client("sagemaker", region_name=REGION)


def create_model(name: str) -> None:
    sagemaker().create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})


def backdate(kind: str, name: str, age: timedelta) -> None:
    """Simulator shim: make the resource look InService for ``age`` (moto stamps "now")."""
    backend = sagemaker_backends[ACCOUNT][REGION]
    store = backend.endpoints if kind == "endpoint" else backend.notebook_instances
    resource = store[name]
    # moto keeps naive UTC datetimes.
    resource.creation_time = resource.last_modified_time = datetime.now(UTC).replace(tzinfo=None) - age


def create_endpoint(seed: EndpointSeed, *, model: str | None = None) -> None:
    sm = sagemaker()
    if model is None:  # otherwise a model the caller already created, shared by many endpoints
        model = f"{seed.name}-model"
        create_model(model)
    variants: list[Any] = []
    for variant in seed.variants:
        spec: dict[str, Any] = {"VariantName": variant, "ModelName": model}
        if seed.serverless:
            spec["ServerlessConfig"] = {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
        else:
            spec.update(InstanceType="ml.g4dn.xlarge", InitialInstanceCount=1, InitialVariantWeight=1.0)
        variants.append(spec)
    config: dict[str, Any] = {"EndpointConfigName": f"{seed.name}-config", "ProductionVariants": variants}
    if seed.asynchronous:
        config["AsyncInferenceConfig"] = {"OutputConfig": {"S3OutputPath": f"s3://{seed.name}-async/out/"}}
    sm.create_endpoint_config(**config)
    tags = [{"Key": k, "Value": v} for k, v in seed.tags.items()]
    sm.create_endpoint(EndpointName=seed.name, EndpointConfigName=f"{seed.name}-config", Tags=tags)
    backdate("endpoint", seed.name, seed.age)
    put_invocations(seed.name, seed.invocations)


def put_invocations(endpoint: str, per_variant: Mapping[str, float], at: datetime | None = None) -> None:
    when = at or datetime.now(UTC) - timedelta(hours=1)
    data: list[Any] = [
        {
            "MetricName": "Invocations",
            "Dimensions": [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": variant}],
            "Timestamp": when,
            "Value": count,
            "Unit": "None",
        }
        for variant, count in per_variant.items()
    ]
    if data:
        boto3.client("cloudwatch", region_name=REGION).put_metric_data(Namespace="AWS/SageMaker", MetricData=data)


def endpoint_names() -> set[str]:
    return {e["EndpointName"] for e in sagemaker().list_endpoints(MaxResults=100)["Endpoints"]}


def create_notebook(
    name: str,
    *,
    age: timedelta,
    lifecycle_config: str | None,
    activity: Sequence[float] = (),
    tags: Mapping[str, str] | None = None,
) -> None:
    """A notebook instance InService for ``age``; ``activity`` are its 5-minute reports, newest last."""
    sm = sagemaker()
    kwargs: dict[str, Any] = {"NotebookInstanceName": name, "InstanceType": "ml.t3.medium", "RoleArn": ROLE}
    if lifecycle_config:
        kwargs["LifecycleConfigName"] = lifecycle_config
    if tags:
        kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    sm.create_notebook_instance(**kwargs)
    sagemaker_backends[ACCOUNT][REGION].notebook_instances[name].start()
    backdate("notebook", name, age)
    put_activity(name, activity)


def put_activity(name: str, reports: Sequence[float]) -> None:
    now = datetime.now(UTC)
    data: list[Any] = [
        {
            "MetricName": ACTIVITY_METRIC,
            "Dimensions": [{"Name": ACTIVITY_DIMENSION, "Value": name}],
            "Timestamp": now - timedelta(minutes=5 * (len(reports) - i)) + timedelta(seconds=30),
            "Value": value,
            "Unit": "Count",
        }
        for i, value in enumerate(reports)
    ]
    cw = boto3.client("cloudwatch", region_name=REGION)
    for start in range(0, len(data), 500):
        cw.put_metric_data(Namespace=ACTIVITY_NAMESPACE, MetricData=data[start : start + 500])


def notebook_status(name: str) -> str:
    return str(sagemaker().describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"])


def create_activity_lifecycle_config(name: str) -> None:
    """The stack's NotebookActivityLifecycleConfig (provisioned here, as the stack would)."""
    import base64

    from tools.simulator.template import ROOT

    script = (ROOT / "functions" / "idle_notebook" / "on-start.sh").read_bytes()
    sagemaker().create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=name, OnStart=[{"Content": base64.b64encode(script).decode()}]
    )


# The demo account (``make demo``, ``make invoke``): one endpoint or notebook instance per case.
ENDPOINTS = [
    EndpointSeed("fraud-busy", timedelta(days=5), ("blue", "green"), {"green": 1200}),
    EndpointSeed("churn-idle", timedelta(days=3), tags={"team": "growth"}),
    EndpointSeed("llm-new", timedelta(hours=2)),
    EndpointSeed("ocr-serverless", timedelta(days=9), serverless=True),
    EndpointSeed("batch-async", timedelta(days=4), asynchronous=True),
    EndpointSeed("legal-exempt", timedelta(days=30), tags={"ecoguard:exempt": "true"}),
]
LIFECYCLE = f"{STACK}-activity"  # the stack's NotebookActivityLifecycleConfig
REPORTS_PER_HOUR = 12
NOTEBOOKS: list[tuple[str, str | None, list[float]]] = [
    ("research-busy", LIFECYCLE, [0.0] * 30 + [2.0] * 6),
    ("research-terminal-only", LIFECYCLE, [1.0] * 36),  # a terminal session alone reports 1
    ("research-idle", LIFECYCLE, [0.0] * (24 * REPORTS_PER_HOUR)),
    ("legacy-no-lifecycle", None, []),
]


def seed_endpoints() -> None:
    for seed in ENDPOINTS:
        create_endpoint(seed)
        if seed.asynchronous:
            # As the Developer Guide's "Autoscale an asynchronous endpoint" sets it up: without a step policy
            # on HasBacklogWithoutCapacity, ecoguard would only report the endpoint, not scale it to zero.
            autoscale(seed.name, minimum=1, maximum=2, from_zero_alarm=ASYNC_METRIC)


def seed_notebooks() -> None:
    create_activity_lifecycle_config(LIFECYCLE)
    for name, config, activity in NOTEBOOKS:
        create_notebook(name, age=timedelta(days=1), lifecycle_config=config, activity=activity)


def autoscale(
    endpoint: str,
    variant: str = "AllTraffic",
    *,
    minimum: int = 1,
    maximum: int = 4,
    from_zero_alarm: str | None = None,
) -> None:
    """Register the variant as a scalable target with a target-tracking policy; with ``from_zero_alarm`` (a
    metric name), also a step scaling policy and a CloudWatch alarm on that metric that invokes it, as the
    Developer Guide's "Autoscale an asynchronous endpoint" sets up scaling out from zero. For an asynchronous
    endpoint (``HasBacklogWithoutCapacity``) the target-tracking policy is the guide's, on
    ``ApproximateBacklogSizePerInstance``: it is what scales the variant in."""
    aas = boto3.client("application-autoscaling", region_name=REGION)
    resource = f"endpoint/{endpoint}/variant/{variant}"
    aas.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=resource,
        ScalableDimension=VARIANT_DIMENSION,
        MinCapacity=minimum,
        MaxCapacity=maximum,
    )
    aas.put_scaling_policy(
        ServiceNamespace="sagemaker",
        ResourceId=resource,
        ScalableDimension=VARIANT_DIMENSION,
        PolicyName=f"{endpoint}-invocations",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration=(
            {
                "TargetValue": 5.0,
                "CustomizedMetricSpecification": {
                    "MetricName": ASYNC_SCALE_IN_METRIC,
                    "Namespace": "AWS/SageMaker",
                    "Dimensions": [{"Name": "EndpointName", "Value": endpoint}],
                    "Statistic": "Average",
                },
            }
            if from_zero_alarm == ASYNC_METRIC
            else {
                "TargetValue": 70.0,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
            }
        ),
    )
    if from_zero_alarm is None:
        return
    step = aas.put_scaling_policy(
        ServiceNamespace="sagemaker",
        ResourceId=resource,
        ScalableDimension=VARIANT_DIMENSION,
        PolicyName=f"{endpoint}-from-zero",
        PolicyType="StepScaling",
        StepScalingPolicyConfiguration={
            "AdjustmentType": "ChangeInCapacity",
            "MetricAggregationType": "Average",
            "Cooldown": 300,
            "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}],
        },
    )
    boto3.client("cloudwatch", region_name=REGION).put_metric_alarm(
        AlarmName=f"{endpoint}-{from_zero_alarm}",
        Namespace="AWS/SageMaker",
        MetricName=from_zero_alarm,
        Dimensions=[{"Name": "EndpointName", "Value": endpoint}],
        Statistic="Average",
        Period=60,
        EvaluationPeriods=2,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="missing",
        AlarmActions=[step["PolicyARN"]],
    )
