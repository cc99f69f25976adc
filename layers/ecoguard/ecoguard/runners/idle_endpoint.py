"""Run the idle-endpoint guardrail: an hourly sweep, or one endpoint that just came InService.

A sweep lists every InService endpoint and every tagged endpoint's tags, then recognises the busy ones
without describing them: CloudWatch ListMetrics names every (EndpointName, VariantName) pair with
``Invocations`` data in the past two weeks (the longest window an ``ecoguard:idle-hours`` tag allows), and
one batch of GetMetricData sums each listed pair over its endpoint's window. An endpoint with
invocations there is busy (``busy_without_describing``; endpoints hosting inference components, from one
ListInferenceComponents listing, are never passed over): it costs no per-endpoint read, unless it carries
an idle mark, which is then cleared as before. Every other endpoint is described (with its
configuration) and its variants measured, before deciding. The idle mark lives in ecoguard's
``StateStore`` (authoritative, in both modes); in enforce mode the endpoint also carries the tag
``ecoguard:idle-since`` so that its owners can see it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ecoguard.adapters.autoscaling import AutoScalingAdapter
from ecoguard.adapters.metrics import MetricQuery, MetricsAdapter, Series
from ecoguard.adapters.sagemaker import SageMakerAdapter
from ecoguard.audit import AuditRecord, AuditTrail
from ecoguard.decisions import Mode, Outcome, PlannedAction, Resource
from ecoguard.errors import AwsError, Throttled
from ecoguard.events import SAGEMAKER_NAME, EventBridgeEvent, EventError, status_key
from ecoguard.executor import Applier, Executor, RunSummary, Trigger
from ecoguard.guardrails.idle_endpoint import (
    CLEAR,
    DELETE,
    GUARDRAIL,
    IDLE_SINCE_TAG,
    MARK,
    SCALE_COPIES_TO_ZERO,
    SCALE_TO_ZERO,
    Endpoint,
    MarkChange,
    busy_without_describing,
    decide_endpoint,
    idle_hours,
    needs_usage,
)
from ecoguard.guardrails.tags import idle_hours_from_tags, is_exempt
from ecoguard.policy import Policy
from ecoguard.runners.base import GuardrailRunner
from ecoguard.state import StateConflict, StateItem, StateStore
from ecoguard.sweep import Page, Sweep, SweepResult

logger = Logger(child=True)

NAMESPACE = "AWS/SageMaker"
METRIC = "Invocations"
MARK_TTL = timedelta(days=30)


@dataclass(frozen=True)
class Observed:
    name: str
    arn: str
    endpoint: Endpoint | None  # None: gone since it was listed (kept, so a resumed sweep's offsets hold)
    invocations: float | None = None  # summed over every variant in the window; None if unknown
    error: str | None = None  # it could not be read
    listed_tags: bool = False  # its tags came from the sweep's tagging listing, not a read of its own
    busy: bool = False  # recognised busy without describing it: ``endpoint`` is None, ``tags`` the listed ones
    tags: Mapping[str, str] = field(default_factory=dict)


class EndpointStateDetail(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    EndpointName: str = Field(pattern=SAGEMAKER_NAME)
    EndpointStatus: str
    EndpointArn: str | None = None


def in_service_endpoint(event: EventBridgeEvent) -> tuple[str, str] | None:
    """(name, ARN) of the endpoint a ``SageMaker Endpoint State Change`` event reports InService (either
    spelling). The ARN is the event's, as sent: AWS's own example lower-cases it."""
    try:
        detail = EndpointStateDetail.model_validate(event.detail)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise EventError(f"malformed endpoint state change: field detail.{first['loc'][0]}: {first['msg']}") from exc
    if status_key(detail.EndpointStatus) != "inservice":
        return None
    arn = detail.EndpointArn or (event.resources[0] if event.resources else detail.EndpointName)
    return detail.EndpointName, arn


def invocations_query(endpoint: str, variant: str, hours: int, now: datetime) -> MetricQuery:
    """The Invocations Sum of one (EndpointName, VariantName) over the ``hours`` before ``now``: a query by
    endpoint alone returns no data."""
    end = now.replace(second=0, microsecond=0)
    return MetricQuery(
        key=endpoint,
        namespace=NAMESPACE,
        metric=METRIC,
        dimensions=(("EndpointName", endpoint), ("VariantName", variant)),
        stat="Sum",
        period=hours * 3600,
        start=end - timedelta(hours=hours),
        end=end,
    )


def usage_queries(endpoints: Iterable[Endpoint], policy: Policy, now: datetime) -> list[MetricQuery]:
    """One Invocations query per variant of each endpoint."""
    queries = []
    for endpoint in endpoints:
        hours = idle_hours(endpoint, policy.idle_inference.endpoints)
        assert isinstance(hours, int)
        queries += [invocations_query(endpoint.name, v.name, hours, now) for v in endpoint.variants]
    return queries


def summed(results: Iterable[tuple[MetricQuery, Series]], keys: Iterable[str]) -> dict[str, float | None]:
    """Each key's datapoints summed over its queries (0.0 without any); None if one series is incomplete."""
    totals: dict[str, float | None] = dict.fromkeys(keys, 0.0)
    for query, series in results:
        current = totals[query.key]
        totals[query.key] = None if current is None or not series.complete else current + sum(series.values)
    return totals


