"""The CloudWatch queries of the serving advisor, one set per endpoint variant, batched by ``MetricsAdapter``.

Every query names both dimensions, EndpointName and VariantName: SageMaker publishes endpoint metrics per
variant (SageMaker Developer Guide, "Amazon SageMaker AI metrics in Amazon CloudWatch"), and a query by
EndpointName alone matches no metric. Namespaces (same page): ``Invocations`` and ``ModelLatency``
(microseconds) in ``AWS/SageMaker``; ``CPUUtilization``, ``MemoryUtilization``, ``GPUUtilization`` and
``GPUMemoryUtilization`` in ``/aws/sagemaker/Endpoints``. GPU metrics are not asked of instances the table
says have no GPU.

Periods: Invocations hourly (Sum: the hours with and without traffic); the others per 4 hours (utilization:
Maximum, so the p95 is of each block's busiest minute; latency: Average). Over the default 14 days a
variant's 4 to 6 queries return at most 588 to 756 datapoints (one in four to six queries hourly), so 500
queries hold at most 73,500 datapoints, under GetMetricData's 100,800 a call (CloudWatch API reference,
GetMetricData): a page of queries takes ceil(queries / 500) calls, with no NextToken page.
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
CPU, MEMORY, GPU, GPU_MEMORY = "CPUUtilization", "MemoryUtilization", "GPUUtilization", "GPUMemoryUtilization"
HOUR = 3600
BLOCK = 4 * HOUR


def key(endpoint: str, variant: str) -> str:
    return f"{endpoint}\x1f{variant}"


def variant_queries(
    endpoint: str, variant: str, instance: InstanceType | None, start: datetime, end: datetime
) -> list[MetricQuery]:
    """The queries of one variant: 6 (4 on an instance the table says has no GPU)."""
    dims = ((VARIANT_DIMENSIONS[0], endpoint), (VARIANT_DIMENSIONS[1], variant))
    metrics = [
        (ENDPOINT_NAMESPACE, INVOCATIONS, "Sum", HOUR),
        (ENDPOINT_NAMESPACE, MODEL_LATENCY, "Average", BLOCK),
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


def usage_of(results: Iterable[tuple[MetricQuery, Series]], window_hours: int) -> dict[str, VariantUsage]:
    """Each variant's usage (by ``key``) from its queries' series. An incomplete series is unknown."""
    by_key: dict[str, dict[str, Series]] = {}
    for query, series in results:
        by_key.setdefault(query.key, {})[query.metric] = series
    out = {}
    for variant_key, metrics in by_key.items():
        invocations = metrics.get(INVOCATIONS)
        hourly = (
            None
            if invocations is None or not invocations.complete
            else dict(zip(invocations.timestamps, invocations.values, strict=False))
        )
        cpu = metrics.get(CPU)
        out[variant_key] = VariantUsage(
            window_hours=window_hours,
            hourly_invocations=hourly,
            latency_p95_us=_p95_of(metrics, MODEL_LATENCY),
            cpu_p95=_p95_of(metrics, CPU),
            memory_p95=_p95_of(metrics, MEMORY),
            gpu_p95=_p95_of(metrics, GPU),
            gpu_memory_p95=_p95_of(metrics, GPU_MEMORY),
            utilization_points=len(cpu.values) if cpu is not None else 0,
            expected_points=window_hours * HOUR // BLOCK,
        )
    return out
