"""The serving advisor's AWS side: read-only. It has no action units: it only records findings.

``ServingAdvisorRunner`` sweeps InService endpoints (100 a page, by name; resumable), and for each page:
describes the endpoints (their tags from one tagging listing per invocation), fetches every variant's
metrics in one batched GetMetricData round (``ceil(queries / 500)`` calls), reads each endpoint's open
findings from the guardrail's state, decides consolidation over the page, and runs each endpoint's plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Protocol

from ecoguard import overlap
from ecoguard.adapters.metrics import MetricQuery, MetricsAdapter, Series
from ecoguard.adapters.serving import ServingAdapter
from ecoguard.adapters.serving_metrics import key, usage_of, variant_queries
from ecoguard.adapters.tagging import TaggingAdapter
from ecoguard.decisions import OUT_OF_SCOPE, Plan, Unreadable
from ecoguard.guardrails.idle_endpoint import EndpointRef
from ecoguard.guardrails.serving_advisor import (
    GUARDRAIL,
    ObservedEndpoint,
    OpenFindings,
    Recommendation,
    ServedEndpoint,
    advise,
    consolidation,
    window,
    window_hours,
)
from ecoguard.guardrails.tags import is_exempt
from ecoguard.instances import lookup
from ecoguard.listed_ahead import ListedAhead
from ecoguard.paging import Page
from ecoguard.reading import GONE, Gone, read
from ecoguard.runner import GuardrailRunner
from ecoguard.state import StateItem, StateStore
from ecoguard.summary import Trigger
from ecoguard.sweep import SweepResult
from ecoguard.units import Clients, Registry
from ecoguard.wiring import Wiring


class Endpoints(Protocol):
    def page(self, token: str | None) -> Page[EndpointRef]: ...

    def tags(self) -> dict[str, dict[str, str]]: ...

    def endpoint(self, ref: EndpointRef, tags: Mapping[str, str]) -> ServedEndpoint | None: ...


class Metrics(Protocol):
    def fetch(self, queries: Iterable[MetricQuery]) -> list[tuple[MetricQuery, Series]]: ...


class OpenState(Protocol):
    def get_many(self, keys: Sequence[str]) -> dict[str, OpenFindings]: ...


class StoredOpenState:
    """The open findings of each endpoint, in the guardrail's ``StateStore``."""

    def __init__(self, store: StateStore) -> None:
        self._store = store

    def get_many(self, keys: Sequence[str]) -> dict[str, OpenFindings]:
        """A page's endpoints' open findings in few reads (``StateStore.get_many``: BatchGetItem)."""
        return {key: self._open(item) for key, item in self._store.get_many(keys).items()}

    @staticmethod
    def _open(item: StateItem) -> OpenFindings:
        return OpenFindings(dict(item.value.get("open", {})), item.version)


def connect(clients: Clients) -> Endpoints:
    return ServingAdapter(clients("sagemaker"), TaggingAdapter(clients("resourcegroupstaggingapi")))


REGISTRY = Registry[Endpoints](GUARDRAIL, "ServingAdvisorFunction", (), connect)


@dataclass(frozen=True)
class Snapshot:
    observed: ObservedEndpoint | Unreadable | None  # None: gone since it was listed
    extra: tuple[Recommendation, ...] = field(default=())


def _grouped(
    observed: ObservedEndpoint | Unreadable, grouped: Mapping[str, Recommendation]
) -> tuple[Recommendation, ...]:
    if isinstance(observed, ObservedEndpoint) and observed.endpoint.name in grouped:
        return (grouped[observed.endpoint.name],)
    return ()


