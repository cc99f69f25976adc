"""Bedrock Provisioned Throughputs for the demo and the tests (through ``bedrock_shim``), and their usage in
``AWS/Bedrock`` as Bedrock publishes it: datapoints per request on ``ModelId`` = the provisioned model's ARN."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import boto3

from tools.simulator.bedrock_shim import backdate
from tools.simulator.identity import REGION

MODEL = "amazon.titan-text-express-v1"


@dataclass(frozen=True)
class SeededThroughput:
    name: str
    age_days: float
    commitment: str | None = None
    invocations: int = 0  # requests in the last day, published as Bedrock does
    exempt: bool = False


IDLE = SeededThroughput("support-bot-hourly", age_days=30)
COMMITTED = SeededThroughput("legal-six-months", age_days=30, commitment="SixMonths")
ENDING = SeededThroughput("chat-one-month", age_days=20, commitment="OneMonth")
BUSY = SeededThroughput("search-hourly-busy", age_days=30, invocations=40)
EXEMPT = SeededThroughput("audit-hourly-exempt", age_days=30, exempt=True)
YOUNG = SeededThroughput("new-hourly", age_days=2)
DEMO = (IDLE, COMMITTED)
ALL = (IDLE, COMMITTED, ENDING, BUSY, EXEMPT, YOUNG)


def seed_throughputs(seeded: tuple[SeededThroughput, ...] = ALL) -> dict[str, str]:
    """Each throughput bought (CreateProvisionedModelThroughput) and backdated; name -> ARN."""
    bedrock = boto3.client("bedrock", region_name=REGION)
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    now = datetime.now(UTC)
    arns: dict[str, str] = {}
    for t in seeded:
        tags = [{"key": "team", "value": "assistants"}]
        if t.exempt:
            tags.append({"key": "ecoguard:exempt", "value": "true"})
        kwargs = {"commitmentDuration": t.commitment} if t.commitment else {}
        arn = bedrock.create_provisioned_model_throughput(
            modelUnits=1, provisionedModelName=t.name, modelId=MODEL, tags=tags, **kwargs
        )["provisionedModelArn"]
        backdate(arn, now - timedelta(days=t.age_days))
        arns[t.name] = arn
        if t.invocations:
            publish_usage(cloudwatch, arn, t.invocations, now - timedelta(hours=5))
    return arns


def publish_usage(cloudwatch: object, arn: str, requests: int, at: datetime) -> None:
    """What Bedrock publishes for ``requests`` requests at ``at`` (runtime metrics, AWS/Bedrock)."""
    dimensions = [{"Name": "ModelId", "Value": arn}]
    data = [
        {"MetricName": "Invocations", "Dimensions": dimensions, "Timestamp": at, "Value": float(requests)},
        {"MetricName": "InputTokenCount", "Dimensions": dimensions, "Timestamp": at, "Value": 120.0 * requests},
        {"MetricName": "OutputTokenCount", "Dimensions": dimensions, "Timestamp": at, "Value": 300.0 * requests},
    ]
    cloudwatch.put_metric_data(Namespace="AWS/Bedrock", MetricData=data)  # type: ignore[attr-defined]
