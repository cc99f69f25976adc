"""Idle SageMaker endpoints: decide from usage, with a grace period, never from the clock alone.

Rules, for one InService endpoint, in order:

1. The guardrail disabled, or the endpoint not InService: no decision.
2. Serverless (a variant with a ServerlessConfig): left alone, it scales to zero already.
3. An invalid ``ecoguard:idle-hours`` tag: skipped. ``ecoguard:exempt=true``: never written to; recorded
   as skipped only when ecoguard would otherwise have acted (so an exempt, busy endpoint stays quiet).
4. Inference components: never deleted; each component's copies get an autoscaling minimum of 0, only when
   every component has a policy that scales it out from zero (``scale_from_zero``) and every instance-backed
   variant's ``ManagedInstanceScaling.MinInstanceCount`` is 0 (else its instances stay, billed: Developer
   Guide, "Scale an endpoint to zero instances"); otherwise a finding naming what is missing, and no change
   (a minimum of 0 without it would save nothing, or strand requests).
5. Asynchronous: no deletion; an autoscaling minimum above 0 (or none) gets a target with minimum 0, only
   when each variant has a step policy on ``HasBacklogWithoutCapacity`` (to scale out from zero) and a
   target-tracking policy on ``ApproximateBacklogSizePerInstance`` (to scale in to zero: Developer Guide,
   "Autoscale an asynchronous endpoint"); otherwise a finding naming what is missing, and no change.
6. Instance-backed real-time: idle only if InService for longer than the window AND no invocations in
   it (summed over every variant). Missing data alone never means idle: a new endpoint has none.
   - idle, not marked: mark it (``ecoguard:idle-since``) and notify;
   - idle, marked at least ``grace_hours`` ago: delete it (config and model kept), its autoscaling targets
     and policies recorded so that a restore puts them back; refused (skipped) when its configuration or a
     model it serves is already gone, since a restore could not re-create it;
   - not idle, marked: clear the mark.

The idle mark itself lives in ecoguard's state (``ecoguard.state``, one per mode: a dry-run mark never
counts toward enforce's grace), keyed by the endpoint's ARN. The plan says what becomes of it:

- set (``{"since": ...}``, kept 30 days) once the mark is applied, or would be in dry-run;
- removed when the endpoint is no longer idle, is exempt or its ``ecoguard:idle-hours`` tag invalid;
- removed with the endpoint only once the deletion is applied: a dry-run (or failed) deletion keeps it,
  so every sweep goes on reporting the deletion.

A sweep needs no description of an endpoint that is busy (``busy_without_describing``): invocations in
its window on a (EndpointName, VariantName) pair that CloudWatch lists. Rules 1 to 6 then leave it alone
unless it carries an idle mark, which the sweep reads before deciding to describe it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from ecoguard.decisions import (
    Decision,
    Finding,
    Outcome,
    Plan,
    PlannedAction,
    Put,
    Remove,
    Resource,
    Skip,
    StateChange,
    plan_of,
)
from ecoguard.guardrails.scale_from_zero import (
    Scalable,
    Scaling,
    as_record,
    component_resource_id,
    missing_scale_from_zero_policy,
    missing_scale_in_policy,
    variant_resource_id,
)
from ecoguard.guardrails.tags import idle_hours_from_tags, is_exempt, settable_tags
from ecoguard.impact import CURRENT, HOURS_PER_DAY, fleet_estimate, instances_cost, region_of
from ecoguard.policy import IdleEndpointsPolicy

GUARDRAIL = "idle-endpoint"
MARK = "mark-idle"
CLEAR = "clear-idle-mark"
DELETE = "delete-endpoint"
SCALE_TO_ZERO = "scale-to-zero"
SCALE_COPIES_TO_ZERO = "scale-copies-to-zero"
IDLE_SINCE_TAG = "ecoguard:idle-since"
MARK_TTL = timedelta(days=30)


@dataclass(frozen=True)
class Variant:
    name: str
    serverless: bool = False
    instance_count: int | None = None
    instance_type: str | None = None
    # The configuration's ManagedInstanceScaling.MinInstanceCount where its Status is ENABLED; None: no managed
    # instance scaling (ProductionVariantManagedInstanceScaling, SageMaker API reference).
    min_instances: int | None = None
    # The ML capacity reservation it is deployed on (CapacityReservationConfig.MlReservationArn); None: on demand.
    capacity_reservation: str | None = None


@dataclass(frozen=True)
class ScalingTarget:
    """The Application Auto Scaling target of one async variant (or one inference component, by name);
    None fields mean no target."""

    variant: str
    min_capacity: int | None
    max_capacity: int | None


@dataclass(frozen=True)
class Component:
    """An inference component hosted on the endpoint, with its current number of copies."""

    name: str
    copies: int


@dataclass(frozen=True)
class EndpointRef:
    """An endpoint as listed: its name and ARN, before anything else is read."""

    name: str
    arn: str

    @property
    def resource(self) -> Resource:
        return Resource(arn=self.arn, name=self.name, kind="AWS::SageMaker::Endpoint")


@dataclass(frozen=True)
class Endpoint:
    name: str
    arn: str
    status: str
    config_name: str
    in_service_since: datetime  # LastModifiedTime (an update restarts the window), else CreationTime
    variants: tuple[Variant, ...]
    tags: Mapping[str, str] = field(default_factory=dict)
    asynchronous: bool = False
    inference_components: bool = False
    scaling: tuple[ScalingTarget, ...] = ()
    components: tuple[Component, ...] = ()
    component_scaling: tuple[ScalingTarget, ...] = ()
    # The targets and policies of its variants (or its components), with their alarms' metrics; None: not read.
    autoscaling: Scaling | None = None
    # What re-creating it needs that no longer exists ("endpoint configuration c", "model m"); read only
    # right before a deletion.
    gone_parts: tuple[str, ...] = ()
    # Its configuration's content, as CreateEndpointConfig takes it; read only right before a deletion, so
    # that a restore re-creates the configuration when it was deleted since.
    config: Mapping[str, Any] | None = None

    @property
    def resource(self) -> Resource:
        return Resource(arn=self.arn, name=self.name, kind="AWS::SageMaker::Endpoint", tags=self.tags)

    @property
    def serverless(self) -> bool:
        return any(v.serverless for v in self.variants)


@dataclass(frozen=True)
class IdleMark:
    """The endpoint's idle mark in ecoguard's state, as read: since when (None: not marked) and the item's
    version (0: there is none)."""

    since: datetime | None = None
    version: int = 0


UNMARKED = IdleMark()


def stored_mark(value: Mapping[str, Any], version: int) -> IdleMark:
    """The mark a state item holds (``StateStore.get``): its ``since``, when it has a readable one."""
    since = value.get("since")
    try:
        return IdleMark(datetime.fromisoformat(since) if isinstance(since, str) else None, version)
    except ValueError:
        return IdleMark(None, version)


def targets_by_name(scaling: Scaling, names: Mapping[str, str]) -> tuple[ScalingTarget, ...]:
    """The targets of ``names`` (resource id -> variant or component name), as the scale-to-zero rules read
    them."""
    return tuple(
        ScalingTarget(names[t.resource_id], t.min_capacity, t.max_capacity)
        for t in scaling.targets
        if t.resource_id in names
    )


def idle_hours(endpoint: Endpoint, policy: IdleEndpointsPolicy) -> int | str:
    """The endpoint's window in hours, or an error message for an invalid tag."""
    return idle_hours_from_tags(endpoint.tags, policy.idle_hours)


