"""The advisor's metric queries and how their series become a variant's usage."""

from __future__ import annotations

from ecoguard.adapters.metrics import Series
from ecoguard.adapters.serving_metrics import key, p95, usage_of, variant_queries
from ecoguard.instances import lookup
from tests.builders.serving_advisor import END, HOURS, START


def test_p95_is_the_nearest_rank_and_unknown_without_values() -> None:
    assert p95([float(v) for v in range(1, 101)]) == 95.0
    assert p95([3.0]) == 3.0
    assert p95([]) is None


def test_a_cpu_instance_is_not_asked_for_gpu_metrics_and_an_unknown_instance_is() -> None:
    cpu = {q.metric for q in variant_queries("ep", "v1", lookup("ml.m5.xlarge"), START, END)}
    assert cpu == {"Invocations", "ModelLatency", "CPUUtilization", "MemoryUtilization"}
    assert len(variant_queries("ep", "v1", None, START, END)) == 6


def test_series_become_usage_and_an_incomplete_series_is_unknown_never_zero() -> None:
    queries = variant_queries("ep", "v1", lookup("ml.m5.xlarge"), START, END)
    series = {
        "Invocations": Series([START], [5.0]),
        "ModelLatency": Series([START], [1_500_000.0]),  # microseconds
        "CPUUtilization": Series([START, START], [120.0, 80.0], complete=False),
        "MemoryUtilization": Series([], []),
    }
    usage = usage_of([(q, series[q.metric]) for q in queries], HOURS)[key("ep", "v1")]
    assert usage.hourly_invocations == {START: 5.0}
    assert usage.latency_p95_us == 1_500_000.0
    assert usage.cpu_p95 is None  # incomplete: unknown
    assert usage.memory_p95 is None  # no datapoints: unknown
    assert usage.gpu_p95 is None