class ServingAdvisorRunner(GuardrailRunner):
    guardrail = GUARDRAIL

    def __init__(
        self, wiring: Wiring, endpoints: Endpoints, metrics: Metrics, open_state: OpenState, state: StateStore | None
    ) -> None:
        super().__init__(wiring, state=state)
        self._endpoints = endpoints
        self._metrics = metrics
        self._open = open_state

    @classmethod
    def build(cls, wiring: Wiring) -> ServingAdvisorRunner:
        clients = wiring.clients
        state = wiring.state(GUARDRAIL)
        endpoints = ServingAdapter(clients("sagemaker"), TaggingAdapter(clients("resourcegroupstaggingapi")))
        return cls(wiring, endpoints, MetricsAdapter(clients("cloudwatch")), StoredOpenState(state), state)

    def plan(self, snapshot: Snapshot) -> Plan:
        if snapshot.observed is None:
            return OUT_OF_SCOPE
        if isinstance(snapshot.observed, Unreadable):
            return Plan(unreadable=snapshot.observed)
        return advise(snapshot.observed, self._policy.serving_advisor, snapshot.extra)

    def collect(
        self,
        refs: Iterable[EndpointRef],
        tags: Mapping[str, Mapping[str, str]],
        pages: ListedAhead[EndpointRef, Snapshot] | None = None,
    ) -> list[Snapshot]:
        """Describe, measure (one batched round for the page) and read the open state of ``refs``; every call on
        ``pages``' pool when the page is one of theirs (``ecoguard.listed_ahead``)."""
        policy = self._policy.serving_advisor
        start, end = window(self._clock(), policy.window_days)

        def describe(ref: EndpointRef) -> ServedEndpoint | Unreadable | Gone | None:
            listed = tags.get(ref.arn.lower(), {})
            if is_exempt(listed):  # skipped without describing it (the tagging listing names it exempt)
                return ServedEndpoint(ref.name, ref.arn, "", (), listed)
            return read(GUARDRAIL, ref.resource, partial(self._endpoints.endpoint, ref, listed))

        # Each endpoint's reads are its own: overlapped, the results in listing order (ecoguard.overlap).
        read_all = overlap.read_all(describe, list(refs), pool=pages.pool if pages else None)
        described = [e for e in read_all if e is not GONE and e is not None]
        served = [
            e for e in described if isinstance(e, ServedEndpoint) and not (e.serverless or e.inference_components)
        ]
        queries = [
            query
            for e in served
            for v in e.variants
            for query in variant_queries(
                e.name, v.name, lookup(v.instance_type or ""), start, end, asynchronous=e.asynchronous
            )
        ]

        def measured() -> list[tuple[MetricQuery, Series]]:
            return self._metrics.fetch(queries) if queries else []

        def opened() -> dict[str, OpenFindings]:
            return self._open.get_many([e.name for e in described if isinstance(e, ServedEndpoint)])

        usage = usage_of(pages.call(measured) if pages else measured(), window_hours(policy.window_days))
        open_state = pages.call(opened) if pages else opened()

        def with_state(e: ServedEndpoint | Unreadable) -> ObservedEndpoint | Unreadable:
            if isinstance(e, Unreadable):
                return e
            mine = {v.name: usage[key(e.name, v.name)] for v in e.variants if key(e.name, v.name) in usage}
            return ObservedEndpoint(e, mine, open_state[e.name])

        observed = [with_state(e) for e in described]
        grouped = consolidation([o for o in observed if isinstance(o, ObservedEndpoint)], policy)
        return [
            Snapshot(
                o, (grouped[o.endpoint.name],) if isinstance(o, ObservedEndpoint) and o.endpoint.name in grouped else ()
            )
            for o in observed
        ]

    def sweep(self, trigger: Trigger) -> SweepResult:
        """Advise on every InService endpoint, resuming from this run's checkpoint if there is one."""
        tags = cache(self._endpoints.tags)

        def listing(token: str | None) -> Page[EndpointRef]:
            page = self._endpoints.page(token)
            tags()  # read with the sweep's first page, before any page is read ahead
            return page

        if not self._policy.serving_advisor.enabled:
            return self.run_sweep(trigger, lambda _token: Page((), None), self.plan)
        # The advisor changes no endpoint: the next page is listed and read while a page is measured.
        with ListedAhead[EndpointRef, Snapshot](
            listing, lambda page: Page(self.collect(page.items, tags(), pages), page.next_token)
        ) as pages:
            return self.run_sweep(trigger, pages, self.plan)
