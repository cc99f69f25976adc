"""Buckets' bytes per storage class from CloudWatch (adapters/bucket_sizes.py), against a fake of the metrics
adapter: one listing, the latest day of each storage type, and "unknown" with its reason where S3 reported
nothing (never 0)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from ecoguard.adapters.bucket_sizes import NO_DATAPOINT, NOT_LISTED, BucketSizes
from ecoguard.adapters.metrics import MetricQuery, Series

NOW = datetime(2026, 12, 7, 12, 30, tzinfo=UTC)
DAY = timedelta(days=1)
MIDNIGHT = NOW.replace(hour=0, minute=0)


class FakeMetrics:
    def __init__(self, series: dict[tuple[str, str], Series]) -> None:
        self.series = series
        self.listings = 0
        self.fetched: list[list[MetricQuery]] = []

    def dimension_values(self, namespace: str, metric: str, names: tuple[str, ...]) -> set[tuple[str, ...]]:
        assert (namespace, metric, names) == ("AWS/S3", "BucketSizeBytes", ("BucketName", "StorageType"))
        self.listings += 1
        return set(self.series)

    def fetch(self, queries: Iterable[MetricQuery]) -> list[tuple[MetricQuery, Series]]:
        batch = list(queries)
        self.fetched.append(batch)
        return [(q, self.series[(q.dimensions[0][1], q.dimensions[1][1])]) for q in batch]


def test_given_buckets_then_each_reads_its_latest_day_per_storage_type_from_one_listing() -> None:
    metrics = FakeMetrics(
        {
            ("features", "StandardStorage"): Series([MIDNIGHT - DAY, MIDNIGHT], [100.0, 120.0]),
            ("features", "OneZoneIAStorage"): Series([MIDNIGHT - DAY], [50.0]),
            ("logs", "StandardStorage"): Series([], []),
        }
    )
    sizes = BucketSizes(metrics)
    found = sizes.stored(["features", "logs", "new-bucket"], NOW)
    assert found["features"].by_type == {"StandardStorage": 120, "OneZoneIAStorage": 50}
    assert found["logs"].by_type is None and found["logs"].why == f"{NO_DATAPOINT} for StandardStorage"
    assert found["new-bucket"].by_type is None and found["new-bucket"].why == NOT_LISTED
    [queries] = metrics.fetched
    assert {(q.stat, q.period) for q in queries} == {("Average", 86_400)} and len(queries) == 3
    assert sizes.stored(["features"], NOW)["features"].by_type is not None
    assert metrics.listings == 1, "the storage types are listed once per invocation"


def test_given_no_bucket_then_nothing_is_read() -> None:
    metrics = FakeMetrics({})
    assert BucketSizes(metrics).stored([], NOW) == {} and metrics.listings == 0 and metrics.fetched == []
