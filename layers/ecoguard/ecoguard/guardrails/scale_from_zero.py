"""Can a scalable come back from zero? Pure: a typed snapshot of Application Auto Scaling targets and policies
in, the missing policy named (or None) out.

A minimum capacity of 0 saves nothing unless a scaling policy brings the capacity back when requests arrive,
and a policy that cannot scale out from zero leaves requests unanswered:

- an asynchronous endpoint's variant (``endpoint/<name>/variant/<variant>``) scales out from zero only through
  a step scaling policy whose CloudWatch alarm watches ``HasBacklogWithoutCapacity``; with target tracking
  alone it waits until the backlog exceeds the target value (SageMaker Developer Guide, "Autoscale an
  asynchronous endpoint");
- an inference component (``inference-component/<name>``) scales out from zero copies through a step scaling
  policy whose alarm watches ``NoCapacityInvocationFailures`` (SageMaker Developer Guide, "Scale an endpoint
  to zero instances").

And a minimum of 0 saves something only where something scales in to it:

- an asynchronous variant scales in (to zero, with a minimum of 0) through its target-tracking policy on
  ``ApproximateBacklogSizePerInstance``; the step policy on ``HasBacklogWithoutCapacity`` only scales out
  from zero (Developer Guide, "Autoscale an asynchronous endpoint": the target-tracking policy is defined on
  that metric, and scaling in is its job) (``missing_scale_in_policy``);
- an endpoint's instances go when its inference components have no copies only if the endpoint configuration's
  ``ManagedInstanceScaling.MinInstanceCount`` is 0 (Developer Guide, "Scale an endpoint to zero instances";
  ProductionVariantManagedInstanceScaling, SageMaker API reference).

The idle-endpoint guardrail asks it before it gives a scalable a minimum of 0; ``ecoguard doctor`` asks it of
every asynchronous endpoint and inference component.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

ASYNC_METRIC: Final = "HasBacklogWithoutCapacity"
COMPONENT_METRIC: Final = "NoCapacityInvocationFailures"
STEP_SCALING: Final = "StepScaling"
TARGET_TRACKING: Final = "TargetTrackingScaling"
ASYNC_SCALE_IN_METRIC: Final = "ApproximateBacklogSizePerInstance"

type Scalable = Literal["async-variant", "inference-component"]

METRIC_OF: Final[dict[Scalable, str]] = {"async-variant": ASYNC_METRIC, "inference-component": COMPONENT_METRIC}


@dataclass(frozen=True)
class ScalableTarget:
    """A registered scalable target (DescribeScalableTargets)."""

    resource_id: str
    dimension: str
    min_capacity: int
    max_capacity: int
    # Whether its scaling in, out and scheduled scaling are suspended (``SuspendedState``); None: not read.
    suspended: Mapping[str, bool] | None = None


@dataclass(frozen=True)
class ScalingPolicy:
    """A scaling policy (DescribeScalingPolicies) and the metric each of its alarms watches (DescribeAlarms;
    a step policy names only its alarms). ``configuration``: its ``StepScalingPolicyConfiguration`` or
    ``TargetTrackingScalingPolicyConfiguration``, as PutScalingPolicy takes it back."""

    resource_id: str
    dimension: str
    name: str
    policy_type: str
    alarm_metrics: tuple[str, ...] = ()
    configuration: Mapping[str, Any] = field(default_factory=dict)
    alarm_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scaling:
    """The targets and policies of some scalables; read right before an endpoint's deletion (which removes
    them all), also their scheduled actions (as PutScheduledAction takes them) and the CloudWatch alarms that
    invoke their step policies (as PutMetricAlarm takes them: the deletion keeps an alarm, not its action)."""

    targets: tuple[ScalableTarget, ...] = ()
    policies: tuple[ScalingPolicy, ...] = ()
    scheduled: tuple[Mapping[str, Any], ...] = ()
    alarms: tuple[Mapping[str, Any], ...] = ()


def variant_resource_id(endpoint: str, variant: str) -> str:
    return f"endpoint/{endpoint}/variant/{variant}"


def component_resource_id(component: str) -> str:
    return f"inference-component/{component}"


def as_record(scaling: Scaling) -> dict[str, Any]:
    """The targets and policies as an audit record holds them (``from_record`` reads them back)."""
    recorded: dict[str, Any] = {
        "ScalableTargets": [
            {
                "ResourceId": t.resource_id,
                "ScalableDimension": t.dimension,
                "MinCapacity": t.min_capacity,
                "MaxCapacity": t.max_capacity,
                **({"SuspendedState": dict(t.suspended)} if t.suspended else {}),
            }
            for t in scaling.targets
        ],
        "ScalingPolicies": [
            {
                "ResourceId": p.resource_id,
                "ScalableDimension": p.dimension,
                "PolicyName": p.name,
                "PolicyType": p.policy_type,
                "AlarmMetrics": list(p.alarm_metrics),
                **({"AlarmNames": list(p.alarm_names)} if p.alarm_names else {}),
                **p.configuration,
            }
            for p in scaling.policies
        ],
    }
    if scaling.scheduled:
        recorded["ScheduledActions"] = [dict(a) for a in scaling.scheduled]
    if scaling.alarms:
        recorded["Alarms"] = [dict(a) for a in scaling.alarms]
    return recorded


def from_record(record: Mapping[str, Any]) -> Scaling:
    targets = tuple(
        ScalableTarget(
            t["ResourceId"],
            t["ScalableDimension"],
            int(t["MinCapacity"]),
            int(t["MaxCapacity"]),
            t.get("SuspendedState"),
        )
        for t in record.get("ScalableTargets", [])
    )
    policies = tuple(
        ScalingPolicy(
            p["ResourceId"],
            p["ScalableDimension"],
            p["PolicyName"],
            p["PolicyType"],
            tuple(p.get("AlarmMetrics", [])),
            {k: v for k, v in p.items() if k.endswith("PolicyConfiguration")},
            tuple(p.get("AlarmNames", [])),
        )
        for p in record.get("ScalingPolicies", [])
    )
    return Scaling(targets, policies, tuple(record.get("ScheduledActions", [])), tuple(record.get("Alarms", [])))


def missing_scale_from_zero_policy(scaling: Scaling, resource_id: str, kind: Scalable) -> str | None:
    """None if ``resource_id`` has a policy that scales it out from zero; else the policy it lacks, named."""
    metric = METRIC_OF[kind]
    for policy in scaling.policies:
        if policy.resource_id == resource_id and policy.policy_type == STEP_SCALING and metric in policy.alarm_metrics:
            return None
    return f"{resource_id}: no step scaling policy on a CloudWatch alarm of {metric} (it could not scale out from zero)"


def _tracked_metrics(configuration: Mapping[str, Any]) -> set[str]:
    """The metric names a TargetTrackingScalingPolicyConfiguration tracks: its CustomizedMetricSpecification's
    MetricName, or the MetricStat metrics of its metric math (Application Auto Scaling API reference)."""
    spec = (configuration.get("TargetTrackingScalingPolicyConfiguration") or {}).get(
        "CustomizedMetricSpecification"
    ) or {}
    names = {spec["MetricName"]} if spec.get("MetricName") else set()
    for metric in spec.get("Metrics") or []:
        name = ((metric.get("MetricStat") or {}).get("Metric") or {}).get("MetricName")
        if name:
            names.add(name)
    return names


def missing_scale_in_policy(scaling: Scaling, resource_id: str) -> str | None:
    """None if the asynchronous variant ``resource_id`` has a target-tracking policy on
    ``ApproximateBacklogSizePerInstance`` (what scales it in to zero); else what it lacks, named."""
    for policy in scaling.policies:
        if (
            policy.resource_id == resource_id
            and policy.policy_type == TARGET_TRACKING
            and ASYNC_SCALE_IN_METRIC in _tracked_metrics(policy.configuration)
        ):
            return None
    return (
        f"{resource_id}: no target-tracking policy on {ASYNC_SCALE_IN_METRIC} (nothing would scale it in to "
        "zero: a minimum of 0 would save nothing)"
    )