class IdleEndpointRunner(GuardrailRunner):
    guardrail = GUARDRAIL

    def __init__(
        self,
        *,
        sagemaker: SageMakerAdapter,
        metrics: MetricsAdapter,
        autoscaling: AutoScalingAdapter,
        audit: AuditTrail,
        state: StateStore,
        policy: Policy,
        mode: Mode,
        clock: Callable[[], datetime],
        remaining_ms: Callable[[], int],
    ) -> None:
        super().__init__(audit=audit, policy=policy, mode=mode, clock=clock)
        self._sm = sagemaker
        self._metrics = metrics
        self._aas = autoscaling
        self._state = state
        self._sweep = Sweep[Observed](GUARDRAIL, audit, clock, remaining_ms)

    def _appliers(self) -> Mapping[str, Applier]:
        return {
            MARK: self._mark,
            CLEAR: self._clear,
            DELETE: self._delete,
            SCALE_TO_ZERO: self._scale,
            SCALE_COPIES_TO_ZERO: self._scale_copies,
        }

    # --- collect ------------------------------------------------------------------------------

    def observe(
        self, refs: Iterable[tuple[str, str]], listed: Mapping[str, Mapping[str, str]] | None = None
    ) -> list[Observed]:
        """Each (name, ARN), in order, with its usage; one entry per name even if it is gone. ``listed``:
        every tagged endpoint's tags (ARN lower-cased), read once for the sweep instead of per endpoint."""
        ordered = list(refs)
        found: dict[str, Endpoint] = {}
        errors: dict[str, str] = {}
        for name, arn in ordered:
            try:
                endpoint = self._sm.endpoint(name, None if listed is None else listed.get(arn.lower(), {}))
            except Throttled:
                raise
            except AwsError as exc:
                errors[name] = str(exc)
                continue
            if endpoint is not None:
                found[name] = endpoint
        policy = self._policy.idle_inference.endpoints
        for name, endpoint in found.items():
            if endpoint.status != "InService" or is_exempt(endpoint.tags):
                continue
            if endpoint.inference_components and policy.components_scale_to_zero:
                components = self._sm.inference_components(name)
                targets = self._aas.component_targets([c.name for c in components])
                found[name] = replace(endpoint, components=components, component_scaling=targets)
            elif endpoint.asynchronous and policy.async_scale_to_zero:
                found[name] = replace(endpoint, scaling=self._aas.targets(name, [v.name for v in endpoint.variants]))
        measured = [e for e in found.values() if needs_usage(e, policy)]
        results = self._metrics.fetch(usage_queries(measured, self._policy, self._clock()))
        totals = summed(results, (e.name for e in measured))
        return [
            Observed(n, a, found.get(n), totals.get(n), errors.get(n), listed_tags=listed is not None)
            for n, a in ordered
        ]

    def busy(self, refs: Iterable[tuple[str, str]], listed: Mapping[str, Mapping[str, str]]) -> dict[str, float]:
        """Name -> invocations in its window, of each endpoint ``busy_without_describing`` recognises, from
        ListMetrics, GetMetricData (every listed pair of these endpoints together) and, only if some
        endpoint had traffic, ListInferenceComponents. Should a read fail, none is recognised: every
        endpoint is then described, as the event path does."""
        policy = self._policy.idle_inference.endpoints
        if not policy.enabled:
            return {}
        windows: dict[str, tuple[int, Mapping[str, str]]] = {}
        for name, arn in refs:
            tags = listed.get(arn.lower(), {})
            hours = idle_hours_from_tags(tags, policy.idle_hours)
            if isinstance(hours, int):
                windows[name] = (hours, tags)
        try:
            pairs = self._metrics.dimension_values(NAMESPACE, METRIC, ("EndpointName", "VariantName"))
            now = self._clock()
            queries = [invocations_query(e, v, windows[e][0], now) for e, v in sorted(pairs) if e in windows]
            totals = summed(self._metrics.fetch(queries), {q.key for q in queries})
            traffic = {name: total for name, total in totals.items() if total is not None and total > 0}
            components = self._sm.component_endpoints() if traffic else set()
        except Throttled:
            raise
        except AwsError as exc:
            logger.warning("busy endpoints not recognised; describing every endpoint", extra={"error": str(exc)})
            return {}
        return {
            name: total
            for name, total in traffic.items()
            if busy_without_describing(windows[name][1], total, name in components, policy)
        }

    def _pages(self, token: str | None) -> Page[Observed]:
        """Two pages. The first is empty and its token is the sorted list of InService endpoints; the
        second observes exactly those: the busy ones from the metrics alone, the others described, every
        endpoint's metrics fetched together in the fewest calls. A sweep resumed from its checkpoint
        re-observes the same list, so its offset still points at the same endpoint even if others were
        deleted in between."""
        if token is None:
            return Page((), json.dumps(self._sm.endpoint_names()))
        refs = [(n, a) for n, a in json.loads(token)]
        listed = self._sm.endpoint_tags()
        busy = self.busy(refs, listed)
        described = iter(self.observe([(n, a) for n, a in refs if n not in busy], listed))
        observed = [
            Observed(n, a, None, busy[n], listed_tags=True, busy=True, tags=listed.get(a.lower(), {}))
            if n in busy
            else next(described)
            for n, a in refs
        ]
        return Page(observed, None)

    # --- decide and act -----------------------------------------------------------------------

    def sweep(self, trigger: Trigger) -> SweepResult:
        return self._sweep.run(trigger, self._executor(trigger), self._pages, self._evaluate)

    def on_state_change(self, endpoint: tuple[str, str] | None, trigger: Trigger) -> RunSummary:
        executor = self._executor(trigger)
        if endpoint is None:
            return executor.summary
        name = endpoint[0]
        for observed in self.observe([endpoint]):
            if self._evaluate(observed, executor) is Outcome.DEFERRED:
                raise Throttled("IdleEndpoint", "Throttling", f"deferred {name}")
        return executor.summary

    def _evaluate(self, observed: Observed, executor: Executor) -> Outcome | None:
        stored: StateItem | None = None
        if observed.busy:
            stored = self._state.get(observed.arn)
            if not stored.version:
                executor.summary.evaluated += 1
                executor.summary.compliant += 1  # as decide_endpoint would have it: busy, no mark to clear
                return None
            # Marked, and busy now: described and decided as any other, which clears the mark.
            [observed] = self.observe([(observed.name, observed.arn)], {observed.arn.lower(): observed.tags})
        endpoint = observed.endpoint
        if observed.error is not None:
            executor.summary.evaluated += 1
            resource = Resource(arn=observed.arn, name=observed.name, kind="AWS::SageMaker::Endpoint")
            return executor.fail(GUARDRAIL, resource, observed.error)
        if endpoint is None:
            return None  # deleted since it was listed
        executor.summary.evaluated += 1
        if stored is None:
            stored = self._state.get(endpoint.arn)  # the audit table unavailable: fail, act on nothing
        since = stored.value.get("since")
        # A dry-run mark never counts toward enforce's grace: in enforce the owners must have seen the tag.
        same_mode = stored.value.get("mode", self._mode.value) == self._mode.value
        marked = datetime.fromisoformat(since) if isinstance(since, str) and same_mode else None
        plan = decide_endpoint(
            endpoint, observed.invocations, marked, self._policy.idle_inference.endpoints, self._clock()
        )
        if observed.listed_tags and isinstance(plan.decision, PlannedAction) and plan.decision.action == DELETE:
            # The tagging listing can lag: a deletion decides again on the tags read now, which its
            # restore record keeps (and an exemption added a moment ago is honoured).
            try:
                fresh = self._sm.tags(endpoint.arn)
            except Throttled:
                raise
            except AwsError as exc:
                return executor.fail(GUARDRAIL, endpoint.resource, str(exc))
            if fresh != dict(endpoint.tags):
                endpoint = replace(endpoint, tags=fresh)
                plan = decide_endpoint(
                    endpoint, observed.invocations, marked, self._policy.idle_inference.endpoints, self._clock()
                )
        outcome = None if plan.decision is None else executor.execute(plan.decision)
        if plan.decision is None:
            executor.summary.compliant += 1
        change = plan.mark
        if stored.version and not same_mode and change is MarkChange.KEEP and plan.decision is None:
            change = MarkChange.CLEAR  # the other mode's mark, and not idle now: drop it
        self._update_mark(endpoint, plan.decision, change, outcome, stored.version)
        return outcome

    def _update_mark(
        self, endpoint: Endpoint, decision: object, change: MarkChange, outcome: Outcome | None, version: int
    ) -> None:
        try:
            if change is MarkChange.SET and outcome in (Outcome.APPLIED, Outcome.WOULD_APPLY):
                assert isinstance(decision, PlannedAction)
                expires = int((self._clock() + MARK_TTL).timestamp())
                since = str(decision.after[IDLE_SINCE_TAG]).replace("Z", "+00:00")
                mark = {"since": since, "mode": self._mode.value}
                self._state.put(endpoint.arn, mark, expected_version=version, expires_at=expires)
            elif change is MarkChange.CLEAR and version:
                deleting = isinstance(decision, PlannedAction) and decision.action == DELETE
                # A dry-run deletion keeps the mark, so every sweep goes on reporting it.
                if not deleting or outcome is Outcome.APPLIED:
                    self._state.delete(endpoint.arn, expected_version=version)
        except StateConflict:
            logger.info("idle mark changed concurrently; the next sweep re-decides", extra={"endpoint": endpoint.name})

    def _mark(self, action: PlannedAction) -> None:
        self._sm.tag(action.resource.arn, IDLE_SINCE_TAG, str(action.after[IDLE_SINCE_TAG]))

    def _clear(self, action: PlannedAction) -> None:
        self._sm.untag(action.resource.arn, IDLE_SINCE_TAG)

    def _delete(self, action: PlannedAction) -> None:
        self._sm.delete_endpoint(action.resource.name)

    def _scale(self, action: PlannedAction) -> None:
        for variant, capacity in action.after.items():
            self._aas.register(action.resource.name, variant, capacity["MinCapacity"], capacity["MaxCapacity"])

    def _scale_copies(self, action: PlannedAction) -> None:
        for component, capacity in action.after.items():
            self._aas.register_component(component, capacity["MinCapacity"], capacity["MaxCapacity"])


