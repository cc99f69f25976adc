"""Attack 4: exemptions not honoured everywhere. An exempt async endpoint is scaled to zero when the tag listing
lags (scale to zero did not read tags again before acting). Scalable targets carry no tags, so no IAM Deny
backs the exempt tag there: the code's check is the only guard.

Control: ``ScaleToZero.confirm_first`` / ``ScaleCopiesToZero.confirm_first`` (``ecoguard/actions/idle_endpoint.py``):
right before the change the endpoint and its tags are read again and it is decided again.
Shims: ``tagging_api_lag`` (the listing sees no tags, as a lagging one can), ``autoscaled_endpoint_shims``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from ecoguard.adapters.clients import client
from ecoguard.decisions import Mode, Outcome
from ecoguard.guardrails.scale_from_zero import ASYNC_METRIC
from tests.builders.idle_endpoint import SEEDS, arn, sweep
from tests.conftest import REGION, Stack, record_calls
from tools.simulator.autoscaling_shim import autoscaled_endpoint_shims
from tools.simulator.seed_inference import autoscale, create_endpoint, sagemaker


@pytest.fixture(autouse=True)
def step_policy_alarms() -> Iterator[None]:
    with autoscaled_endpoint_shims():
        yield


def lagging_tag_listing() -> None:
    """Named shim ``tagging_api_lag``: the tagging API can lag a tag change; this listing sees no tags at all."""

    def stale(**_: Any) -> tuple[Any, dict[str, Any]]:
        return AWSResponse("", 200, HTTPHeaders(), None), {"ResourceTagMappingList": []}

    client("resourcegroupstaggingapi").meta.events.register(
        "before-call.resource-groups-tagging-api.GetResources", stale
    )


def minimum_of(name: str) -> list[int]:
    targets = boto3.client("application-autoscaling", region_name=REGION).describe_scalable_targets(
        ServiceNamespace="sagemaker"
    )["ScalableTargets"]
    return [t["MinCapacity"] for t in targets if f"endpoint/{name}/" in t["ResourceId"]]


def test_given_an_exempt_async_endpoint_and_a_lagging_tag_listing_then_it_is_not_scaled_to_zero(stack: Stack) -> None:
    for seed in SEEDS:
        create_endpoint(seed)
    autoscale("idle-async", minimum=1, maximum=1, from_zero_alarm=ASYNC_METRIC)
    sagemaker().add_tags(ResourceArn=arn("idle-async"), Tags=[{"Key": "ecoguard:exempt", "Value": "true"}])
    lagging_tag_listing()
    calls = record_calls("application-autoscaling")
    sweep(stack, Mode.ENFORCE, "run-1")
    assert minimum_of("idle-async") == [1]
    assert "RegisterScalableTarget" not in calls.calls
    outcomes = {r.outcome for r in stack.records() if r.resource.name == "idle-async"}
    assert Outcome.APPLIED not in outcomes and Outcome.SKIPPED in outcomes