def needs_usage(endpoint: Endpoint, policy: IdleEndpointsPolicy) -> bool:
    """Whether the endpoint's invocations must be fetched (only instance-backed real-time ones)."""
    if not policy.enabled or endpoint.status != "InService" or endpoint.serverless:
        return False
    if endpoint.asynchronous or endpoint.inference_components:
        return False
    return isinstance(idle_hours(endpoint, policy), int)


def busy_without_describing(
    tags: Mapping[str, str], invocations: float | None, hosts_components: bool, policy: IdleEndpointsPolicy
) -> bool:
    """Whether an InService endpoint, known only by its listing, its tags and the invocations of the variants
    CloudWatch lists for it, is busy so that no rule acts on it (an idle mark aside: see the module doc).

    Rule 6 keeps an instance-backed real-time endpoint with any invocation in its window, and rule 2 keeps
    a serverless one whatever its traffic. Rules 4 and 5 act whatever the traffic, so neither kind may be
    passed over: asynchronous endpoints publish no ``Invocations`` (SageMaker Developer Guide, "Alarms and
    logs for tracking metrics from asynchronous endpoints"), so they never show traffic here, and
    endpoints that host inference components are named by ``hosts_components``. An invalid
    ``ecoguard:idle-hours`` tag is a skip (rule 3), and an unknown sum (incomplete data) proves nothing.
    """
    if not policy.enabled or hosts_components or invocations is None or invocations <= 0:
        return False
    return isinstance(idle_hours_from_tags(tags, policy.idle_hours), int)


