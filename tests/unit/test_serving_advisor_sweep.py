"""The serving advisor's sweep against in-memory ports: GetMetricData calls at 1,000 endpoints against
their lower bound, every query per variant (never by EndpointName alone), and findings opened once and
closed across weekly runs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from ecoguard.actions.serving_advisor import ServingAdvisorRunner, StoredOpenState
from ecoguard.adapters.metrics import MAX_QUERIES, MetricsAdapter
from ecoguard.decisions import Mode, Outcome
from ecoguard.guardrails.idle_endpoint import EndpointRef
from ecoguard.guardrails.serving_advisor import GUARDRAIL, SMALLER, ServedEndpoint
from ecoguard.paging import Page
from ecoguard.summary import Trigger
from tests.builders.serving_advisor import NOW, endpoint
from tests.unit.fakes import MemoryAuditTrail, MemoryStateStore, wired

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

PAGE = 100
NAMESPACES = {
    "Invocations": "AWS/SageMaker",
    "ModelLatency": "AWS/SageMaker",
    "CPUUtilization": "/aws/sagemaker/Endpoints",
    "MemoryUtilization": "/aws/sagemaker/Endpoints",
    "GPUUtilization": "/aws/sagemaker/Endpoints",
    "GPUMemoryUtilization": "/aws/sagemaker/Endpoints",
}


class FakeEndpoints:
    def __init__(self, count: int, instance_type: str = "ml.m5.xlarge") -> None:
        self.served = {f"ep-{i:04d}": endpoint(f"ep-{i:04d}", instance_type) for i in range(count)}
        self.listed_tags: dict[str, dict[str, str]] = {}
        self.described: list[str] = []

    def page(self, token: str | None) -> Page[EndpointRef]:
        names = sorted(self.served)
        start = int(token or 0)
        refs = tuple(EndpointRef(n, self.served[n].arn) for n in names[start : start + PAGE])
        return Page(refs, str(start + PAGE) if start + PAGE < len(names) else None)

    def tags(self) -> dict[str, dict[str, str]]:
        return self.listed_tags

    def endpoint(self, ref: EndpointRef, tags: Mapping[str, str]) -> ServedEndpoint | None:
        self.described.append(ref.name)
        return self.served.get(ref.name)


class FakeCloudWatch:
    """GetMetricData as CloudWatch answers it: every hour 100 invocations; CPU at ``cpu``, memory 10 %."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.cpu = 100.0

    def get_metric_data(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        results = []
        for query in kwargs["MetricDataQueries"]:
            stat = query["MetricStat"]
            name, period = stat["Metric"]["MetricName"], stat["Period"]
            stamps = [kwargs["StartTime"] + timedelta(seconds=period * i) for i in range(int(14 * 86400 / period))]
            value = {"Invocations": 100.0, "ModelLatency": 20_000.0, "CPUUtilization": self.cpu}.get(name, 10.0)
            results.append({"Id": query["Id"], "Timestamps": stamps, "Values": [value] * len(stamps)})
        return {"MetricDataResults": results}


def runner(
    endpoints: FakeEndpoints, cloudwatch: FakeCloudWatch, state: MemoryStateStore, audit: MemoryAuditTrail
) -> ServingAdvisorRunner:
    return ServingAdvisorRunner(
        wired(audit, mode=Mode.DRY_RUN, clock=lambda: NOW, remaining_ms=lambda: 900_000),
        endpoints,
        MetricsAdapter(cast("CloudWatchClient", cloudwatch)),
        StoredOpenState(state),
        state,
    )


def test_given_1000_endpoints_then_get_metric_data_calls_are_ceil_queries_over_500_per_page() -> None:
    cloudwatch = FakeCloudWatch()
    audit = MemoryAuditTrail()
    result = runner(FakeEndpoints(1000), cloudwatch, MemoryStateStore(GUARDRAIL, Mode.DRY_RUN), audit).sweep(
        Trigger("weekly-1", "Scheduled Event weekly-1")
    )
    assert result.finished and result.summary.evaluated == 1000
    queries = sum(len(c["MetricDataQueries"]) for c in cloudwatch.calls)
    assert queries == 1000 * 4  # a CPU instance: Invocations, ModelLatency, CPU, memory
    per_page = math.ceil(PAGE * 4 / MAX_QUERIES)
    assert len(cloudwatch.calls) == 10 * per_page == 10
    assert math.ceil(queries / MAX_QUERIES) == 8  # the lower bound, were every page's queries pooled
    assert all(len(c["MetricDataQueries"]) <= MAX_QUERIES for c in cloudwatch.calls)


def test_every_query_names_the_variant_and_the_namespace_of_its_metric() -> None:
    cloudwatch = FakeCloudWatch()
    endpoints = FakeEndpoints(3, "ml.g5.12xlarge")
    runner(endpoints, cloudwatch, MemoryStateStore(GUARDRAIL, Mode.DRY_RUN), MemoryAuditTrail()).sweep(
        Trigger("weekly-1", "Scheduled Event weekly-1")
    )
    sent = [q["MetricStat"]["Metric"] for c in cloudwatch.calls for q in c["MetricDataQueries"]]
    assert len(sent) == 3 * 6  # a GPU instance adds GPU and GPU memory
    for metric in sent:
        assert [d["Name"] for d in metric["Dimensions"]] == ["EndpointName", "VariantName"]
        assert metric["Namespace"] == NAMESPACES[metric["MetricName"]]
    assert not [m for m in sent if {d["Name"] for d in m["Dimensions"]} == {"EndpointName"}]


def test_a_recommendation_is_recorded_once_while_open_and_closed_when_its_signal_goes() -> None:
    endpoints, cloudwatch = FakeEndpoints(2), FakeCloudWatch()
    state, audit = MemoryStateStore(GUARDRAIL, Mode.DRY_RUN), MemoryAuditTrail()

    def week(n: int) -> list[tuple[str, str]]:
        before = set(audit.items)
        runner(endpoints, cloudwatch, state, audit).sweep(Trigger(f"weekly-{n}", "Scheduled Event"))
        return sorted((audit.items[k].resource.name, audit.items[k].action) for k in set(audit.items) - before)

    assert week(1) == [("ep-0000", f"finding:{SMALLER}"), ("ep-0001", f"finding:{SMALLER}")]
    assert all(r.outcome is Outcome.FINDING for r in audit.items.values())
    assert week(2) == []  # still open, on the same configuration: not recorded again
    cloudwatch.cpu = 390.0  # 97.5 % of each vCPU: the smaller size no longer fits
    assert week(3) == [("ep-0000", f"finding:{SMALLER}-closed"), ("ep-0001", f"finding:{SMALLER}-closed")]
    assert state.items == {}
    assert week(4) == []


def test_an_endpoint_the_tagging_listing_names_exempt_is_skipped_without_being_described_or_measured() -> None:
    endpoints, cloudwatch, audit = FakeEndpoints(2), FakeCloudWatch(), MemoryAuditTrail()
    endpoints.listed_tags = {endpoints.served["ep-0001"].arn.lower(): {"ecoguard:exempt": "true"}}
    runner(endpoints, cloudwatch, MemoryStateStore(GUARDRAIL, Mode.DRY_RUN), audit).sweep(Trigger("w", "Scheduled"))
    assert endpoints.described == ["ep-0000"]
    assert {
        q["MetricStat"]["Metric"]["Dimensions"][0]["Value"] for c in cloudwatch.calls for q in c["MetricDataQueries"]
    } == {"ep-0000"}
    outcomes = {(r.resource.name, r.outcome) for r in audit.items.values()}
    assert outcomes == {("ep-0000", Outcome.FINDING), ("ep-0001", Outcome.SKIPPED)}
