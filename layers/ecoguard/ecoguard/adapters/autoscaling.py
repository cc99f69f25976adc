"""Application Auto Scaling targets of SageMaker endpoint variants and inference components."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Literal

from botocore.exceptions import ClientError

from ecoguard.errors import translate
from ecoguard.guardrails.idle_endpoint import ScalingTarget
from ecoguard.guardrails.scale_from_zero import (
    ScalableTarget,
    Scaling,
    ScalingPolicy,
    component_resource_id,
    variant_resource_id,
)

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_cloudwatch import CloudWatchClient

type Dimension = Literal["sagemaker:variant:DesiredInstanceCount", "sagemaker:inference-component:DesiredCopyCount"]
SERVICE: Final = "application-autoscaling"
NAMESPACE: Final = "sagemaker"
VARIANT_DIMENSION: Final = "sagemaker:variant:DesiredInstanceCount"
COMPONENT_DIMENSION: Final = "sagemaker:inference-component:DesiredCopyCount"
# DescribeScalableTargets: at most 50 ResourceIds a call, 50 results a page; DescribeScalingPolicies: 10 a
# page (its MaxResults maximum is 10); DescribeAlarms: at most 100 AlarmNames a call, 100 a page.
MAX_RESOURCE_IDS = 50
POLICIES_PAGE = 10
MAX_ALARM_NAMES = 100
# What PutScalingPolicy takes back of a described policy, by its type.
CONFIGURATIONS = ("StepScalingPolicyConfiguration", "TargetTrackingScalingPolicyConfiguration")
# What PutScheduledAction takes back of a described one (DescribeScheduledActions: at most 50 a page), and
# PutMetricAlarm of a described metric alarm (DescribeAlarms MetricAlarm; PutMetricAlarm's request).
SCHEDULED_PAGE = 50
SCHEDULED_FIELDS = (
    "ScheduledActionName",
    "ResourceId",
    "ScalableDimension",
    "Schedule",
    "Timezone",
    "StartTime",
    "EndTime",
    "ScalableTargetAction",
)
ALARM_FIELDS = frozenset(
    {
        "AlarmName",
        "AlarmDescription",
        "ActionsEnabled",
        "OKActions",
        "AlarmActions",
        "InsufficientDataActions",
        "MetricName",
        "Namespace",
        "Statistic",
        "ExtendedStatistic",
        "Dimensions",
        "Period",
        "Unit",
        "EvaluationPeriods",
        "DatapointsToAlarm",
        "Threshold",
        "ComparisonOperator",
        "TreatMissingData",
        "EvaluateLowSampleCountPercentile",
        "Metrics",
        "ThresholdMetricId",
    }
)
POLICY_ARN = ":scalingPolicy:"


class AutoScalingAdapter:
    def __init__(self, autoscaling: ApplicationAutoScalingClient, cloudwatch: CloudWatchClient | None = None) -> None:
        """``cloudwatch``: to read which metric a step policy's alarms watch; without it, none is known."""
        self._aas = autoscaling
        self._cw = cloudwatch

    # --- a scalable's whole configuration: targets, policies, their alarms' metrics -----------------

    def scaling(self, resources: Mapping[str, Dimension]) -> Scaling:
        """The targets and policies of the given scalables (resource id -> dimension), every page."""
        targets: list[ScalableTarget] = []
        for dimension in sorted(set(resources.values())):
            ids = sorted(r for r, d in resources.items() if d == dimension)
            for start in range(0, len(ids), MAX_RESOURCE_IDS):
                chunk = ids[start : start + MAX_RESOURCE_IDS]
                for raw in self._pages(
                    "describe_scalable_targets",
                    "ScalableTargets",
                    ResourceIds=chunk,
                    ScalableDimension=dimension,
                    MaxResults=MAX_RESOURCE_IDS,
                ):
                    targets.append(
                        ScalableTarget(
                            raw["ResourceId"],
                            dimension,
                            raw["MinCapacity"],
                            raw["MaxCapacity"],
                            raw.get("SuspendedState"),
                        )
                    )
        described = [
            raw
            for resource, dimension in sorted(resources.items())
            for raw in self._pages(
                "describe_scaling_policies",
                "ScalingPolicies",
                ResourceId=resource,
                ScalableDimension=dimension,
                MaxResults=POLICIES_PAGE,
            )
        ]
        metrics = self._alarm_metrics(sorted({a["AlarmName"] for raw in described for a in raw.get("Alarms", [])}))
        policies = tuple(
            ScalingPolicy(
                raw["ResourceId"],
                raw["ScalableDimension"],
                raw["PolicyName"],
                raw["PolicyType"],
                tuple(m for a in raw.get("Alarms", []) for m in metrics.get(a["AlarmName"], ())),
                next(({key: raw[key]} for key in CONFIGURATIONS if key in raw), {}),
                tuple(a["AlarmName"] for a in raw.get("Alarms", [])),
            )
            for raw in described
        )
        return Scaling(tuple(targets), policies)

    def restorable(self, resources: Mapping[str, Dimension]) -> Scaling:
        """``scaling``, with what a re-created endpoint needs put back that the deletion removes: the
        scalables' scheduled actions (deregistering a target deletes them, DeregisterScalableTarget) and the
        definitions of the alarms invoking its step policies (deleting a policy removes the alarm's action
        and keeps the alarm, DeleteScalingPolicy)."""
        found = self.scaling(resources)
        scheduled = tuple(
            {key: raw[key] for key in SCHEDULED_FIELDS if key in raw}
            for resource, dimension in sorted(resources.items())
            for raw in self._pages(
                "describe_scheduled_actions",
                "ScheduledActions",
                ResourceId=resource,
                ScalableDimension=dimension,
                MaxResults=SCHEDULED_PAGE,
            )
        )
        names = sorted({name for policy in found.policies for name in policy.alarm_names})
        return replace(found, scheduled=tuple(_jsonable(a) for a in scheduled), alarms=self._alarm_definitions(names))

    def _alarm_definitions(self, names: list[str]) -> tuple[dict[str, Any], ...]:
        if not names:
            return ()
        if self._cw is None:
            raise ValueError("the alarms of a step scaling policy cannot be read without a CloudWatch client")
        return tuple({k: v for k, v in a.items() if k in ALARM_FIELDS} for a in self._metric_alarms(names))

    def _pages(self, operation: str, items: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            request = {"ServiceNamespace": NAMESPACE, **kwargs} | ({"NextToken": token} if token else {})
            try:
                response = getattr(self._aas, operation)(**request)
            except ClientError as exc:
                raise translate(exc, SERVICE) from exc
            yield from response.get(items, [])
            token = response.get("NextToken") or None
            if token is None:
                return

    def _alarm_metrics(self, names: list[str]) -> dict[str, tuple[str, ...]]:
        """Alarm name -> the metric it watches (a metric-math alarm: each metric it reads)."""
        if self._cw is None or not names:
            return {}
        found: dict[str, tuple[str, ...]] = {}
        for alarm in self._metric_alarms(names):
            named = [alarm["MetricName"]] if alarm.get("MetricName") else []
            named += [q["MetricStat"]["Metric"]["MetricName"] for q in alarm.get("Metrics", []) if q.get("MetricStat")]
            found[alarm["AlarmName"]] = tuple(named)
        return found

    def _metric_alarms(self, names: list[str]) -> Iterator[Mapping[str, Any]]:
        """DescribeAlarms of these alarm names: at most MAX_ALARM_NAMES a request, every page of each."""
        assert self._cw is not None
        for start in range(0, len(names), MAX_ALARM_NAMES):
            kwargs: dict[str, Any] = {"AlarmNames": names[start : start + MAX_ALARM_NAMES], "MaxRecords": 100}
            while True:
                try:
                    response = self._cw.describe_alarms(**kwargs)
                except ClientError as exc:
                    raise translate(exc, "cloudwatch") from exc
                yield from response.get("MetricAlarms", [])
                if not response.get("NextToken"):
                    break
                kwargs["NextToken"] = response["NextToken"]

    def put_back(self, scaling: Scaling) -> None:
        """A re-created endpoint's autoscaling as recorded, in the order each step needs the one before: each
        target registered (with its suspended state), each policy put, each alarm that invoked a step policy
        put again with the new policy's ARN (PutMetricAlarm replaces the alarm whole), each scheduled action
        put. Every call creates or updates, so a retry after a partial put-back is safe."""
        for target in scaling.targets:
            self._register(
                target.resource_id,
                target.dimension,  # type: ignore[arg-type]
                target.min_capacity,
                target.max_capacity,
                target.suspended,
            )
        arns: dict[tuple[str, str], str] = {}
        for policy in scaling.policies:
            try:
                response = self._aas.put_scaling_policy(
                    PolicyName=policy.name,
                    ServiceNamespace=NAMESPACE,
                    ResourceId=policy.resource_id,
                    ScalableDimension=policy.dimension,  # type: ignore[arg-type]
                    PolicyType=policy.policy_type,  # type: ignore[arg-type]
                    **policy.configuration,
                )
            except ClientError as exc:
                raise translate(exc, SERVICE) from exc
            arns[(policy.resource_id, policy.name)] = response["PolicyARN"]
        for alarm in scaling.alarms:
            self._put_alarm(alarm, arns)
        for action in scaling.scheduled:
            try:
                self._aas.put_scheduled_action(ServiceNamespace=NAMESPACE, **action)
            except ClientError as exc:
                raise translate(exc, SERVICE) from exc

    def _put_alarm(self, alarm: Mapping[str, Any], arns: Mapping[tuple[str, str], str]) -> None:
        """PutMetricAlarm with the recorded definition, each action that invoked a policy put back pointing to
        that policy's new ARN (a policy's ARN changes when it is created again)."""
        if self._cw is None:
            raise ValueError("an alarm cannot be put back without a CloudWatch client")
        definition = dict(alarm)
        for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
            if key in definition:
                definition[key] = [_new_arn(action, arns) for action in definition[key]]
        try:
            self._cw.put_metric_alarm(**definition)
        except ClientError as exc:
            raise translate(exc, "cloudwatch") from exc

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

    def _register(
        self,
        resource_id: str,
        dimension: Dimension,
        minimum: int,
        maximum: int,
        suspended: Mapping[str, bool] | None = None,
    ) -> None:
        if not 0 <= minimum <= maximum:
            raise ValueError(f"invalid capacity {minimum}..{maximum} for {resource_id}")
        request: dict[str, Any] = {
            "ServiceNamespace": NAMESPACE,
            "ResourceId": resource_id,
            "ScalableDimension": dimension,
            "MinCapacity": minimum,
            "MaxCapacity": maximum,
        }
        if suspended:
            request["SuspendedState"] = dict(suspended)
        try:
            self._aas.register_scalable_target(**request)
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


def _new_arn(action: str, arns: Mapping[tuple[str, str], str]) -> str:
    """An alarm action naming a re-created policy (``...:scalingPolicy:<id>:resource/sagemaker/<resource id>:
    policyName/<name>``) -> the policy's new ARN; any other action as it was."""
    if POLICY_ARN not in action:
        return action
    for (resource_id, name), arn in arns.items():
        if action.endswith(f":resource/{NAMESPACE}/{resource_id}:policyName/{name}"):
            return arn
    return action


def _jsonable(action: Mapping[str, Any]) -> dict[str, Any]:
    """A scheduled action as an audit record holds it (its times as ISO 8601, which botocore takes back)."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in action.items()}
