"""The CloudWatch queries the guardrails measure with, built where the metrics adapter can batch them.

- SageMaker endpoint ``Invocations``: per (EndpointName, VariantName), the only dimensions it is published
  with for real-time variants (SageMaker Developer Guide, "Monitor Amazon SageMaker with Amazon CloudWatch");
  a query by EndpointName alone returns no data.
- Notebook activity: the metric ecoguard's lifecycle configuration publishes every 5 minutes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from ecoguard.adapters.metrics import MetricQuery, Series
from ecoguard.guardrails.idle_notebook import ACTIVITY_DIMENSION, ACTIVITY_METRIC, ACTIVITY_NAMESPACE

ENDPOINT_NAMESPACE = "AWS/SageMaker"
INVOCATIONS = "Invocations"
VARIANT_DIMENSIONS = ("EndpointName", "VariantName")
ACTIVITY_PERIOD = 300  # the lifecycle script publishes every 5 minutes


def _window_end(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def invocations_query(endpoint: str, variant: str, hours: int, now: datetime) -> MetricQuery:
    """The Invocations Sum of one (EndpointName, VariantName) over the ``hours`` before ``now``."""
    end = _window_end(now)
    return MetricQuery(
        key=endpoint,
        namespace=ENDPOINT_NAMESPACE,
        metric=INVOCATIONS,
        dimensions=((VARIANT_DIMENSIONS[0], endpoint), (VARIANT_DIMENSIONS[1], variant)),
        stat="Sum",
        period=hours * 3600,
        start=end - timedelta(hours=hours),
        end=end,
    )


def summed(results: Iterable[tuple[MetricQuery, Series]], keys: Iterable[str]) -> dict[str, float | None]:
    """Each key's datapoints summed over its queries (0.0 without any); None if one series is incomplete."""
    totals: dict[str, float | None] = dict.fromkeys(keys, 0.0)
    for query, series in results:
        current = totals[query.key]
        totals[query.key] = None if current is None or not series.complete else current + sum(series.values)
    return totals


def activity_query(notebook: str, hours: int, now: datetime) -> MetricQuery:
    """The peak number of active sessions ecoguard's lifecycle script reported, per 5 minutes."""
    end = _window_end(now)
    return MetricQuery(
        key=notebook,
        namespace=ACTIVITY_NAMESPACE,
        metric=ACTIVITY_METRIC,
        dimensions=((ACTIVITY_DIMENSION, notebook),),
        stat="Maximum",
        period=ACTIVITY_PERIOD,
        start=end - timedelta(hours=hours),
        end=end,
    )
