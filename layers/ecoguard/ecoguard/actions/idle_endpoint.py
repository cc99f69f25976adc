"""The idle-endpoint guardrail's actions: mark an endpoint idle (and clear the mark), delete an idle
instance-backed endpoint, and scale asynchronous variants or inference components to a minimum of zero.

A deleted endpoint keeps its configuration and model: the undo re-creates it from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ecoguard.actions import ActionUnit, Clients, Registry
from ecoguard.adapters.autoscaling import AutoScalingAdapter
from ecoguard.adapters.sagemaker import SageMakerAdapter
from ecoguard.audit import AuditRecord
from ecoguard.decisions import PlannedAction
from ecoguard.guardrails.idle_endpoint import (
    CLEAR,
    DELETE,
    GUARDRAIL,
    IDLE_SINCE_TAG,
    MARK,
    SCALE_COPIES_TO_ZERO,
    SCALE_TO_ZERO,
    ScalingTarget,
)
from ecoguard.guardrails.scale_from_zero import from_record

READ_ENDPOINT = frozenset({"sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig", "sagemaker:ListTags"})
SCALING = frozenset(
    {"application-autoscaling:RegisterScalableTarget", "application-autoscaling:DeregisterScalableTarget"}
)
READ_SCALING = frozenset({"application-autoscaling:DescribeScalableTargets"})


@dataclass(frozen=True)
class EndpointPorts:
    sagemaker: SageMakerAdapter
    autoscaling: AutoScalingAdapter


class MarkIdle(ActionUnit[EndpointPorts]):
    """Tag the endpoint ``ecoguard:idle-since`` so that its owners see the grace period; undone by untagging."""

    name = MARK
    permissions = frozenset({"sagemaker:AddTags"})
    restore_permissions = READ_ENDPOINT | {"sagemaker:DeleteTags"}

    def apply(self, action: PlannedAction) -> None:
        self.ports.sagemaker.tag(action.resource.arn, IDLE_SINCE_TAG, str(action.after[IDLE_SINCE_TAG]))

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        endpoint = self.ports.sagemaker.endpoint(record.resource.name)
        return None if endpoint is None else {IDLE_SINCE_TAG: endpoint.tags.get(IDLE_SINCE_TAG)}

    def undo(self, record: AuditRecord) -> None:
        self.ports.sagemaker.untag(record.resource.arn, IDLE_SINCE_TAG)


class ClearIdleMark(MarkIdle):
    """Remove the idle tag from an endpoint that is busy again; undone by tagging it as it was."""

    name = CLEAR
    permissions = frozenset({"sagemaker:DeleteTags"})
    restore_permissions = READ_ENDPOINT | {"sagemaker:AddTags"}

    def apply(self, action: PlannedAction) -> None:
        self.ports.sagemaker.untag(action.resource.arn, IDLE_SINCE_TAG)

    def undo(self, record: AuditRecord) -> None:
        self.ports.sagemaker.tag(record.resource.arn, IDLE_SINCE_TAG, str(record.before[IDLE_SINCE_TAG]))


DELETING = "Deleting"


class DeleteEndpoint(ActionUnit[EndpointPorts]):
    """Delete an idle endpoint, keeping its configuration and model; undone by CreateEndpoint from them, then
    its autoscaling targets and policies registered again as recorded (the deletion removes them)."""

    name = DELETE
    unrepeatable = True  # a second DeleteEndpoint: ValidationException "Could not find endpoint"
    # Deleting an endpoint with registered scalable targets also needs DeregisterScalableTarget: SageMaker
    # deregisters them on the caller's behalf (SageMaker Developer Guide, "Delete an endpoint configured
    # for auto scaling").
    permissions = frozenset({"sagemaker:DeleteEndpoint", "application-autoscaling:DeregisterScalableTarget"})
    restore_permissions = READ_ENDPOINT | {
        "sagemaker:CreateEndpoint",
        "sagemaker:AddTags",
        "application-autoscaling:RegisterScalableTarget",
        "application-autoscaling:PutScalingPolicy",
    }
    # Right before it, the endpoint is read again (status, last change, tags, invocations, whether its
    # configuration and models exist, its autoscaling) and it is decided again.
    confirm_first = True

    def apply(self, action: PlannedAction) -> None:
        self.ports.sagemaker.delete_endpoint(action.resource.name)

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        endpoint = self.ports.sagemaker.endpoint(record.resource.name)
        if endpoint is None:
            return {"exists": False}
        return {"exists": True, "EndpointConfigName": endpoint.config_name, "EndpointStatus": endpoint.status}

    def took_effect(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        # "Deleting: DeleteEndpoint is executing" (SageMaker API reference, DescribeEndpoint EndpointStatus):
        # a delete whose answer was lost is on its way, and a second one would fail.
        return self.reached(record, current) or current.get("EndpointStatus") == DELETING

    def undo(self, record: AuditRecord) -> None:
        state = record.before
        self.ports.sagemaker.create_endpoint(state["EndpointName"], state["EndpointConfigName"], state.get("Tags", {}))
        if state.get("Autoscaling"):
            self.ports.autoscaling.put_back(from_record(state["Autoscaling"]))


def capacities(targets: tuple[ScalingTarget, ...], wanted: Mapping[str, Any]) -> dict[str, Any]:
    found = {t.variant: t for t in targets}
    return {v: {"MinCapacity": t.min_capacity, "MaxCapacity": t.max_capacity} for v, t in found.items() if v in wanted}


class ScaleToZero(ActionUnit[EndpointPorts]):
    """Give an asynchronous endpoint's variants an autoscaling minimum of 0; undone by putting each variant's
    target back (or removing it, where there was none)."""

    name = SCALE_TO_ZERO
    permissions = frozenset({"application-autoscaling:RegisterScalableTarget"})
    restore_permissions = READ_ENDPOINT | READ_SCALING | SCALING

    def apply(self, action: PlannedAction) -> None:
        for variant, capacity in action.after.items():
            self.ports.autoscaling.register(
                action.resource.name, variant, capacity["MinCapacity"], capacity["MaxCapacity"]
            )

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        endpoint = self.ports.sagemaker.endpoint(record.resource.name)
        if endpoint is None:
            return None
        return capacities(self.ports.autoscaling.targets(endpoint.name, list(record.after)), record.after)

    def undo(self, record: AuditRecord) -> None:
        name = record.resource.name
        for variant, capacity in record.before.items():
            if capacity["MinCapacity"] is None:
                self.ports.autoscaling.deregister(name, variant)
            else:
                self.ports.autoscaling.register(name, variant, capacity["MinCapacity"], capacity["MaxCapacity"])


class ScaleCopiesToZero(ActionUnit[EndpointPorts]):
    """Give each inference component on the endpoint an autoscaling minimum of 0 copies; undone like
    ``ScaleToZero``, per component."""

    name = SCALE_COPIES_TO_ZERO
    permissions = frozenset({"application-autoscaling:RegisterScalableTarget"})
    restore_permissions = READ_ENDPOINT | READ_SCALING | SCALING

    def apply(self, action: PlannedAction) -> None:
        for component, capacity in action.after.items():
            self.ports.autoscaling.register_component(component, capacity["MinCapacity"], capacity["MaxCapacity"])

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        if self.ports.sagemaker.endpoint(record.resource.name) is None:
            return None
        return capacities(self.ports.autoscaling.component_targets(list(record.after)), record.after)

    def undo(self, record: AuditRecord) -> None:
        for component, capacity in record.before.items():
            if capacity["MinCapacity"] is None:
                self.ports.autoscaling.deregister_component(component)
            else:
                self.ports.autoscaling.register_component(component, capacity["MinCapacity"], capacity["MaxCapacity"])


def connect(clients: Clients) -> EndpointPorts:
    return EndpointPorts(SageMakerAdapter(clients("sagemaker")), AutoScalingAdapter(clients("application-autoscaling")))


REGISTRY = Registry(
    GUARDRAIL,
    "IdleEndpointFunction",
    (MarkIdle, ClearIdleMark, DeleteEndpoint, ScaleToZero, ScaleCopiesToZero),
    connect,
)
