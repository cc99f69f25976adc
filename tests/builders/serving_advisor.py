"""Endpoints and their metrics as the serving advisor observes them (pure: no AWS)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from ecoguard.guardrails.serving_advisor import (
    ObservedEndpoint,
    OpenFindings,
    ServedEndpoint,
    VariantConfig,
    VariantUsage,
    window,
    window_hours,
)

NOW = datetime(2026, 6, 15, 12, 30, tzinfo=UTC)
DAYS = 14
START, END = window(NOW, DAYS)
HOURS = window_hours(DAYS)
BLOCKS = HOURS // 4
PYTORCH = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3-gpu-py311"
SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"


def every_hour() -> list[datetime]:
    return [START + timedelta(hours=h) for h in range(HOURS)]


def hourly(rate: Callable[[datetime], float]) -> dict[datetime, float]:
    """The hours with invocations (as CloudWatch returns them: an hour without any has no datapoint)."""
    return {t: rate(t) for t in every_hour() if rate(t) > 0}


def steady(per_hour: float) -> dict[datetime, float]:
    return hourly(lambda _t: per_hour)


def usage(
    invocations: dict[datetime, float] | None,
    *,
    latency_ms: float | None = 20.0,
    cpu: float | None = None,
    memory: float | None = None,
    gpu: float | None = None,
    gpu_memory: float | None = None,
    points: int = BLOCKS,
) -> VariantUsage:
    """A variant's usage; utilization given raw, as CloudWatch reports it (up to 100 x the devices)."""
    return VariantUsage(
        window_hours=HOURS,
        hourly_invocations=invocations,
        latency_p95_us=None if latency_ms is None else latency_ms * 1000,
        cpu_p95=cpu,
        memory_p95=memory,
        gpu_p95=gpu,
        gpu_memory_p95=gpu_memory,
        utilization_points=points,
        expected_points=BLOCKS,
    )


def endpoint(
    name: str = "ep",
    instance_type: str = "ml.m5.xlarge",
    *,
    count: int = 1,
    image: str = SKLEARN,
    variants: int = 1,
    vpc: bool = False,
    multi_model: bool = False,
    data_capture: bool = False,
    asynchronous: bool = False,
    tags: dict[str, str] | None = None,
    config: str | None = None,
) -> ServedEndpoint:
    return ServedEndpoint(
        name=name,
        arn=f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/{name}",
        config_name=config or f"{name}-config",
        variants=tuple(
            VariantConfig(f"v{i}", instance_type, count, image, multi_model, vpc) for i in range(1, variants + 1)
        ),
        tags=tags or {},
        data_capture=data_capture,
        asynchronous=asynchronous,
    )


def observed(served: ServedEndpoint, used: VariantUsage, state: OpenFindings | None = None) -> ObservedEndpoint:
    return ObservedEndpoint(served, {v.name: used for v in served.variants}, state or OpenFindings())
