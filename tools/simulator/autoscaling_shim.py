"""Named shims for where moto 5.2.5's Application Auto Scaling and SageMaker differ from AWS on an autoscaled
endpoint:

- ``moto_step_policy_lists_no_alarms``: DescribeScalingPolicies lists a step scaling policy's ``Alarms``
  only for the alarms moto itself created (target tracking on DynamoDB and ECS). AWS lists every CloudWatch
  alarm whose actions invoke the policy (Application Auto Scaling API Reference, ``ScalingPolicy.Alarms``).
  The shim adds them from moto's CloudWatch alarms.
- ``moto_delete_endpoint_keeps_scaling``: DeleteEndpoint leaves the endpoint's scalable targets and their
  policies registered. AWS removes them with the endpoint (SageMaker Developer Guide, "Delete an endpoint
  configured for auto scaling"); deregistering a target also deletes its policies (DeregisterScalableTarget).
  The shim removes the targets of the endpoint's variants, and their policies.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest.mock import patch

from moto.applicationautoscaling import responses as aas_responses
from moto.applicationautoscaling.models import applicationautoscaling_backends
from moto.cloudwatch.models import cloudwatch_backends
from moto.sagemaker.models import SageMakerModelBackend

_moto_build_alarms = aas_responses._build_alarms
_moto_delete_endpoint = SageMakerModelBackend.delete_endpoint


def _alarms_invoking(policy: Any) -> list[dict[str, str]]:
    listed = _moto_build_alarms(policy)
    names = {a["AlarmName"] for a in listed}
    cloudwatch = cloudwatch_backends[policy.account_id][policy.region_name]
    for alarm in cloudwatch.alarms.values():
        if alarm.name not in names and policy.policy_arn in (alarm.alarm_actions or []):
            listed.append({"AlarmARN": alarm.alarm_arn, "AlarmName": alarm.name})
    return listed


def _delete_endpoint_and_its_scaling(self: SageMakerModelBackend, endpoint_name: str) -> None:
    _moto_delete_endpoint(self, endpoint_name)
    backend = applicationautoscaling_backends[self.account_id][self.region_name]
    prefix = f"endpoint/{endpoint_name}/variant/"
    for targets in backend.targets.values():
        for resource_id in [r for r in targets if r.startswith(prefix)]:
            del targets[resource_id]
    for key in [k for k, p in backend.policies.items() if p.resource_id.startswith(prefix)]:
        del backend.policies[key]


@contextmanager
def autoscaled_endpoint_shims() -> Iterator[None]:
    with ExitStack() as stack:
        stack.enter_context(patch.object(aas_responses, "_build_alarms", _alarms_invoking))
        stack.enter_context(patch.object(SageMakerModelBackend, "delete_endpoint", _delete_endpoint_and_its_scaling))
        yield
