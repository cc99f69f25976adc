"""IdleEndpointFunction in the simulated account: the seeded endpoints, a sweep, and the idle marks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from ecoguard.decisions import Mode
from ecoguard.state import StateStore
from tests.conftest import REGION, Stack, load_event
from tools.simulator.seed_inference import EndpointSeed

FN = "IdleEndpointFunction"
SWEEP = "idle_endpoint/scheduled-sweep.json"

SEEDS = [
    # Traffic on the second variant only: a query by EndpointName alone would see none.
    EndpointSeed("busy-two-variants", timedelta(days=3), ("blue", "green"), {"green": 40}),
    EndpointSeed("idle-realtime", timedelta(days=3), tags={"team": "growth"}),
    EndpointSeed("new-realtime", timedelta(hours=2)),
    EndpointSeed("idle-serverless", timedelta(days=3), serverless=True),
    EndpointSeed("idle-exempt", timedelta(days=3), tags={"ecoguard:exempt": "true"}),
    EndpointSeed("idle-async", timedelta(days=3), asynchronous=True),
]


def sweep(stack: Stack, mode: Mode, event_id: str) -> dict[str, Any]:
    [result] = stack.invoke(FN, load_event(SWEEP) | {"id": event_id}, env={"ECOGUARD_MODE": mode.value})
    assert result["finished"] is True
    return result


def marks(stack: Stack, mode: Mode = Mode.ENFORCE) -> StateStore:
    """The idle marks of ``mode``: each mode keeps its own."""
    table = stack.resolver.refs["AuditTable"]
    return StateStore(boto3.client("dynamodb", region_name=REGION), table, "idle-endpoint", mode)


def arn(name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:123456789012:endpoint/{name}"


def travel_past_grace(stack: Stack, name: str, hours: int = 7, mode: Mode = Mode.ENFORCE) -> None:
    """Simulator shim: moto has no clock to advance, so the stored mark (``mode``'s) is moved back instead."""
    store = marks(stack, mode)
    item = store.get(arn(name))
    assert item.version, f"{name} is not marked"
    since = (datetime.now(UTC) - timedelta(hours=hours)).isoformat()
    store.put(arn(name), {**item.value, "since": since}, expected_version=item.version, expires_at=2_000_000_000)


def scaling_of(endpoint: str) -> tuple[list[tuple[str, str, int, int]], list[tuple[str, str, str, str]]]:
    """The endpoint's scalable targets and scaling policies as Application Auto Scaling lists them now."""
    aas = boto3.client("application-autoscaling", region_name=REGION)
    prefix = f"endpoint/{endpoint}/"
    targets = [
        (t["ResourceId"], t["ScalableDimension"], t["MinCapacity"], t["MaxCapacity"])
        for t in aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
        if t["ResourceId"].startswith(prefix)
    ]
    policies = [
        (
            p["ResourceId"],
            p["PolicyName"],
            p["PolicyType"],
            json.dumps(
                p.get("StepScalingPolicyConfiguration") or p.get("TargetTrackingScalingPolicyConfiguration"),
                sort_keys=True,
            ),
        )
        for p in aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]
        if p["ResourceId"].startswith(prefix)
    ]
    return sorted(targets), sorted(policies)
