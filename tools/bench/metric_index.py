"""GetMetricData answered from an index, in the quota model's account.

moto answers each MetricStat query by scanning every datapoint in the window once per period of the query
(``CloudWatchBackend.get_metric_data``): a page of 100 notebooks over a day of 5-minute periods is about
3 million comparisons, 1.5 s of the simulator's CPU a call, on the sweep's own thread. CloudWatch answers a
GetMetricData call in one round trip, which the quota model already charges (``quota.QuotaModel.latency_s``),
so that CPU is the simulator's, not the sweep's, and hides what the sweep itself waits for.

``indexed()`` answers the same queries with the same values, in the same order, from the window's datapoints
grouped once per call by what moto matches them on (the metric's name and dimensions; its namespace too when a
query names no dimension), then by period. It keeps moto's own matching: dimensions compared after moto's
``sorted`` (``Dimension.__lt__``), the namespace not compared when a query names dimensions. A call it cannot
answer alike (an Expression query, or a dimension without a value) goes to moto unchanged.
``tests/unit/test_bench_metric_index.py`` holds the two answers equal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from moto.cloudwatch.models import CloudWatchBackend, Dimension, MetricDatumBase, Statistics


def _dimension_key(dimensions: list[Dimension]) -> tuple[tuple[str | None, str | None], ...]:
    return tuple((d.name, d.value) for d in sorted(dimensions))


def _answerable(queries: list[dict[str, Any]]) -> bool:
    for query in queries:
        if "MetricStat" not in query or "Expression" in query:
            return False
        if any(d.get("Value") is None for d in query["MetricStat"]["Metric"].get("Dimensions", [])):
            return False
    return True


def _grouped(period_data: list[MetricDatumBase]) -> dict[Hashable, list[MetricDatumBase]]:
    groups: dict[Hashable, list[MetricDatumBase]] = defaultdict(list)
    for datum in period_data:
        groups[("dimensions", datum.name, _dimension_key(datum.dimensions))].append(datum)
        groups[("namespace", datum.namespace, datum.name)].append(datum)
    return groups


def _answer(
    query: dict[str, Any], groups: dict[Hashable, list[MetricDatumBase]], start: datetime, scan_by: str
) -> dict[str, Any]:
    stat_query = query["MetricStat"]
    metric = stat_query["Metric"]
    dimensions = [Dimension(d["Name"], d["Value"]) for d in metric.get("Dimensions", [])]
    key: Hashable = (
        ("dimensions", metric["MetricName"], _dimension_key(dimensions))
        if dimensions
        else ("namespace", metric["Namespace"], metric["MetricName"])
    )
    unit = stat_query.get("Unit")
    delta = timedelta(seconds=int(stat_query["Period"]))
    periods: dict[int, list[MetricDatumBase]] = defaultdict(list)
    for datum in groups.get(key, []):
        if not unit or datum.unit == unit:
            periods[(datum.timestamp - start) // delta].append(datum)
    values: list[Any] = []
    timestamps: list[datetime] = []
    for index in sorted(periods):
        stats = Statistics([stat_query["Stat"]], start + index * delta)
        stats.metric_data = periods[index]
        values.append(stats.get_statistics_for_type(stat_query["Stat"]))
        timestamps.append(stats.timestamp)
    if scan_by == "TimestampDescending":
        values.reverse()
        timestamps.reverse()
    label = query.get("Label") or f"{metric['MetricName']} {stat_query['Stat']}"
    return {"id": query["Id"], "label": label, "values": values, "timestamps": timestamps, "status_code": "Complete"}


@contextmanager
def indexed() -> Iterator[None]:
    """While open, the simulator answers GetMetricData from an index (above)."""
    original = CloudWatchBackend.get_metric_data

    def get_metric_data(
        self: CloudWatchBackend,
        queries: list[dict[str, Any]],
        start_time: datetime,
        end_time: datetime,
        scan_by: str = "TimestampAscending",
    ) -> list[dict[str, Any]]:
        start, end = start_time.replace(microsecond=0), end_time.replace(microsecond=0)
        if start >= end or not _answerable(queries):
            return original(self, queries, start_time, end_time, scan_by)
        groups = _grouped([d for d in self.get_all_metrics() if start <= d.timestamp < end])
        return [_answer(q, groups, start, scan_by) for q in queries if q.get("ReturnData", True)]

    CloudWatchBackend.get_metric_data = get_metric_data  # type: ignore[method-assign]
    try:
        yield
    finally:
        CloudWatchBackend.get_metric_data = original  # type: ignore[method-assign]
