"""Named shim for moto 5.2.5's gap in CloudWatch percentiles.

``moto_has_no_percentiles``: GetMetricData's ``MetricStat.Stat`` takes percentiles (``p95``, ``p99.9``:
CloudWatch User Guide, "Percentiles"; CloudWatch API reference, MetricStat), but moto computes only Sum,
Average, Minimum, Maximum and SampleCount, and answers ``None`` for any other statistic. While the shim lasts,
a percentile ``pNN`` is the nearest-rank percentile of the period's raw values (a datapoint sent as a
StatisticSet counts as its Maximum: CloudWatch itself cannot compute exact percentiles from statistic sets).

``moto_sorts_dimensions_wrongly``: GetMetricData matches a query's dimensions against a datum's by comparing
both lists sorted, but moto's ``Dimension.__lt__`` compares a value with a name, so the same two dimensions
in another order do not match (AWS/S3 ``BucketSizeBytes`` is stored as StorageType, BucketName; CloudWatch
itself matches dimensions in any order: CloudWatch User Guide, "Dimensions"). While the shim lasts,
dimensions sort by (name, value).

``moto_bucket_size_is_not_the_objects_bytes``: moto's AWS/S3 ``BucketSizeBytes`` is the Python size of its
key objects (``sys.getsizeof``), all as ``StandardStorage``. While the shim lasts, it is each storage class's
bytes of the buckets' current objects (S3 User Guide, "Metrics and dimensions": one ``StorageType`` per
class), dated today at midnight as moto dates it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, SupportsFloat
from unittest.mock import patch

from moto.cloudwatch.models import Dimension, MetricDatum, Statistics
from moto.core.utils import utcnow
from moto.s3.models import S3Backend, s3_backends
from moto.utilities.utils import get_partition

_MOTO_STATISTIC = Statistics.get_statistics_for_type
PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100)$")


def percentile(values: list[float], rank: float) -> float | None:
    """The nearest-rank ``rank``-th percentile; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(rank / 100 * len(ordered)) - 1)]


def _statistic(self: Statistics, stat: str) -> SupportsFloat | None:
    match = PERCENTILE.match(stat)
    if match is None:
        return _MOTO_STATISTIC(self, stat)
    values = list(self.metric_single_values_list) + [float(s.max) for s in self.metric_aggregated_list]
    return percentile(values, float(match.group(1)))


@contextmanager
def percentile_shim() -> Iterator[Any]:
    """``moto_has_no_percentiles``, while the context lasts."""
    with patch.object(Statistics, "get_statistics_for_type", _statistic):
        yield


def _dimension_before(self: Dimension, other: Dimension) -> bool:
    return (self.name or "", self.value or "") < (other.name or "", other.value or "")


# A storage class -> its BucketSizeBytes StorageType (S3 User Guide, "Metrics and dimensions").
STORAGE_TYPES = {
    "STANDARD": "StandardStorage",
    "STANDARD_IA": "StandardIAStorage",
    "ONEZONE_IA": "OneZoneIAStorage",
    "REDUCED_REDUNDANCY": "ReducedRedundancyStorage",
    "GLACIER_IR": "GlacierInstantRetrievalStorage",
    "GLACIER": "GlacierStorage",
    "DEEP_ARCHIVE": "DeepArchiveStorage",
    "INTELLIGENT_TIERING": "IntelligentTieringFAStorage",
}


def _bucket_sizes(cls: type[S3Backend], account_id: str, region: str) -> list[MetricDatum]:
    midnight = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    data = []
    for name, bucket in s3_backends[account_id][get_partition(region)].buckets.items():
        by_type: dict[str, int] = {"StandardStorage": 0}
        for key in bucket.keys.values():
            storage_type = STORAGE_TYPES.get(str(key.storage_class), "StandardStorage")
            by_type[storage_type] = by_type.get(storage_type, 0) + int(key.size)
        for storage_type, stored in by_type.items():
            dimensions = [{"Name": "StorageType", "Value": storage_type}, {"Name": "BucketName", "Value": name}]
            data.append(MetricDatum("AWS/S3", "BucketSizeBytes", stored, dimensions, midnight, unit="Bytes"))
    return data


@contextmanager
def dimension_order_shim() -> Iterator[Any]:
    """``moto_sorts_dimensions_wrongly`` and ``moto_bucket_size_is_not_the_objects_bytes``, while the context
    lasts."""
    with (
        patch.object(Dimension, "__lt__", _dimension_before),
        patch.object(S3Backend, "get_cloudwatch_metrics", classmethod(_bucket_sizes)),
    ):
        yield
