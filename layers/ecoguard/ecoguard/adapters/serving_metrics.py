"""The CloudWatch queries of the serving advisor, one set per endpoint variant, batched by ``MetricsAdapter``.

Every query names both dimensions, EndpointName and VariantName: SageMaker publishes endpoint metrics per
variant (SageMaker Developer Guide, "Amazon SageMaker AI metrics in Amazon CloudWatch"), and a query by
EndpointName alone matches no metric. Namespaces (same page): ``Invocations`` and ``ModelLatency``
(microseconds) in ``AWS/SageMaker``; ``CPUUtilization``, ``MemoryUtilization``, ``GPUUtilization`` and
``GPUMemoryUtilization`` in ``/aws/sagemaker/Endpoints``. GPU metrics are not asked of instances the table
says have no GPU.

Periods: Invocations hourly (Sum: the hours with and without traffic); utilization per 4 hours (Maximum, so
the p95 is of each block's busiest minute); ModelLatency once over the whole window with CloudWatch's own
``p95`` statistic (CloudWatch User Guide, "Percentiles": a percentile of period averages would hide the tail).
An asynchronous endpoint publishes no ``Invocations`` (Developer Guide, "Alarms and logs for tracking metrics
from asynchronous endpoints": "Any metric not listed below is not published"); its traffic is
``InvocationsProcessed``, "Number of async invocations processed by the endpoint" (``AWS/SageMaker``, dimensions
EndpointName and VariantName, Sum; same page), asked instead, hourly. Over the default 14 days a
variant's 4 to 6 queries return at most 336 + 1 + 84 x 4 = 673 datapoints, so 500 queries hold at most
73,500 datapoints, under GetMetricData's 100,800 a call (CloudWatch API reference, GetMetricData): a page of
queries takes ceil(queries / 500) calls, with no NextToken page.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime

from ecoguard.adapters.metric_queries import ENDPOINT_NAMESPACE, INVOCATIONS, VARIANT_DIMENSIONS
from ecoguard.adapters.metrics import MetricQuery, Series
from ecoguard.guardrails.serving_advisor import VariantUsage
from ecoguard.instances import InstanceType

UTILIZATION_NAMESPACE = "/aws/sagemaker/Endpoints"
MODEL_LATENCY = "ModelLatency"
ASYNC_INVOCATIONS = "InvocationsProcessed"
CPU, MEMORY, GPU, GPU_MEMORY = "CPUUtilization", "MemoryUtilization", "GPUUtilization", "GPUMemoryUtilization"
HOUR = 3600
BLOCK = 4 * HOUR
LATENCY_STAT = "p95"  # GetMetricData MetricStat.Stat takes percentiles (CloudWatch User Guide, "Percentiles")


def key(endpoint: str, variant: str) -> str:
    return f"{endpoint}\x1f{variant}"


def whole_window(start: datetime, end: datetime) -> int:
    """One period covering the window, in whole hours (GetMetricData: a period over data older than 15 days
    must be a multiple of 3,600 seconds)."""
    return max(1, math.ceil((end - start).total_seconds() / HOUR)) * HOUR


def variant_queries(
    endpoint: str,
    variant: str,
    instance: InstanceType | None,
    start: datetime,
    end: datetime,
    *,
    asynchronous: bool = False,
) -> list[MetricQuery]:
    """The queries of one variant: 6 (4 on an instance the table says has no GPU); an asynchronous endpoint's
    traffic is its InvocationsProcessed, as it publishes no Invocations."""
    dims = ((VARIANT_DIMENSIONS[0], endpoint), (VARIANT_DIMENSIONS[1], variant))
    metrics = [(ENDPOINT_NAMESPACE, ASYNC_INVOCATIONS if asynchronous else INVOCATIONS, "Sum", HOUR)]
    metrics += [
        (ENDPOINT_NAMESPACE, MODEL_LATENCY, LATENCY_STAT, whole_window(start, end)),
        (UTILIZATION_NAMESPACE, CPU, "Maximum", BLOCK),
        (UTILIZATION_NAMESPACE, MEMORY, "Maximum", BLOCK),
    ]
    if instance is None or instance.gpu_count:
        metrics += [
            (UTILIZATION_NAMESPACE, GPU, "Maximum", BLOCK),
            (UTILIZATION_NAMESPACE, GPU_MEMORY, "Maximum", BLOCK),
        ]
    return [
        MetricQuery(key(endpoint, variant), ns, name, dims, stat, period, start, end)
        for ns, name, stat, period in metrics
    ]


def p95(values: Sequence[float]) -> float | None:
    """The 95th percentile by nearest rank; None without values (unknown, never zero)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _p95_of(metrics: dict[str, Series], name: str) -> float | None:
    series = metrics.get(name)
    return None if series is None or not series.complete else p95(series.values)


def _latency(metrics: dict[str, Series]) -> float | None:
    """CloudWatch's p95 of the window (one datapoint); the highest if the window was cut in several."""
    series = metrics.get(MODEL_LATENCY)
    return None if series is None or not series.complete or not series.values else max(series.values)


def usage_of(results: Iterable[tuple[MetricQuery, Series]], window_hours: int) -> dict[str, VariantUsage]:
    """Each variant's usage (by ``key``) from its queries' series. An incomplete series is unknown."""
    by_key: dict[str, dict[str, Series]] = {}
    for query, series in results:
        by_key.setdefault(query.key, {})[query.metric] = series
    out = {}
    for variant_key, metrics in by_key.items():
        invocations = metrics.get(INVOCATIONS, metrics.get(ASYNC_INVOCATIONS))
        hourly = (
            None
            if invocations is None or not invocations.complete
            else dict(zip(invocations.timestamps, invocations.values, strict=False))
        )
        cpu = metrics.get(CPU)
        out[variant_key] = VariantUsage(
            window_hours=window_hours,
            hourly_invocations=hourly,
            latency_p95_us=_latency(metrics),
            cpu_p95=_p95_of(metrics, CPU),
            memory_p95=_p95_of(metrics, MEMORY),
            gpu_p95=_p95_of(metrics, GPU),
            gpu_memory_p95=_p95_of(metrics, GPU_MEMORY),
            utilization_points=len(cpu.values) if cpu is not None else 0,
            expected_points=window_hours * HOUR // BLOCK,
        )
    return out