def restore_state(endpoint: Endpoint) -> dict[str, Any]:
    """What ``create_endpoint`` needs to bring the endpoint back identically: its configuration (its name, and
    its content to create it again if it is deleted after), the tags a caller may set (``aws:`` tags are AWS's
    own), and its autoscaling targets, policies, scheduled actions and the alarms of its step policies, which
    the deletion removes with it (SageMaker Developer Guide, "Delete an endpoint configured for auto
    scaling")."""
    tags = {k: v for k, v in settable_tags(endpoint.tags).items() if k != IDLE_SINCE_TAG}
    state: dict[str, Any] = {
        "EndpointName": endpoint.name,
        "EndpointConfigName": endpoint.config_name,
        "Tags": dict(sorted(tags.items())),
    }
    if endpoint.config is not None:
        state["EndpointConfig"] = dict(endpoint.config)
    if endpoint.autoscaling is not None and (endpoint.autoscaling.targets or endpoint.autoscaling.policies):
        state["Autoscaling"] = as_record(endpoint.autoscaling)
    return state


def decide_endpoint(
    endpoint: Endpoint,
    invocations: float | None,
    mark: IdleMark,
    policy: IdleEndpointsPolicy,
    now: datetime,
) -> Plan:
    """``invocations``: the sum over every variant in the window (0.0 if no data), None if unknown. ``mark``:
    this mode's idle mark as read from ecoguard's state."""
    plan = _decide(endpoint, invocations, mark, policy, now)
    if not is_exempt(endpoint.tags):
        return plan
    # Exempt: never written to, not even ecoguard's own tag. Recorded only when ecoguard would have acted.
    acted = [a for a in plan.actions if a.action != CLEAR]
    if acted:
        skip = Skip(GUARDRAIL, endpoint.resource, "tagged ecoguard:exempt=true", acted[0].before)
        return Plan((skip,), _cleared(endpoint, mark))
    return Plan((), _cleared(endpoint, mark))


