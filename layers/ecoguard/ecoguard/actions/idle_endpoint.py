"""The idle-endpoint guardrail's actions: mark an endpoint idle (and clear the mark), delete an idle
instance-backed endpoint, and scale asynchronous variants or inference components to a minimum of zero.

A deleted endpoint keeps its configuration and model: the undo re-creates it from them.

The runner: an hourly sweep of InService endpoints, or one endpoint that just came InService. Its snapshots
are collected by ``adapters.endpoint_snapshots``; an endpoint marked idle is decided on each run (the mark in
ecoguard's ``StateStore``, one per mode, read ahead by the sweep), and a deletion is confirmed on the endpoint
read afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from ecoguard import overlap
from ecoguard.adapters.autoscaling import AutoScalingAdapter
from ecoguard.adapters.endpoint_snapshots import Busy, Collector, Described, Pages, Snapshot
from ecoguard.adapters.metrics import MetricsAdapter
from ecoguard.adapters.sagemaker import SageMakerAdapter
from ecoguard.adapters.tagging import TaggingAdapter
from ecoguard.audit import AuditRecord
from ecoguard.confirm import Confirmation, Fresh
from ecoguard.decisions import Outcome, Plan, PlannedAction, Unreadable
from ecoguard.errors import Throttled
from ecoguard.executor import Executor
from ecoguard.guardrails.idle_endpoint import (
    CLEAR,
    DELETE,
    GUARDRAIL,
    IDLE_SINCE_TAG,
    MARK,
    SCALE_COPIES_TO_ZERO,
    SCALE_TO_ZERO,
    EndpointRef,
    IdleMark,
    ScalingTarget,
    decide_endpoint,
    stored_mark,
)
from ecoguard.guardrails.scale_from_zero import from_record
from ecoguard.paging import Page
from ecoguard.reading import GONE, Gone
from ecoguard.runner import GuardrailRunner
from ecoguard.state import PageItems, StateItem, StateStore
from ecoguard.summary import RunSummary, Trigger
from ecoguard.sweep import Overlapped, Sweep, SweepResult
from ecoguard.units import FULLY_REVERSIBLE, NOTHING_RESTARTS, ActionUnit, Clients, Registry
from ecoguard.wiring import Wiring

READ_ENDPOINT = frozenset({"sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig", "sagemaker:ListTags"})
SCALING = frozenset(
    {"application-autoscaling:RegisterScalableTarget", "application-autoscaling:DeregisterScalableTarget"}
)
READ_SCALING = frozenset({"application-autoscaling:DescribeScalableTargets"})


# Changes on Application Auto Scaling targets, which carry no tags: no IAM Deny on ``aws:ResourceTag`` can keep an
# exempt endpoint's autoscaling (docs/SECURITY.md), so its tags are read again right before (``_tags_read_now``).
TAGLESS_CHANGES = frozenset({SCALE_TO_ZERO, SCALE_COPIES_TO_ZERO})


@dataclass(frozen=True)
class EndpointPorts:
    sagemaker: SageMakerAdapter
    autoscaling: AutoScalingAdapter


class MarkIdle(ActionUnit[EndpointPorts]):
    """Tag the endpoint ``ecoguard:idle-since`` so that its owners see the grace period; undone by untagging."""

    name = MARK
    permissions = frozenset({"sagemaker:AddTags"})
    restore_permissions = READ_ENDPOINT | {"sagemaker:DeleteTags"}
    irreversible = FULLY_REVERSIBLE
    interrupts = NOTHING_RESTARTS  # a tag

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
IN_SERVICE = "InService"
FAILED = "Failed"


class DeleteEndpoint(ActionUnit[EndpointPorts]):
    """Delete an idle endpoint, keeping its configuration and model; undone in the order AWS documents:

    1. CreateEndpointConfig from the recorded content, if the configuration was deleted since;
    2. CreateEndpoint (skipped when an earlier, interrupted attempt already did);
    3. once the endpoint is InService, and only then ("Update endpoints that use auto scaling", SageMaker
       Developer Guide: register the targets and put the policies after the endpoint is InService), its
       autoscaling as recorded (``AutoScalingAdapter.put_back``). While it is Creating this step is left
       pending ("scaling pending"): the restore's record says so, and the next restore finishes it.
    """

    name = DELETE
    unrepeatable = True  # a second DeleteEndpoint: ValidationException "Could not find endpoint"
    # Deleting an endpoint with registered scalable targets also needs DeregisterScalableTarget: SageMaker
    # deregisters them on the caller's behalf (SageMaker Developer Guide, "Delete an endpoint configured
    # for auto scaling").
    permissions = frozenset({"sagemaker:DeleteEndpoint", "application-autoscaling:DeregisterScalableTarget"})
    restore_permissions = READ_ENDPOINT | {
        "sagemaker:CreateEndpoint",
        "sagemaker:CreateEndpointConfig",
        "sagemaker:AddTags",
        "application-autoscaling:RegisterScalableTarget",
        "application-autoscaling:PutScalingPolicy",
        "application-autoscaling:PutScheduledAction",
        "cloudwatch:PutMetricAlarm",
        # Not calls of ours: what SageMaker checks as the caller re-creates a configuration with an
        # ExecutionRoleArn (iam:PassRole) or a KmsKeyId (kms:CreateGrant, kms:DescribeKey, through SageMaker).
        "iam:PassRole",
        "kms:CreateGrant",
        "kms:DescribeKey",
    }
    # Right before it, the endpoint is read again (status, last change, tags, invocations, whether its
    # configuration and models exist, its autoscaling) and it is decided again.
    confirm_first = True
    irreversible = (
        "the endpoint's instances and anything on their volumes are gone; a restore re-creates it on new "
        "instances (minutes until InService, its autoscaling registered only then) and its metrics restart"
    )
    interrupts = (
        "the endpoint stops answering; a restore re-creates it cold, on new instances (minutes until InService)"
    )

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

    def resumable(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        # An earlier attempt re-created it from the recorded configuration; its autoscaling may be missing.
        return bool(current.get("exists")) and current.get("EndpointConfigName") == record.before["EndpointConfigName"]

    def restored(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        return False  # whether its autoscaling is back is not in ``current``: ``undo`` carries on

    def exemption_arns(self, record: AuditRecord, current: Mapping[str, Any]) -> tuple[str, ...]:
        # A deleted endpoint has no tags to read; re-created (its autoscaling pending), its own decide.
        return (record.resource.arn,) if current.get("exists") else ()

    def undo_steps(self, record: AuditRecord) -> tuple[str, ...]:
        state = record.before
        steps = []
        if state.get("EndpointConfig") and self.ports.sagemaker.endpoint_config(state["EndpointConfigName"]) is None:
            steps.append(f"create endpoint configuration {state['EndpointConfigName']} as recorded (deleted since)")
        steps.append(f"create endpoint {state['EndpointName']} from {state['EndpointConfigName']}")
        scaling = from_record(state.get("Autoscaling") or {})
        if scaling.targets or scaling.policies:
            steps.append(
                f"once it is InService: register {len(scaling.targets)} scalable target(s), put "
                f"{len(scaling.policies)} policy(ies), {len(scaling.scheduled)} scheduled action(s), "
                f"re-attach {len(scaling.alarms)} alarm(s)"
            )
        return tuple(steps)

    def undo(self, record: AuditRecord) -> str | None:
        state = record.before
        sm = self.ports.sagemaker
        if sm.endpoint(state["EndpointName"]) is None:
            if state.get("EndpointConfig") and sm.endpoint_config(state["EndpointConfigName"]) is None:
                sm.create_endpoint_config(state["EndpointConfig"])
            sm.create_endpoint(state["EndpointName"], state["EndpointConfigName"], state.get("Tags", {}))
        return self.follow_up(record)

    def follow_up(self, record: AuditRecord) -> str | None:
        state = record.before
        if not state.get("Autoscaling"):
            return None
        endpoint = self.ports.sagemaker.endpoint(state["EndpointName"])
        if endpoint is None:
            raise LookupError(f"endpoint {state['EndpointName']} no longer exists; its autoscaling cannot be put back")
        if endpoint.status == FAILED:
            # A Failed endpoint never becomes InService by itself (DescribeEndpoint: EndpointStatus, "Failed -
            # Endpoint could not be created, updated, or re-scaled"): the step fails, saying so, and is not
            # awaited again; once the owner has re-created the endpoint, the restore can be run again.
            raise RuntimeError(
                f"endpoint {endpoint.name} is Failed; its autoscaling cannot be put back: see DescribeEndpoint's "
                "FailureReason, delete and re-create the endpoint, then restore again"
            )
        if endpoint.status != IN_SERVICE:
            return f"scaling pending: {endpoint.name} is {endpoint.status}; its autoscaling is put back once InService"
        self.ports.autoscaling.put_back(from_record(state["Autoscaling"]))
        return None

    def follow_up_due(self, record: AuditRecord) -> bool:
        # Due once the endpoint is InService, or when it never will be (gone, or Failed): the follow-up then
        # fails, saying so, rather than waiting for ever.
        endpoint = self.ports.sagemaker.endpoint(record.before["EndpointName"])
        return endpoint is None or endpoint.status in (IN_SERVICE, FAILED)


def capacities(targets: tuple[ScalingTarget, ...], wanted: Mapping[str, Any]) -> dict[str, Any]:
    found = {t.variant: t for t in targets}
    return {v: {"MinCapacity": t.min_capacity, "MaxCapacity": t.max_capacity} for v, t in found.items() if v in wanted}


class _MinimumToZero(ActionUnit[EndpointPorts]):
    """What both scale-to-zero units share: ``after`` holds each target's new capacities, ``before`` each
    target's old ones (a minimum of None: the target was not registered). Undone by putting each target back
    as it was, or removing it."""

    permissions = frozenset({"application-autoscaling:RegisterScalableTarget"})
    restore_permissions = READ_ENDPOINT | READ_SCALING | SCALING
    irreversible = FULLY_REVERSIBLE
    interrupts = "once scaled in to zero, the next request waits for an instance to start (a cold start)"

    def _register(self, endpoint: str, target: str, minimum: int, maximum: int) -> None:
        raise NotImplementedError

    def _deregister(self, endpoint: str, target: str) -> None:
        raise NotImplementedError

    def apply(self, action: PlannedAction) -> None:
        for target, capacity in action.after.items():
            self._register(action.resource.name, target, capacity["MinCapacity"], capacity["MaxCapacity"])

    def restored(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        # Each target as it was: back to its capacities, or not registered (``current`` lists only registered ones).
        return all(
            current.get(target) == (None if capacity["MinCapacity"] is None else dict(capacity))
            for target, capacity in record.before.items()
        )

    def undo(self, record: AuditRecord) -> None:
        for target, capacity in record.before.items():
            if capacity["MinCapacity"] is None:
                self._deregister(record.resource.name, target)
            else:
                self._register(record.resource.name, target, capacity["MinCapacity"], capacity["MaxCapacity"])


class ScaleToZero(_MinimumToZero):
    """Give an asynchronous endpoint's variants an autoscaling minimum of 0 (targets by variant name)."""

    name = SCALE_TO_ZERO

    def _register(self, endpoint: str, target: str, minimum: int, maximum: int) -> None:
        self.ports.autoscaling.register(endpoint, target, minimum, maximum)

    def _deregister(self, endpoint: str, target: str) -> None:
        self.ports.autoscaling.deregister(endpoint, target)

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        endpoint = self.ports.sagemaker.endpoint(record.resource.name)
        if endpoint is None:
            return None
        return capacities(self.ports.autoscaling.targets(endpoint.name, list(record.after)), record.after)


