"""Inference components as SageMaker answers for them (moto has none): ListInferenceComponents' summaries and
DescribeInferenceComponent's output, with every member botocore's SageMaker model requires
(InferenceComponentSummary; DescribeInferenceComponentOutput), so that tests/response_shapes.py accepts them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tools.simulator.identity import ACCOUNT, REGION

CREATED = datetime(2026, 1, 5, tzinfo=UTC)


def _arns(name: str, endpoint: str) -> dict[str, str]:
    head = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"
    return {
        "InferenceComponentName": name,
        "InferenceComponentArn": f"{head}:inference-component/{name}",
        "EndpointName": endpoint,
        "EndpointArn": f"{head}:endpoint/{endpoint}",
    }


def component_summary(name: str, endpoint: str, variant: str = "AllTraffic") -> dict[str, Any]:
    return {
        **_arns(name, endpoint),
        "VariantName": variant,
        "CreationTime": CREATED,
        "LastModifiedTime": CREATED,
        "InferenceComponentStatus": "InService",
    }


def described_component(name: str, endpoint: str, copies: int = 1) -> dict[str, Any]:
    return {
        **_arns(name, endpoint),
        "VariantName": "AllTraffic",
        "CreationTime": CREATED,
        "LastModifiedTime": CREATED,
        "InferenceComponentStatus": "InService",
        "RuntimeConfig": {"DesiredCopyCount": copies, "CurrentCopyCount": copies},
    }
