"""Named shim for moto 5.2.5's gap in CloudWatch percentiles.

``moto_has_no_percentiles``: GetMetricData's ``MetricStat.Stat`` takes percentiles (``p95``, ``p99.9``:
CloudWatch User Guide, "Percentiles"; CloudWatch API reference, MetricStat), but moto computes only Sum,
Average, Minimum, Maximum and SampleCount, and answers ``None`` for any other statistic. While the shim lasts,
a percentile ``pNN`` is the nearest-rank percentile of the period's raw values (a datapoint sent as a
StatisticSet counts as its Maximum: CloudWatch itself cannot compute exact percentiles from statistic sets).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, SupportsFloat
from unittest.mock import patch

from moto.cloudwatch.models import Statistics

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