def _decide(
    endpoint: Endpoint,
    invocations: float | None,
    mark: IdleMark,
    policy: IdleEndpointsPolicy,
    now: datetime,
) -> Plan:
    if not policy.enabled or endpoint.status != "InService" or endpoint.serverless:
        return Plan()
    resource = endpoint.resource
    hours = idle_hours(endpoint, policy)
    if isinstance(hours, str):
        return Plan((Skip(GUARDRAIL, resource, hours),), _cleared(endpoint, mark))
    if endpoint.inference_components:
        return plan_of(_scale_copies_to_zero(endpoint, policy))
    if endpoint.asynchronous:
        return plan_of(_scale_to_zero(endpoint, policy))

    window = timedelta(hours=hours)
    if invocations is None or invocations > 0 or now - endpoint.in_service_since < window:
        # Busy, unknown, or too new to tell: never idle. Traffic (or an update) clears the mark.
        if mark.since is None:
            return Plan()
        why = "traffic resumed" if invocations else "endpoint updated since it was marked"
        if IDLE_SINCE_TAG in endpoint.tags:
            clear = PlannedAction(
                GUARDRAIL,
                resource,
                CLEAR,
                {IDLE_SINCE_TAG: endpoint.tags[IDLE_SINCE_TAG]},
                {IDLE_SINCE_TAG: None},
                f"{why}: idle mark cleared",
            )
            return Plan((clear,), _cleared(endpoint, mark))
        return Plan((), _cleared(endpoint, mark))

    idle_for = f"no invocations on any of {len(endpoint.variants)} variant(s) in {hours} h"
    if mark.since is None:
        since = _iso(now)
        marking = PlannedAction(
            GUARDRAIL,
            resource,
            MARK,
            {IDLE_SINCE_TAG: None},
            {IDLE_SINCE_TAG: since},
            f"{idle_for}: marked idle; deleted after {policy.grace_hours} h unless it gets traffic",
        )
        put = Put({"since": since.replace("Z", "+00:00")}, MARK_TTL)
        # Set once the tag is applied, or would be in dry-run; a failed mark is tried again next sweep.
        return Plan(
            (marking,), StateChange(endpoint.arn, mark.version, settle={Outcome.APPLIED: put, Outcome.WOULD_APPLY: put})
        )
    grace = timedelta(hours=policy.grace_hours)
    if now - mark.since < grace:
        return Plan()  # still in its grace period; already notified
    if endpoint.gone_parts:
        why = f"{', '.join(endpoint.gone_parts)} no longer exist(s): a deletion could not be undone; not deleted"
        return Plan((Skip(GUARDRAIL, resource, why, restore_state(endpoint)),))
    reason = (
        f"{idle_for}, still idle {policy.grace_hours} h after it was marked at {_iso(mark.since)}: "
        "endpoint deleted (config and model kept)"
    )
    impact = idle_day_impact(endpoint)
    reserved = sorted({v.capacity_reservation for v in endpoint.variants if v.capacity_reservation})
    if reserved:
        # Reserved capacity is paid for its term: deleting frees it for other endpoints and saves no money.
        names = ", ".join(arn.rsplit("/", 1)[-1] for arn in reserved)
        reason += f"; it runs on ML capacity reservation {names}, paid in advance: deleting it saves no money"
        impact = {**impact, "usd": 0.0, "basis": f"{impact['basis']}; no money saved: paid in advance ({names})"}
    deletion = PlannedAction(GUARDRAIL, resource, DELETE, restore_state(endpoint), {"exists": False}, reason, impact)
    # The mark goes with the endpoint. A dry-run (or failed) deletion keeps it: every sweep reports it again.
    return Plan((deletion,), StateChange(endpoint.arn, mark.version, settle={Outcome.APPLIED: Remove()}))


def _cleared(endpoint: Endpoint, mark: IdleMark) -> StateChange | None:
    """The stored mark removed, whatever becomes of the plan's decision (none without a mark)."""
    return None if mark.since is None else StateChange(endpoint.arn, mark.version, otherwise=Remove())


def idle_day_impact(endpoint: Endpoint) -> dict[str, Any]:
    """What a day of the endpoint's instances costs while idle (CCF at 0% utilization), and what they cost a day
    now (``CURRENT``: the same instances at the same prices)."""
    parts = [(v.instance_type or "unknown", v.instance_count or 1) for v in endpoint.variants if not v.serverless]
    region = region_of(endpoint.arn)
    estimate = fleet_estimate(parts, hours=HOURS_PER_DAY, region=region, utilization_pct=0, period="per idle day")
    current = instances_cost(parts, hours=HOURS_PER_DAY, region=region, period="per day")
    return {**estimate.to_dict(), CURRENT: current.to_dict()}


def _scale_to_zero(endpoint: Endpoint, policy: IdleEndpointsPolicy) -> Decision | None:
    if not policy.async_scale_to_zero:
        return None
    current = {v.name: v.instance_count or 1 for v in endpoint.variants}
    decision = _minimum_zero(
        endpoint,
        SCALE_TO_ZERO,
        current,
        endpoint.scaling,
        "asynchronous endpoint: autoscaling minimum 0 for variant(s) {names} "
        "(instances scale in to zero while the queue is empty)",
    )
    if isinstance(decision, PlannedAction):
        ids = {variant_resource_id(endpoint.name, v): v for v in decision.after}
        blocked = _without_scale_from_zero(endpoint, ids, "async-variant")
        return blocked or replace(decision, impact=idle_day_impact(endpoint))
    return decision


