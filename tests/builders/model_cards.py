"""Model cards in the simulated account: a training job, a card that cites it, and the card as stored."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3

from tests.conftest import REGION

if TYPE_CHECKING:
    from mypy_boto3_sagemaker.literals import TrainingInstanceTypeType

ROLE = "arn:aws:iam::123456789012:role/training"


def training_job(name: str, instance_type: TrainingInstanceTypeType = "ml.g5.xlarge", count: int = 2) -> str:
    sm = boto3.client("sagemaker", region_name=REGION)
    sm.create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": instance_type, "InstanceCount": count, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )
    return str(sm.describe_training_job(TrainingJobName=name)["TrainingJobArn"])


def model_card(name: str, training_arn: str) -> None:
    content = {
        "model_overview": {"model_id": "churn", "model_description": "owner text"},
        "training_details": {"training_job_details": {"training_arn": training_arn}},
        "additional_information": {"caveats_and_recommendations": "owner caveat", "custom_details": {"team": "growth"}},
    }
    boto3.client("sagemaker", region_name=REGION).create_model_card(
        ModelCardName=name, Content=json.dumps(content), ModelCardStatus="Draft"
    )


def card(name: str) -> dict[str, Any]:
    raw = boto3.client("sagemaker", region_name=REGION).describe_model_card(ModelCardName=name)
    return {"version": raw["ModelCardVersion"], "content": json.loads(raw["Content"])}
