"""CloudWatch GetMetricData for per-host series (training jobs), batched: at most 500 queries a call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ecoguard.errors import calling

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

# GetMetricData accepts at most 500 MetricDataQuery structures per call (CloudWatch API reference).
MAX_QUERIES_PER_CALL = 500


@dataclass(frozen=True)
class MetricQuery:
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str = "Average"


class MetricsAdapter:
    def __init__(self, cloudwatch: CloudWatchClient) -> None:
        self._cw = cloudwatch

    def series(
        self, queries: Sequence[MetricQuery], start: datetime, end: datetime, period: int
    ) -> list[dict[datetime, float]]:
        """One ``{period start: value}`` per query, in the order given."""
        results: list[dict[datetime, float]] = [{} for _ in queries]
        for offset in range(0, len(queries), MAX_QUERIES_PER_CALL):
            batch = queries[offset : offset + MAX_QUERIES_PER_CALL]
            self._fetch(batch, offset=offset, results=results, start=start, end=end, period=period)
        return results

    def _fetch(
        self,
        batch: Sequence[MetricQuery],
        *,
        offset: int,
        results: list[dict[datetime, float]],
        start: datetime,
        end: datetime,
        period: int,
    ) -> None:
        assert len(batch) <= MAX_QUERIES_PER_CALL, "GetMetricData takes at most 500 queries"
        kwargs: dict[str, Any] = {
            "MetricDataQueries": [
                {
                    "Id": f"q{offset + i}",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": q.namespace,
                            "MetricName": q.metric,
                            "Dimensions": [{"Name": n, "Value": v} for n, v in q.dimensions],
                        },
                        "Period": period,
                        "Stat": q.stat,
                    },
                    "ReturnData": True,
                }
                for i, q in enumerate(batch)
            ],
            "StartTime": start,
            "EndTime": end,
            "ScanBy": "TimestampAscending",
        }
        while True:
            response = calling(self._cw.get_metric_data, **kwargs)
            for result in response.get("MetricDataResults", []):
                index = int(result["Id"][1:])
                for stamp, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
                    results[index][stamp.astimezone(UTC)] = float(value)
            if not response.get("NextToken"):
                return
            kwargs["NextToken"] = response["NextToken"]
