"""Application Auto Scaling targets of SageMaker endpoint variants and inference components."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final, Literal

from botocore.exceptions import ClientError

from ecoguard.errors import translate
from ecoguard.guardrails.idle_endpoint import ScalingTarget

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient

type Dimension = Literal["sagemaker:variant:DesiredInstanceCount", "sagemaker:inference-component:DesiredCopyCount"]
SERVICE: Final = "application-autoscaling"
NAMESPACE: Final = "sagemaker"
VARIANT_DIMENSION: Final = "sagemaker:variant:DesiredInstanceCount"
COMPONENT_DIMENSION: Final = "sagemaker:inference-component:DesiredCopyCount"
# DescribeScalableTargets: at most 50 ResourceIds a call, 50 results a page.
MAX_RESOURCE_IDS = 50


def variant_resource_id(endpoint: str, variant: str) -> str:
    return f"endpoint/{endpoint}/variant/{variant}"


def component_resource_id(component: str) -> str:
    return f"inference-component/{component}"


class AutoScalingAdapter:
    def __init__(self, autoscaling: ApplicationAutoScalingClient) -> None:
        self._aas = autoscaling

    def targets(self, endpoint: str, variants: Iterable[str]) -> tuple[ScalingTarget, ...]:
        """The targets of the endpoint's variants (``ScalingTarget.variant`` is the variant)."""
        return self._describe({variant_resource_id(endpoint, v): v for v in variants}, VARIANT_DIMENSION)

    def component_targets(self, components: Iterable[str]) -> tuple[ScalingTarget, ...]:
        """The targets of inference components (``ScalingTarget.variant`` is the component)."""
        return self._describe({component_resource_id(c): c for c in components}, COMPONENT_DIMENSION)

    def _describe(self, ids: dict[str, str], dimension: Dimension) -> tuple[ScalingTarget, ...]:
        found: list[ScalingTarget] = []
        keys = list(ids)
        for start in range(0, len(keys), MAX_RESOURCE_IDS):
            token: str | None = None
            while True:
                kwargs: dict[str, Any] = {
                    "ServiceNamespace": NAMESPACE,
                    "ResourceIds": keys[start : start + MAX_RESOURCE_IDS],
                    "ScalableDimension": dimension,
                    "MaxResults": MAX_RESOURCE_IDS,
                }
                if token:
                    kwargs["NextToken"] = token
                try:
                    response = self._aas.describe_scalable_targets(**kwargs)
                except ClientError as exc:
                    raise translate(exc, SERVICE) from exc
                for raw in response.get("ScalableTargets", []):
                    found.append(ScalingTarget(ids[raw["ResourceId"]], raw["MinCapacity"], raw["MaxCapacity"]))
                token = response.get("NextToken") or None
                if token is None:
                    break
        return tuple(found)

    def register(self, endpoint: str, variant: str, minimum: int, maximum: int) -> None:
        self._register(variant_resource_id(endpoint, variant), VARIANT_DIMENSION, minimum, maximum)

    def register_component(self, component: str, minimum: int, maximum: int) -> None:
        self._register(component_resource_id(component), COMPONENT_DIMENSION, minimum, maximum)

    def _register(self, resource_id: str, dimension: Dimension, minimum: int, maximum: int) -> None:
        if not 0 <= minimum <= maximum:
            raise ValueError(f"invalid capacity {minimum}..{maximum} for {resource_id}")
        try:
            self._aas.register_scalable_target(
                ServiceNamespace=NAMESPACE,
                ResourceId=resource_id,
                ScalableDimension=dimension,
                MinCapacity=minimum,
                MaxCapacity=maximum,
            )
        except ClientError as exc:
            raise translate(exc, SERVICE) from exc

    def deregister(self, endpoint: str, variant: str) -> None:
        self._deregister(variant_resource_id(endpoint, variant), VARIANT_DIMENSION)

    def deregister_component(self, component: str) -> None:
        self._deregister(component_resource_id(component), COMPONENT_DIMENSION)

    def _deregister(self, resource_id: str, dimension: Dimension) -> None:
        try:
            self._aas.deregister_scalable_target(
                ServiceNamespace=NAMESPACE, ResourceId=resource_id, ScalableDimension=dimension
            )
        except ClientError as exc:
            raise translate(exc, SERVICE) from exc
