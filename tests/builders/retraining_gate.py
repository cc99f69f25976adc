"""RetrainingGateFunction in the simulated account: the policy naming a gated model, its pipeline, and a
KPI alarm's transitions into ALARM."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3

from tests.conftest import REGION, load_event
from tools.simulator.alarms import as_cloudwatch_reported

KPI = "retraining_gate/model-quality-kpi-alarm.json"
PIPELINE = "churn-retrain"
POLICY = {
    "retraining_gate": {
        "models": [
            {
                "name": "churn",
                "endpoint": "churn-prod",
                "monitoring_schedule": "churn-model-quality",
                "kpis": [{"metric": "f1", "threshold": 0.8, "breach_when": "below"}],
                "pipeline": {"name": PIPELINE, "parameters": {"TrainingInstanceType": "ml.m5.xlarge"}},
            }
        ]
    }
}


def sagemaker() -> Any:
    return boto3.client("sagemaker", region_name=REGION)


def create_pipeline(tags: dict[str, str] | None = None) -> None:
    sagemaker().create_pipeline(
        PipelineName=PIPELINE,
        PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": []}),
        RoleArn="arn:aws:iam::123456789012:role/SageMakerPipelines",
        Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    )


def executions() -> list[dict[str, Any]]:
    return list(sagemaker().list_pipeline_executions(PipelineName=PIPELINE)["PipelineExecutionSummaries"])


def kpi_breach(n: int, event_id: str | None = None) -> dict[str, Any]:
    """The KPI alarm's n-th transition into ALARM (a distinct state timestamp each)."""
    event = copy.deepcopy(load_event(KPI))
    event["id"] = event_id or f"7f1c2a9e-0000-0000-0000-{n:012d}"
    event["detail"]["state"]["timestamp"] = f"2026-11-{n:02d}T17:04:40.989+0000"
    return as_cloudwatch_reported(event)  # in the account: the gate confirms it with CloudWatch
