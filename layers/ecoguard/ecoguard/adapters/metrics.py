"""CloudWatch GetMetricData in as few calls as possible.

GetMetricData takes at most 500 queries a call (CloudWatch API reference, GetMetricData,
MetricDataQueries); the batching keeps every call within ``MAX_QUERIES``, and asserts it. Queries that
share a time range share calls; ``NextToken`` pages are followed until every query is complete.

ListMetrics returns up to 500 metrics a call and takes no page size; it omits metrics that have
reported no data in the past two weeks (CloudWatch API reference, ListMetrics).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ecoguard.errors import calling

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

MAX_QUERIES = 500
LIST_METRICS_PAGE = 500


@dataclass(frozen=True)
class MetricQuery:
    """One metric, one statistic, over ``[start, end)``. ``key`` groups results (e.g. an endpoint)."""

    key: str
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    period: int
    start: datetime
    end: datetime


@dataclass
class Series:
    """Every datapoint of one query. ``complete`` is False if CloudWatch could not return them all."""

    timestamps: list[datetime]
    values: list[float]
    complete: bool = True


def batches[T](items: Sequence[T], size: int = MAX_QUERIES) -> list[Sequence[T]]:
    assert 0 < size <= MAX_QUERIES, f"GetMetricData takes at most {MAX_QUERIES} queries a call"
    return [items[i : i + size] for i in range(0, len(items), size)]


class MetricsAdapter:
    def __init__(self, cloudwatch: CloudWatchClient) -> None:
        self._cw = cloudwatch

    def dimension_values(self, namespace: str, metric: str, names: tuple[str, ...]) -> set[tuple[str, ...]]:
        """The values of ``names``, in that order, of every metric ``metric`` in ``namespace`` whose dimensions
        are exactly ``names`` (every page). ListMetrics also returns metrics with further dimensions (per
        instance, per container): those are left out."""
        found: set[tuple[str, ...]] = set()
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {
                "Namespace": namespace,
                "MetricName": metric,
                "Dimensions": [{"Name": name} for name in names],
            }
            if token:
                kwargs["NextToken"] = token
            response = calling(self._cw.list_metrics, **kwargs)
            metrics = response.get("Metrics", [])
            assert len(metrics) <= LIST_METRICS_PAGE, f"{len(metrics)} metrics in one ListMetrics page"
            for listed in metrics:
                if listed.get("Namespace", namespace) != namespace or listed.get("MetricName", metric) != metric:
                    continue
                values = {d["Name"]: d.get("Value", "") for d in listed.get("Dimensions", [])}
                if set(values) == set(names):
                    found.add(tuple(values[name] for name in names))
            token = response.get("NextToken") or None
            if token is None:
                return found

    def fetch(self, queries: Iterable[MetricQuery]) -> list[tuple[MetricQuery, Series]]:
        """Every query's series, in the order given."""
        ordered = list(queries)
        by_range: dict[tuple[datetime, datetime], list[int]] = defaultdict(list)
        for index, query in enumerate(ordered):
            by_range[(query.start, query.end)].append(index)
        results: dict[int, Series] = {}
        for (start, end), indexes in by_range.items():
            for batch in batches(indexes):
                results.update(self._call(ordered, batch, start, end))
        return [(ordered[i], results[i]) for i in range(len(ordered))]

    def _call(
        self, ordered: list[MetricQuery], batch: Sequence[int], start: datetime, end: datetime
    ) -> dict[int, Series]:
        assert len(batch) <= MAX_QUERIES, f"{len(batch)} queries in one GetMetricData call (limit {MAX_QUERIES})"
        request = [
            {
                "Id": f"q{i}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": ordered[i].namespace,
                        "MetricName": ordered[i].metric,
                        "Dimensions": [{"Name": n, "Value": v} for n, v in ordered[i].dimensions],
                    },
                    "Period": ordered[i].period,
                    "Stat": ordered[i].stat,
                },
                "ReturnData": True,
            }
            for i in batch
        ]
        series = {i: Series([], []) for i in batch}
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"MetricDataQueries": request, "StartTime": start, "EndTime": end}
            if token:
                kwargs["NextToken"] = token
            response = calling(self._cw.get_metric_data, **kwargs)
            for result in response.get("MetricDataResults", []):
                current = series[int(str(result["Id"])[1:])]
                current.timestamps.extend(result.get("Timestamps", []))
                current.values.extend(float(v) for v in result.get("Values", []))
                if result.get("StatusCode", "Complete") not in ("Complete", "PartialData"):
                    current.complete = False
            token = response.get("NextToken") or None
            if token is None:
                return series