def _scale_copies_to_zero(endpoint: Endpoint, policy: IdleEndpointsPolicy) -> Decision | None:
    if not policy.components_scale_to_zero:
        return Finding(
            GUARDRAIL,
            endpoint.resource,
            "inference-components",
            "endpoint hosts inference components: give their copies a minimum of 0 "
            "(sagemaker:inference-component:DesiredCopyCount) and the endpoint "
            "ManagedInstanceScaling.MinInstanceCount=0",
            {"EndpointConfigName": endpoint.config_name},
        )
    current = {c.name: c.copies for c in endpoint.components}
    decision = _minimum_zero(
        endpoint,
        SCALE_COPIES_TO_ZERO,
        current,
        endpoint.component_scaling,
        "inference components: autoscaling minimum 0 copies for {names} (never deleted; the endpoint's "
        "ManagedInstanceScaling.MinInstanceCount must also be 0 for its instances to go)",
    )
    if isinstance(decision, PlannedAction):
        ids = {component_resource_id(c): c for c in decision.after}
        return _without_scale_from_zero(endpoint, ids, "inference-component") or _instances_kept(endpoint) or decision
    return decision


def _instances_kept(endpoint: Endpoint) -> Finding | None:
    """A finding when an instance-backed variant's instances would stay with no copy left on them: its
    configuration's ManagedInstanceScaling.MinInstanceCount is not 0 (or managed instance scaling is off)."""
    kept = [v for v in endpoint.variants if not v.serverless and v.min_instances != 0]
    if not kept:
        return None
    named = [
        f"{v.name}: ManagedInstanceScaling "
        + ("not enabled" if v.min_instances is None else f"MinInstanceCount {v.min_instances}")
        for v in kept
    ]
    return Finding(
        GUARDRAIL,
        endpoint.resource,
        "no-scale-from-zero-policy",
        "a minimum of 0 copies would save nothing while the endpoint keeps its instances, so it was not set "
        "(the endpoint configuration's ManagedInstanceScaling.MinInstanceCount must be 0): " + "; ".join(named),
        {"missing": named, "EndpointConfigName": endpoint.config_name},
    )


def _without_scale_from_zero(endpoint: Endpoint, ids: Mapping[str, str], kind: Scalable) -> Finding | None:
    """A finding naming each policy missing for the scalables to come back from zero; None if none is."""
    scaling = endpoint.autoscaling or Scaling()
    missing = [m for m in (missing_scale_from_zero_policy(scaling, r, kind) for r in sorted(ids)) if m]
    if kind == "async-variant":
        missing += [m for m in (missing_scale_in_policy(scaling, r) for r in sorted(ids)) if m]
    if not missing:
        return None
    return Finding(
        GUARDRAIL,
        endpoint.resource,
        "no-scale-from-zero-policy",
        "a minimum of 0 would not come back from zero, or would save nothing, so it was not set: " + "; ".join(missing),
        {"missing": missing},
    )


def _minimum_zero(
    endpoint: Endpoint, action: str, current: Mapping[str, int], targets: tuple[ScalingTarget, ...], why: str
) -> Decision | None:
    """Minimum 0 for every scalable (variant or component) whose minimum is not 0 yet. The maximum is
    kept, or set to the current count: a maximum below it would make Application Auto Scaling scale in."""
    by_name = {t.variant: t for t in targets}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, count in current.items():
        target = by_name.get(name, ScalingTarget(name, None, None))
        if target.min_capacity == 0:
            continue
        before[name] = {"MinCapacity": target.min_capacity, "MaxCapacity": target.max_capacity}
        after[name] = {"MinCapacity": 0, "MaxCapacity": max(target.max_capacity or 0, count, 1)}
    if not after:
        return None
    return PlannedAction(
        GUARDRAIL, endpoint.resource, action, before, after, why.format(names=", ".join(sorted(after)))
    )


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
