"""Idle-endpoint snapshots for the pure decisions (no AWS): an ``Endpoint`` as the sweep would describe it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta

from ecoguard.guardrails.idle_endpoint import Component, Endpoint, ScalingTarget, Variant
from ecoguard.guardrails.scale_from_zero import (
    ASYNC_METRIC,
    ASYNC_SCALE_IN_METRIC,
    COMPONENT_METRIC,
    STEP_SCALING,
    TARGET_TRACKING,
    Scaling,
    ScalingPolicy,
    component_resource_id,
    variant_resource_id,
)
from tests.unit.fakes import NOW

ARN = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn"


def endpoint(
    *,
    since: timedelta = timedelta(days=3),
    tags: Mapping[str, str] | None = None,
    variants: tuple[Variant, ...] = (Variant("AllTraffic", instance_count=1),),
    asynchronous: bool = False,
    inference_components: bool = False,
    scaling: tuple[ScalingTarget, ...] = (),
    components: tuple[Component, ...] = (),
    component_scaling: tuple[ScalingTarget, ...] = (),
    scale_from_zero: bool = True,
    instance_floor: int | None = 0,
) -> Endpoint:
    """``scale_from_zero``: an asynchronous endpoint's variants, or its inference components, each have the
    step scaling policy that brings them back from zero, and an asynchronous variant the target-tracking
    policy that scales it in (``ecoguard.guardrails.scale_from_zero``). ``instance_floor``: an endpoint hosting
    inference components has ManagedInstanceScaling enabled with this MinInstanceCount (None: not enabled)."""
    if inference_components:
        variants = tuple(replace(v, min_instances=instance_floor) for v in variants)
    return Endpoint(
        name="churn",
        arn=ARN,
        status="InService",
        config_name="churn-config",
        in_service_since=NOW - since,
        variants=variants,
        tags=tags or {},
        asynchronous=asynchronous,
        inference_components=inference_components,
        scaling=scaling,
        components=components,
        component_scaling=component_scaling,
        autoscaling=from_zero_policies(variants, components, asynchronous) if scale_from_zero else Scaling(),
    )


def from_zero_policies(variants: tuple[Variant, ...], components: tuple[Component, ...], asynchronous: bool) -> Scaling:
    """A step scaling policy on the alarm metric that brings each scalable back from zero."""
    policies = [
        ScalingPolicy(
            component_resource_id(c.name),
            "sagemaker:inference-component:DesiredCopyCount",
            f"{c.name}-from-zero",
            STEP_SCALING,
            (COMPONENT_METRIC,),
        )
        for c in components
    ]
    if asynchronous:
        policies += [
            ScalingPolicy(
                variant_resource_id("churn", v.name),
                "sagemaker:variant:DesiredInstanceCount",
                f"{v.name}-from-zero",
                STEP_SCALING,
                (ASYNC_METRIC,),
            )
            for v in variants
        ]
        # "Autoscale an asynchronous endpoint": target tracking on ApproximateBacklogSizePerInstance scales in.
        policies += [
            ScalingPolicy(
                variant_resource_id("churn", v.name),
                "sagemaker:variant:DesiredInstanceCount",
                f"{v.name}-backlog",
                TARGET_TRACKING,
                (),
                {
                    "TargetTrackingScalingPolicyConfiguration": {
                        "TargetValue": 5.0,
                        "CustomizedMetricSpecification": {
                            "MetricName": ASYNC_SCALE_IN_METRIC,
                            "Namespace": "AWS/SageMaker",
                            "Dimensions": [{"Name": "EndpointName", "Value": "churn"}],
                            "Statistic": "Average",
                        },
                    }
                },
            )
            for v in variants
        ]
    return Scaling((), tuple(policies))