class ScaleCopiesToZero(_MinimumToZero):
    """Give each inference component on the endpoint an autoscaling minimum of 0 copies (targets by component
    name)."""

    name = SCALE_COPIES_TO_ZERO

    def _register(self, endpoint: str, target: str, minimum: int, maximum: int) -> None:
        self.ports.autoscaling.register_component(target, minimum, maximum)

    def _deregister(self, endpoint: str, target: str) -> None:
        self.ports.autoscaling.deregister_component(target)

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        if self.ports.sagemaker.endpoint(record.resource.name) is None:
            return None
        return capacities(self.ports.autoscaling.component_targets(list(record.after)), record.after)


def connect(clients: Clients) -> EndpointPorts:
    return EndpointPorts(
        SageMakerAdapter(clients("sagemaker")),
        AutoScalingAdapter(clients("application-autoscaling"), clients("cloudwatch")),
    )


REGISTRY = Registry(
    GUARDRAIL,
    "IdleEndpointFunction",
    (MarkIdle, ClearIdleMark, DeleteEndpoint, ScaleToZero, ScaleCopiesToZero),
    connect,
)


class IdleEndpointRunner(GuardrailRunner):
    guardrail = GUARDRAIL
    # Each change (an idle tag, DeleteEndpoint, a scalable target) is to its own endpoint alone.
    side_by_side = True

    def __init__(
        self,
        wiring: Wiring,
        sagemaker: SageMakerAdapter,
        metrics: MetricsAdapter,
        autoscaling: AutoScalingAdapter,
        state: StateStore,
    ) -> None:
        super().__init__(wiring, REGISTRY.bind(EndpointPorts(sagemaker, autoscaling)), state)
        self._sm = sagemaker
        self._metrics = metrics
        self._aas = autoscaling
        self._marks = state

    @classmethod
    def build(cls, wiring: Wiring) -> IdleEndpointRunner:
        clients = wiring.clients
        return cls(
            wiring,
            SageMakerAdapter(clients("sagemaker"), TaggingAdapter(clients("resourcegroupstaggingapi"))),
            MetricsAdapter(clients("cloudwatch")),
            AutoScalingAdapter(clients("application-autoscaling"), clients("cloudwatch")),
            wiring.state(GUARDRAIL),
        )

    def _collector(self) -> Collector:
        return Collector(self._sm, self._metrics, self._aas, self._policy, self._clock)

    def sweep(self, trigger: Trigger) -> SweepResult:
        collector = self._collector()
        sweep: Sweep[EndpointRef] = self._make_sweep(key=lambda ref: ref.name)
        pages = Pages(self._sm, collector, sweep.out_of_time)

        marks = PageItems(self._marks)

        def page(token: str | None) -> Page[EndpointRef]:
            listed = pages.page(token)
            marks.read([ref.arn for ref in listed.items])
            return listed

        def evaluate(ref: EndpointRef, mark: Callable[[], IdleMark], executor: Executor) -> Outcome | None:
            return self._evaluate(pages.snapshot(ref), executor, collector, mark)

        # Each endpoint's mark is its own item in the state, written only when that endpoint is decided: a page's
        # read together when the page is listed (BatchGetItem), an error kept and raised where a mark is used.
        def mark_of(ref: EndpointRef) -> IdleMark:
            return _as_mark(marks.item(ref.arn))

        handle = Overlapped(overlap.kept(mark_of), evaluate, overlap.READ_WORKERS)
        return sweep.run(trigger, self._executor(trigger), page, handle)

    def on_state_change(self, endpoint: tuple[str, str] | None, trigger: Trigger) -> RunSummary:
        executor = self._executor(trigger)
        if endpoint is None:
            return executor.summary
        ref = EndpointRef(*endpoint)
        collector = self._collector()
        # Its tags are read with it: nothing listed to confirm.
        snapshot = collector.described([ref], None)[ref.name]
        if self._evaluate(snapshot, executor, collector, partial(self._mark, ref.arn)) is Outcome.DEFERRED:
            raise Throttled("IdleEndpoint", "Throttling", f"deferred {ref.name}")
        return executor.summary

    def _evaluate(
        self, snapshot: Snapshot, executor: Executor, collector: Collector, mark: Callable[[], IdleMark]
    ) -> Outcome | None:
        """``mark``: the endpoint's idle mark, as read (ahead, by a sweep); it raises if it could not be read."""
        if isinstance(snapshot, Busy):
            marked = mark()
            if not marked.version:
                return executor.run(Plan())  # as decide_endpoint would have it: busy, no mark to clear
            # Marked, and busy now: described and decided as any other, which clears the mark.
            listed = {snapshot.ref.arn.lower(): snapshot.tags}
            described = collector.described([snapshot.ref], listed)[snapshot.ref.name]
            return self._decided(described, lambda: marked, executor)
        return self._decided(snapshot, mark, executor)

    def _decided(
        self, snapshot: Described | Gone | Unreadable, read: Callable[[], IdleMark], executor: Executor
    ) -> Outcome | None:
        if snapshot is GONE:
            return None  # deleted since it was listed
        if isinstance(snapshot, Unreadable):
            return executor.run(Plan(unreadable=snapshot))
        mark = read()  # the audit table unavailable: fail, act on nothing

        def decide(described: Described) -> Plan:
            return decide_endpoint(
                described.endpoint,
                described.invocations,
                mark,
                self._policy.idle_inference.endpoints,
                self._clock(),
            )

        plan = decide(snapshot)
        if snapshot.listed_tags and any(a.action in TAGLESS_CHANGES for a in plan.actions):
            # Exempt everywhere (issue 27): a scale to zero, which no IAM Deny can back, on tags read now.
            snapshot = self._collector().tags_read_now(snapshot)
            if isinstance(snapshot, Unreadable):
                return executor.run(Plan(unreadable=snapshot))
            plan = decide(snapshot)
        # Right before a deletion, in every mode, it is read again and decided again (``Collector.reread``).
        return executor.run(plan, Confirmation(GUARDRAIL, snapshot, self._fresh, decide))

    def _fresh(self, snapshot: Described) -> Fresh[Described]:
        endpoint, changed = self._collector().reread(snapshot)
        return Fresh(endpoint, changed=changed)

    def _mark(self, arn: str) -> IdleMark:
        return _as_mark(self._marks.get(arn))


def _as_mark(stored: StateItem) -> IdleMark:
    return stored_mark(stored.value, stored.version)
