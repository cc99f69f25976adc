"""The CloudWatch agent's GPU utilization of one EC2 instance, read so that nobody can fake idleness.

ListMetrics finds the instance's series (``CWAgent`` ``nvidia_smi_utilization_gpu`` with ``InstanceId``: one
per GPU, with the agent's further dimensions, ``index``, ``name``, ``host`` and others, whichever it was
configured with); each metric is listed once by CloudWatch (ListMetrics), and a dimension set seen twice
is read once. Each series is read per hour as its Maximum and its SampleCount (GetMetricData, batched by
``MetricsAdapter``), over the whole hours before ``now``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ecoguard.adapters.metrics import MetricQuery, MetricsAdapter, Series
from ecoguard.errors import calling
from ecoguard.guardrails.ec2_accelerators import GPU_METRIC, GPU_NAMESPACE, HOUR, INSTANCE_DIMENSION, GpuSeries

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient


class GpuMetricsAdapter:
    def __init__(self, cloudwatch: CloudWatchClient) -> None:
        self._cw = cloudwatch
        self._metrics = MetricsAdapter(cloudwatch)

    def dimension_sets(self, instance_id: str) -> list[tuple[tuple[str, str], ...]]:
        """Every series of the metric carrying ``InstanceId=instance_id`` (every ListMetrics page)."""
        found: dict[tuple[tuple[str, str], ...], None] = {}
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {
                "Namespace": GPU_NAMESPACE,
                "MetricName": GPU_METRIC,
                "Dimensions": [{"Name": INSTANCE_DIMENSION, "Value": instance_id}],
            }
            if token:
                kwargs["NextToken"] = token
            response = calling(self._cw.list_metrics, **kwargs)
            for listed in response.get("Metrics", []):
                dims = tuple(sorted((d["Name"], d.get("Value", "")) for d in listed.get("Dimensions", [])))
                found.setdefault(dims, None)
            token = response.get("NextToken") or None
            if token is None:
                return list(found)

    def series(self, instance_id: str, hours: int, now: datetime) -> tuple[GpuSeries, ...]:
        end = now.replace(minute=0, second=0, microsecond=0)
        start = end - timedelta(hours=hours)
        sets = self.dimension_sets(instance_id)
        queries = [
            MetricQuery(str(index), GPU_NAMESPACE, GPU_METRIC, dims, stat, HOUR, start, end)
            for index, dims in enumerate(sets)
            for stat in ("Maximum", "SampleCount")
        ]
        results = self._metrics.fetch(queries)
        by_key: dict[tuple[str, str], Series] = {(q.key, q.stat): series for q, series in results}
        out = []
        for index, dims in enumerate(sets):
            peaks, counts = by_key[(str(index), "Maximum")], by_key[(str(index), "SampleCount")]
            if not (peaks.complete and counts.complete):
                out.append(GpuSeries(dims, (), ()))  # CloudWatch could not return every datapoint: not known
                continue
            maximum = dict(zip(peaks.timestamps, peaks.values, strict=True))
            samples = dict(zip(counts.timestamps, counts.values, strict=True))
            seen = sorted(maximum)
            out.append(GpuSeries(dims, tuple(maximum[t] for t in seen), tuple(samples.get(t, 0.0) for t in seen)))
        return tuple(out)
