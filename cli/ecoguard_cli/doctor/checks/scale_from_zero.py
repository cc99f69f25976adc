"""Asynchronous endpoints and inference components without a policy that scales them out from zero: the
idle-endpoint guardrail does not scale those to zero (``ecoguard.guardrails.scale_from_zero``), and only
reports them. Reads: ListEndpoints, DescribeEndpoint, DescribeEndpointConfig, ListInferenceComponents,
DescribeScalableTargets, DescribeScalingPolicies and DescribeAlarms."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from ecoguard.adapters.autoscaling import COMPONENT_DIMENSION, VARIANT_DIMENSION, AutoScalingAdapter, Dimension
from ecoguard.adapters.sagemaker import SageMakerAdapter, unless_gone
from ecoguard.guardrails.scale_from_zero import (
    Scalable,
    component_resource_id,
    missing_scale_from_zero_policy,
    variant_resource_id,
)
from ecoguard_cli.doctor.model import Row, check
from ecoguard_cli.doctor.verdicts import scale_from_zero_row

if TYPE_CHECKING:
    from ecoguard_cli.doctor.deployment import Deployment


def scalables(deployment: Deployment) -> dict[str, tuple[Dimension, Scalable]]:
    """Resource id -> (dimension, kind) of every async endpoint variant and inference component."""
    sagemaker = SageMakerAdapter(deployment.sagemaker)
    found: dict[str, tuple[Dimension, Scalable]] = {}
    token: str | None = None
    while True:
        page = sagemaker.endpoint_page(token)
        for ref in page.items:
            described = unless_gone(partial(deployment.sagemaker.describe_endpoint, EndpointName=ref.name))
            config = sagemaker.endpoint_config(described["EndpointConfigName"]) if described else None
            if config and config.get("AsyncInferenceConfig"):
                for variant in config.get("ProductionVariants", []):
                    found[variant_resource_id(ref.name, variant["VariantName"])] = (VARIANT_DIMENSION, "async-variant")
            for component in sagemaker.inference_components(ref.name) if described else ():
                found[component_resource_id(component.name)] = (COMPONENT_DIMENSION, "inference-component")
        if page.next_token is None:
            return found
        token = page.next_token


@check("scale from zero", order=70)
def scale_from_zero(deployment: Deployment) -> list[Row]:
    found = scalables(deployment)
    scaling = AutoScalingAdapter(deployment.autoscaling, deployment.cloudwatch).scaling(
        {resource: dimension for resource, (dimension, _) in found.items()}
    )
    missing = [
        gap
        for resource, (_, kind) in sorted(found.items())
        if (gap := missing_scale_from_zero_policy(scaling, resource, kind)) is not None
    ]
    return [scale_from_zero_row(len(found), missing)]
