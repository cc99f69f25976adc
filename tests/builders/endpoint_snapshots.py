"""Idle-endpoint snapshots for the pure decisions (no AWS): an ``Endpoint`` as the sweep would describe it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from ecoguard.guardrails.idle_endpoint import Component, Endpoint, ScalingTarget, Variant
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
) -> Endpoint:
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
    )