class IdleEndpointRestorer:
    """Undo an idle-endpoint action: recreate a deleted endpoint, put a mark or a capacity back."""

    def __init__(self, sagemaker: SageMakerAdapter, autoscaling: AutoScalingAdapter) -> None:
        self._sm = sagemaker
        self._aas = autoscaling

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        endpoint = self._sm.endpoint(record.resource.name)
        if record.action == DELETE:
            if endpoint is None:
                return {"exists": False}
            return {"exists": True, "EndpointConfigName": endpoint.config_name}
        if endpoint is None:
            return None
        if record.action in (MARK, CLEAR):
            return {IDLE_SINCE_TAG: endpoint.tags.get(IDLE_SINCE_TAG)}
        if record.action in (SCALE_TO_ZERO, SCALE_COPIES_TO_ZERO):
            found = (
                self._aas.targets(endpoint.name, list(record.after))
                if record.action == SCALE_TO_ZERO
                else self._aas.component_targets(list(record.after))
            )
            targets = {t.variant: t for t in found}
            return {
                v: {"MinCapacity": t.min_capacity, "MaxCapacity": t.max_capacity}
                for v, t in targets.items()
                if v in record.after
            }
        raise ValueError(f"no restore for action {record.action}")

    def apply(self, record: AuditRecord, state: Mapping[str, Any]) -> None:
        name, arn = record.resource.name, record.resource.arn
        if record.action == DELETE:
            self._sm.create_endpoint(state["EndpointName"], state["EndpointConfigName"], state.get("Tags", {}))
        elif record.action == MARK:
            self._sm.untag(arn, IDLE_SINCE_TAG)
        elif record.action == CLEAR:
            self._sm.tag(arn, IDLE_SINCE_TAG, str(state[IDLE_SINCE_TAG]))
        elif record.action == SCALE_TO_ZERO:
            for variant, capacity in state.items():
                if capacity["MinCapacity"] is None:
                    self._aas.deregister(name, variant)
                else:
                    self._aas.register(name, variant, capacity["MinCapacity"], capacity["MaxCapacity"])
        elif record.action == SCALE_COPIES_TO_ZERO:
            for component, capacity in state.items():
                if capacity["MinCapacity"] is None:
                    self._aas.deregister_component(component)
                else:
                    self._aas.register_component(component, capacity["MinCapacity"], capacity["MaxCapacity"])
        else:
            raise ValueError(f"no restore for action {record.action}")
