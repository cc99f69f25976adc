"""Named shims for where moto 5.2.5's Application Auto Scaling and SageMaker differ from AWS on an autoscaled
endpoint:

- ``moto_step_policy_lists_no_alarms``: DescribeScalingPolicies lists a step scaling policy's ``Alarms``
  only for the alarms moto itself created (target tracking on DynamoDB and ECS). AWS lists every CloudWatch
  alarm whose actions invoke the policy (Application Auto Scaling API Reference, ``ScalingPolicy.Alarms``).
  The shim adds them from moto's CloudWatch alarms.
- ``moto_delete_endpoint_keeps_scaling``: DeleteEndpoint leaves the endpoint's scalable targets and their
  policies registered. AWS removes them with the endpoint (SageMaker Developer Guide, "Delete an endpoint
  configured for auto scaling"); deregistering a target also deletes its policies (DeregisterScalableTarget).
  The shim removes the targets of the endpoint's variants, their policies and their scheduled actions
  (DeregisterScalableTarget deletes both), and the deleted policies' ARNs from the alarms that invoked them:
  AWS keeps such an alarm and removes its action (Application Auto Scaling API Reference,
  DeleteScalingPolicy).
- ``moto_endpoints_in_service_at_once``: CreateEndpoint answers an endpoint already ``InService``. AWS's starts
  ``Creating`` and becomes ``InService`` minutes later (SageMaker API Reference, DescribeEndpoint
  ``EndpointStatus``). ``endpoints_creating`` holds every endpoint created inside it at ``Creating`` until
  ``in_service(name)``.
- ``moto_registers_scaling_on_any_endpoint``: RegisterScalableTarget accepts a variant of any endpoint, in any
  state. AWS documents registering an endpoint's scaling once it is ``InService`` (SageMaker Developer Guide,
  "Update endpoints that use auto scaling"); inside ``endpoints_creating`` the shim refuses it before then with
  ``ValidationException``, an error RegisterScalableTarget models (botocore's model; the message is the
  shim's own).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest.mock import patch

from moto.applicationautoscaling import responses as aas_responses
from moto.applicationautoscaling.exceptions import AWSValidationException
from moto.applicationautoscaling.models import ApplicationAutoscalingBackend, applicationautoscaling_backends
from moto.cloudwatch.models import cloudwatch_backends
from moto.sagemaker.models import SageMakerModelBackend, sagemaker_backends

_moto_build_alarms = aas_responses._build_alarms
_moto_delete_endpoint = SageMakerModelBackend.delete_endpoint
_moto_create_endpoint = SageMakerModelBackend.create_endpoint
_moto_register = ApplicationAutoscalingBackend.register_scalable_target
CREATING = "Creating"


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
    deleted = [k for k, p in backend.policies.items() if p.resource_id.startswith(prefix)]
    arns = [backend.policies[k].policy_arn for k in deleted]
    for key in deleted:
        del backend.policies[key]
    backend.scheduled_actions = [a for a in backend.scheduled_actions if not a.resource_id.startswith(prefix)]
    for alarm in cloudwatch_backends[self.account_id][self.region_name].alarms.values():
        alarm.alarm_actions = [a for a in alarm.alarm_actions or [] if not any(a.startswith(arn) for arn in arns)]


@contextmanager
def autoscaled_endpoint_shims() -> Iterator[None]:
    with ExitStack() as stack:
        stack.enter_context(patch.object(aas_responses, "_build_alarms", _alarms_invoking))
        stack.enter_context(patch.object(SageMakerModelBackend, "delete_endpoint", _delete_endpoint_and_its_scaling))
        yield


class EndpointsCreating:
    """Endpoints created while installed stay ``Creating`` until ``in_service``; their variants cannot be
    registered as scalable targets before."""

    def __init__(self) -> None:
        self.held: set[str] = set()
        self.refused: list[str] = []  # each RegisterScalableTarget refused, by resource id

    def in_service(self, name: str) -> None:
        self._settle(name, "InService")

    def failed(self, name: str, reason: str) -> None:
        """The endpoint's creation failed (DescribeEndpoint: ``Failed``, with its ``FailureReason``)."""
        self._settle(name, "Failed", reason)

    def _settle(self, name: str, status: str, reason: str | None = None) -> None:
        self.held.discard(name)
        for backend in _sagemaker_backends():
            if name in backend.endpoints:
                backend.endpoints[name].endpoint_status = status
                backend.endpoints[name].failure_reason = reason  # type: ignore[assignment]  # moto types it None

    def create(self, backend: SageMakerModelBackend, *args: Any, **kwargs: Any) -> Any:
        endpoint = _moto_create_endpoint(backend, *args, **kwargs)
        endpoint.endpoint_status = CREATING
        self.held.add(endpoint.endpoint_name)
        return endpoint

    def register(
        self, backend: ApplicationAutoscalingBackend, namespace: str, r_id: str, *args: Any, **kwargs: Any
    ) -> Any:
        parts = r_id.split("/")
        if namespace == "sagemaker" and len(parts) == 4 and parts[0] == "endpoint" and parts[1] in self.held:
            self.refused.append(r_id)
            raise AWSValidationException(f"Endpoint {parts[1]} is in status {CREATING}; it must be InService")
        return _moto_register(backend, namespace, r_id, *args, **kwargs)


def _sagemaker_backends() -> Iterator[SageMakerModelBackend]:
    for regions in sagemaker_backends.values():
        yield from regions.values()


@contextmanager
def endpoints_creating() -> Iterator[EndpointsCreating]:
    """``moto_endpoints_in_service_at_once`` and ``moto_registers_scaling_on_any_endpoint``, together."""
    creating = EndpointsCreating()

    def create(backend: SageMakerModelBackend, *args: Any, **kwargs: Any) -> Any:
        return creating.create(backend, *args, **kwargs)

    def register(backend: ApplicationAutoscalingBackend, namespace: str, r_id: str, *args: Any, **kwargs: Any) -> Any:
        return creating.register(backend, namespace, r_id, *args, **kwargs)

    with ExitStack() as stack:
        stack.enter_context(patch.object(SageMakerModelBackend, "create_endpoint", create))
        stack.enter_context(patch.object(ApplicationAutoscalingBackend, "register_scalable_target", register))
        yield creating
