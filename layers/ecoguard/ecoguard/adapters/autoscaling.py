"""Application Auto Scaling targets of SageMaker endpoint variants."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from botocore.exceptions import ClientError

from ecoguard.errors import translate
from ecoguard.guardrails.idle_endpoint import ScalingTarget

NAMESPACE = "sagemaker"
VARIANT_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
# DescribeScalableTargets: at most 50 ResourceIds a call, 50 results a page.
MAX_RESOURCE_IDS = 50


def variant_resource_id(endpoint: str, variant: str) -> str:
    return f"endpoint/{endpoint}/variant/{variant}"


class AutoScalingAdapter:
    def __init__(self, autoscaling: Any) -> None:
        self._aas = autoscaling

    def targets(self, endpoint: str, variants: Iterable[str]) -> tuple[ScalingTarget, ...]:
        ids = {variant_resource_id(endpoint, v): v for v in variants}
        found: list[ScalingTarget] = []
        keys = list(ids)
        for start in range(0, len(keys), MAX_RESOURCE_IDS):
            token: str | None = None
            while True:
                kwargs: dict[str, Any] = {
                    "ServiceNamespace": NAMESPACE,
                    "ResourceIds": keys[start : start + MAX_RESOURCE_IDS],
                    "ScalableDimension": VARIANT_DIMENSION,
                    "MaxResults": MAX_RESOURCE_IDS,
                }
                if token:
                    kwargs["NextToken"] = token
                try:
                    response = self._aas.describe_scalable_targets(**kwargs)
                except ClientError as exc:
                    raise translate(exc) from exc
                for raw in response.get("ScalableTargets", []):
                    found.append(ScalingTarget(ids[raw["ResourceId"]], raw["MinCapacity"], raw["MaxCapacity"]))
                token = response.get("NextToken") or None
                if token is None:
                    break
        return tuple(found)

    def register(self, endpoint: str, variant: str, minimum: int, maximum: int) -> None:
        if not 0 <= minimum <= maximum:
            raise ValueError(f"invalid capacity {minimum}..{maximum} for {endpoint}/{variant}")
        try:
            self._aas.register_scalable_target(
                ServiceNamespace=NAMESPACE,
                ResourceId=variant_resource_id(endpoint, variant),
                ScalableDimension=VARIANT_DIMENSION,
                MinCapacity=minimum,
                MaxCapacity=maximum,
            )
        except ClientError as exc:
            raise translate(exc) from exc

    def deregister(self, endpoint: str, variant: str) -> None:
        try:
            self._aas.deregister_scalable_target(
                ServiceNamespace=NAMESPACE,
                ResourceId=variant_resource_id(endpoint, variant),
                ScalableDimension=VARIANT_DIMENSION,
            )
        except ClientError as exc:
            raise translate(exc) from exc
