"""The idle-endpoint guardrail's snapshots: what its runner (``actions.idle_endpoint``) decides on.

A sweep pages through the InService endpoints by name (ListEndpoints, 100 a
page), and its checkpoint holds a position: SageMaker's page token and the last name handled
(``ecoguard.sweep``), so it resumes after that endpoint at any size, describing none already handled.

Each endpoint is collected as one typed snapshot:

- ``Busy``: recognised busy without describing it. CloudWatch ListMetrics names every (EndpointName,
  VariantName) pair with ``Invocations`` data in the past two weeks (the longest window an
  ``ecoguard:idle-hours`` tag allows), and one batch of GetMetricData per page sums each listed pair of
  the page's endpoints over its endpoint's window. An endpoint with invocations there is busy
  (``busy_without_describing``; endpoints hosting inference components, from one ListInferenceComponents
  listing, are never passed over). It costs no per-endpoint read, unless it carries an idle mark: it is
  then described, and decided as any other, which clears the mark.
- ``Described``: the endpoint with its configuration and its variants' invocations, measured together for
  the page's endpoints. Their descriptions are read ahead on a bounded pool (``ecoguard.overlap``) and
  taken in listing order, the deadline checked between two, so that no step outlasts the hand-off margin;
  those not reached before it are read when the sweep resumes.
- ``GONE``: deleted since it was listed (neither evaluated nor recorded).
- ``Unreadable``: it could not be read; recorded as failed, never acted on.

The tagging listing (every tagged endpoint's tags), ListMetrics and ListInferenceComponents are read once
per invocation. The idle mark lives in ecoguard's ``StateStore``, one per mode; in enforce mode the
endpoint also carries the tag ``ecoguard:idle-since`` so that its owners can see it. A deletion decided
on tags from the tagging listing, which can lag, is confirmed on tags read afresh (``ecoguard.confirm``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger

from ecoguard import overlap
from ecoguard.adapters.autoscaling import COMPONENT_DIMENSION, VARIANT_DIMENSION, AutoScalingAdapter
from ecoguard.adapters.metric_queries import (
    ENDPOINT_NAMESPACE,
    INVOCATIONS,
    VARIANT_DIMENSIONS,
    invocations_query,
    summed,
)
from ecoguard.adapters.metrics import MetricQuery, MetricsAdapter
from ecoguard.adapters.sagemaker import SageMakerAdapter
from ecoguard.decisions import Unreadable
from ecoguard.errors import AwsError, Throttled
from ecoguard.guardrails.idle_endpoint import (
    GUARDRAIL,
    Endpoint,
    EndpointRef,
    busy_without_describing,
    idle_hours,
    needs_usage,
    targets_by_name,
)
from ecoguard.guardrails.scale_from_zero import component_resource_id, variant_resource_id
from ecoguard.guardrails.tags import idle_hours_from_tags, is_exempt
from ecoguard.paging import Page
from ecoguard.policy import Policy
from ecoguard.reading import GONE, Gone, read

logger = Logger(child=True)


type Tags = Mapping[str, Mapping[str, str]]
"""Endpoint ARN (lower-cased) -> tags, from the tagging listing."""


@dataclass(frozen=True)
class Busy:
    """Recognised busy from CloudWatch alone (ListMetrics, GetMetricData): not described."""

    ref: EndpointRef
    tags: Mapping[str, str]  # as listed
    invocations: float


@dataclass(frozen=True)
class Described:
    endpoint: Endpoint
    invocations: float | None  # summed over every variant in the window; None if unknown
    listed_tags: bool  # its tags came from the tagging listing (which can lag), not a read of its own


type Snapshot = Busy | Described | Gone | Unreadable


def usage_queries(endpoints: Iterable[Endpoint], policy: Policy, now: datetime) -> list[MetricQuery]:
    """One Invocations query per variant of each endpoint."""
    queries = []
    for endpoint in endpoints:
        hours = idle_hours(endpoint, policy.idle_inference.endpoints)
        assert isinstance(hours, int)
        queries += [invocations_query(endpoint.name, v.name, hours, now) for v in endpoint.variants]
    return queries


def _or_none[T](read: Callable[[], T]) -> T | None:
    """What ``read`` returns; None if it failed, and then no endpoint is taken for busy (each is described,
    as the event path does). Throttling is raised: the sweep pauses."""
    try:
        return read()
    except Throttled:
        raise
    except AwsError as exc:
        logger.warning("busy endpoints not recognised; describing every endpoint", extra={"error": str(exc)})
        return None


class _Once[T]:
    """A listing read once, on first use (``_or_none``); after throttling, read again when next asked."""

    def __init__(self, listing: Callable[[], T]) -> None:
        self._listing = listing
        self._read = False
        self._value: T | None = None

    def __call__(self) -> T | None:
        if not self._read:
            self._value = _or_none(self._listing)
            self._read = True
        return self._value


class Collector:
    """Endpoints as typed snapshots. The account-wide listings (tags, metric pairs, inference components)
    are read once per collector, on first use: one collector serves one invocation. Without the tags
    (exemptions) no endpoint can be decided: their listing's failure fails the invocation."""

    def __init__(
        self,
        sagemaker: SageMakerAdapter,
        metrics: MetricsAdapter,
        autoscaling: AutoScalingAdapter,
        policy: Policy,
        clock: Callable[[], datetime],
    ) -> None:
        self._sm = sagemaker
        self._metrics = metrics
        self._aas = autoscaling
        self._policy = policy
        self._clock = clock
        self._listed_tags = cache(sagemaker.endpoint_tags)
        self._pairs = _Once(lambda: metrics.dimension_values(ENDPOINT_NAMESPACE, INVOCATIONS, VARIANT_DIMENSIONS))
        self._components = _Once(sagemaker.component_endpoints)

    def page(self, refs: Sequence[EndpointRef], out_of_time: Callable[[], bool]) -> dict[str, Snapshot]:
        """Name -> snapshot of the listed endpoints, in order, for as many as time allows: the busy ones from
        the metrics alone, the others described (read ahead, taken one at a time), the deadline checked
        between two (so that no step outlasts the hand-off margin), then their variants measured together.
        The first is always read: the sweep checked the deadline right before it. Those not read are absent."""
        listed = self._listed_tags()
        busy = self.busy(refs, listed)
        described = self.described([r for r in refs if r.name not in busy], listed, out_of_time)
        return {
            r.name: Busy(r, listed.get(r.arn.lower(), {}), busy[r.name]) if r.name in busy else described[r.name]
            for r in refs
            if r.name in busy or r.name in described
        }

    def busy(self, refs: Iterable[EndpointRef], listed: Tags) -> dict[str, float]:
        """Name -> invocations in its window, of each endpoint ``busy_without_describing`` recognises, from
        ListMetrics, GetMetricData (every listed pair of these endpoints together) and, only if some
        endpoint had traffic, ListInferenceComponents. Should a read fail, none is recognised: every
        endpoint is then described, as the event path does."""
        policy = self._policy.idle_inference.endpoints
        if not policy.enabled:
            return {}
        windows: dict[str, tuple[int, Mapping[str, str]]] = {}
        for ref in refs:
            tags = listed.get(ref.arn.lower(), {})
            hours = idle_hours_from_tags(tags, policy.idle_hours)
            if isinstance(hours, int):
                windows[ref.name] = (hours, tags)
        pairs = self._pairs()
        if pairs is None:
            return {}
        now = self._clock()
        queries = [invocations_query(e, v, windows[e][0], now) for e, v in sorted(pairs) if e in windows]
        totals = _or_none(lambda: summed(self._metrics.fetch(queries), {q.key for q in queries}))
        if totals is None:
            return {}
        traffic = {name: total for name, total in totals.items() if total is not None and total > 0}
        components = self._components() if traffic else set()
        if components is None:
            return {}
        return {
            name: total
            for name, total in traffic.items()
            if busy_without_describing(windows[name][1], total, name in components, policy)
        }

    def described(
        self, refs: Sequence[EndpointRef], listed: Tags | None, out_of_time: Callable[[], bool] = lambda: False
    ) -> dict[str, Described | Gone | Unreadable]:
        """Name -> each endpoint described, with its usage, taken one endpoint at a time until ``out_of_time``
        (the first always; the next ones' reads made ahead meanwhile). ``listed``: the tagging listing, read
        once for the sweep instead of per endpoint; None to read each endpoint's tags."""
        found: dict[str, Endpoint] = {}
        snapshots: dict[str, Described | Gone | Unreadable] = {}
        policy = self._policy.idle_inference.endpoints

        def one(ref: EndpointRef) -> Endpoint | Gone | Unreadable:
            endpoint = read(GUARDRAIL, ref.resource, self._reader(ref, listed))
            if not isinstance(endpoint, Endpoint):
                return GONE if endpoint is None else endpoint
            if endpoint.status == "InService" and not is_exempt(endpoint.tags):
                return read(GUARDRAIL, endpoint.resource, self._scaling(endpoint))
            return endpoint

        # Each endpoint's reads are its own: made ahead on the read threads, taken in listing order, the
        # deadline checked between two (ecoguard.overlap).
        with overlap.ahead(one, refs) as taken:
            for index, ref in enumerate(refs):
                if index and out_of_time():
                    break
                endpoint = taken(index)
                if isinstance(endpoint, Endpoint):
                    found[ref.name] = endpoint
                else:
                    snapshots[ref.name] = endpoint
        measured = [e for e in found.values() if needs_usage(e, policy)]
        totals = summed(
            self._metrics.fetch(usage_queries(measured, self._policy, self._clock())), (e.name for e in measured)
        )
        for name, endpoint in found.items():
            snapshots[name] = Described(endpoint, totals.get(name), listed_tags=listed is not None)
        return snapshots

    def tags_read_now(self, snapshot: Described) -> Described | Unreadable:
        """``snapshot`` with its endpoint's tags read now (ListTags), not as the tagging listing showed them."""
        endpoint = snapshot.endpoint
        tags = read(GUARDRAIL, endpoint.resource, lambda: self._sm.tags(endpoint.arn))
        if isinstance(tags, Unreadable):
            return tags
        if tags is GONE:
            return Unreadable(GUARDRAIL, endpoint.resource, "its tags could not be read: not found")
        return replace(snapshot, endpoint=replace(endpoint, tags=tags), listed_tags=False)

    def reread(self, snapshot: Described) -> tuple[Described | None, bool]:
        """The endpoint as it is right before its deletion (None: gone), and whether what the decision rests on
        changed since ``snapshot``: its status, LastModifiedTime and tags (the tagging listing can lag), its
        invocations up to now (any since the decision keep it), whether its configuration and models still exist
        (else the deletion could not be undone), and its autoscaling, which the deletion removes and the restore
        puts back."""
        before = snapshot.endpoint
        endpoint = self._sm.endpoint(before.name)
        if endpoint is None:
            return None, True
        policy = self._policy.idle_inference.endpoints
        invocations = None
        if needs_usage(endpoint, policy):
            queries = usage_queries([endpoint], self._policy, self._clock())
            invocations = summed(self._metrics.fetch(queries), [endpoint.name]).get(endpoint.name)
        ids = {variant_resource_id(endpoint.name, v.name): v.name for v in endpoint.variants}
        endpoint = replace(
            endpoint,
            gone_parts=self._sm.gone_parts(endpoint.config_name),
            config=self._sm.creatable_config(endpoint.config_name),
            autoscaling=self._aas.restorable(dict.fromkeys(ids, VARIANT_DIMENSION)),
        )
        changed = (endpoint.status, endpoint.in_service_since, dict(endpoint.tags), invocations) != (
            before.status,
            before.in_service_since,
            dict(before.tags),
            snapshot.invocations,
        )
        return Described(endpoint, invocations, listed_tags=False), changed

    def _reader(self, ref: EndpointRef, listed: Tags | None) -> Callable[[], Endpoint | None]:
        tags = None if listed is None else listed.get(ref.arn.lower(), {})
        return lambda: self._sm.endpoint(ref.name, tags)

    def _scaling(self, endpoint: Endpoint) -> Callable[[], Endpoint]:
        """The endpoint with what its scale-to-zero acts on: its inference components' copies and scaling
        targets, or its asynchronous variants' targets (as the policy has them scaled)."""
        policy = self._policy.idle_inference.endpoints

        def reader() -> Endpoint:
            if endpoint.inference_components and policy.components_scale_to_zero:
                components = self._sm.inference_components(endpoint.name)
                ids = {component_resource_id(c.name): c.name for c in components}
                scaling = self._aas.scaling(dict.fromkeys(ids, COMPONENT_DIMENSION))
                targets = targets_by_name(scaling, ids)
                return replace(endpoint, components=components, component_scaling=targets, autoscaling=scaling)
            if endpoint.asynchronous and policy.async_scale_to_zero:
                return replace(endpoint, **self._variant_scaling(endpoint))
            return endpoint

        return reader

    def _variant_scaling(self, endpoint: Endpoint) -> dict[str, Any]:
        ids = {variant_resource_id(endpoint.name, v.name): v.name for v in endpoint.variants}
        scaling = self._aas.scaling(dict.fromkeys(ids, VARIANT_DIMENSION))
        return {"scaling": targets_by_name(scaling, ids), "autoscaling": scaling}


class Pages:
    """The sweep's pages of endpoint references, and the snapshots of the current page's endpoints, read
    together when the first of them is handled, from that one on, for as long as time allows
    (``Collector.page``): a resumed sweep reads none it handled."""

    def __init__(self, sagemaker: SageMakerAdapter, collector: Collector, out_of_time: Callable[[], bool]) -> None:
        self._sm = sagemaker
        self._collector = collector
        self._out_of_time = out_of_time
        self._refs: Sequence[EndpointRef] = ()
        self._snapshots: dict[str, Snapshot] = {}

    def page(self, token: str | None) -> Page[EndpointRef]:
        page = self._sm.endpoint_page(token)
        self._refs, self._snapshots = page.items, {}
        return page

    def snapshot(self, ref: EndpointRef) -> Snapshot:
        if ref.name not in self._snapshots:
            self._snapshots = self._collector.page(self._refs[self._refs.index(ref) :], self._out_of_time)
        return self._snapshots.pop(ref.name)
