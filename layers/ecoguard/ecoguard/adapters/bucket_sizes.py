"""Buckets' bytes per storage class: CloudWatch's daily ``AWS/S3`` ``BucketSizeBytes``.

S3 reports it once a day per bucket and ``StorageType`` (dimensions ``BucketName`` and ``StorageType``; valid
statistic: Average; S3 User Guide, "Metrics and dimensions"), in the bucket's region. Which storage types a
bucket has is listed once per invocation (ListMetrics: every bucket of the region, 500 metrics a page), and
the latest day of each of a page's buckets is read in batched GetMetricData calls (``MetricsAdapter.fetch``:
at most 500 queries a call). A bucket ListMetrics does not list has reported no size in the past two weeks
(ListMetrics omits those): its bytes are unknown, never 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cached_property
from typing import Protocol

from ecoguard.adapters.metrics import MetricQuery, Series
from ecoguard.guardrails.storage_savings import StoredBytes

NAMESPACE = "AWS/S3"
METRIC = "BucketSizeBytes"
DIMENSIONS = ("BucketName", "StorageType")
DAY = 86_400
LOOKBACK = timedelta(days=3)  # the daily figure lands a day or more after the day it measures
NOT_LISTED = "no BucketSizeBytes reported for the bucket in the past two weeks (a new or empty bucket)"
NO_DATAPOINT = "no BucketSizeBytes datapoint in the past three days"


class Metrics(Protocol):
    """What it needs of ``adapters.metrics.MetricsAdapter``."""

    def dimension_values(self, namespace: str, metric: str, names: tuple[str, ...]) -> set[tuple[str, ...]]: ...

    def fetch(self, queries: Iterable[MetricQuery]) -> list[tuple[MetricQuery, Series]]: ...


class BucketSizes:
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    @cached_property
    def _listed(self) -> dict[str, tuple[str, ...]]:
        """Bucket name -> the storage types it reports (one listing per invocation, on first use)."""
        listed: dict[str, list[str]] = {}
        for name, storage_type in self._metrics.dimension_values(NAMESPACE, METRIC, DIMENSIONS):
            listed.setdefault(name, []).append(storage_type)
        return {name: tuple(sorted(types)) for name, types in listed.items()}

    def stored(self, buckets: Iterable[str], now: datetime) -> dict[str, StoredBytes]:
        """Each bucket's bytes per storage type on the latest day reported."""
        names = list(dict.fromkeys(buckets))
        if not names:
            return {}
        end = now.replace(second=0, microsecond=0)
        queries = [
            MetricQuery(
                name,
                NAMESPACE,
                METRIC,
                ((DIMENSIONS[0], name), (DIMENSIONS[1], t)),
                "Average",
                DAY,
                end - LOOKBACK,
                end,
            )
            for name in names
            for t in self._listed.get(name, ())
        ]
        found: dict[str, dict[str, int]] = {}
        missing: dict[str, str] = {}
        for query, series in self._metrics.fetch(queries):
            storage_type = query.dimensions[1][1]
            if not series.complete or not series.values:
                missing[query.key] = f"{NO_DATAPOINT} for {storage_type}"
                continue
            latest = max(zip(series.timestamps, series.values, strict=True))[1]
            found.setdefault(query.key, {})[storage_type] = int(latest)
        return {
            name: StoredBytes.unknown(NOT_LISTED)
            if name not in self._listed
            else StoredBytes.unknown(missing[name])
            if name in missing
            else StoredBytes(found.get(name, {}))
            for name in names
        }
