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


def test_the_latency_is_cloudwatch_s_p95_over_the_whole_window_not_a_percentile_of_averages() -> None:
    # GetMetricData computes percentiles itself (MetricStat.Stat "p95": CloudWatch User Guide, "Percentiles").
    [latency] = [
        q for q in variant_queries("ep", "v1", lookup("ml.m5.xlarge"), START, END) if q.metric == "ModelLatency"
    ]
    assert latency.stat == "p95"
    assert latency.period >= (END - START).total_seconds() and latency.period % 3600 == 0


def test_an_asynchronous_endpoint_is_asked_for_invocations_processed_and_that_is_its_traffic() -> None:
    # "Any metric not listed below is not published if the endpoint is enabled for asynchronous inference. Such
    # metrics include: OverheadLatency, Invocations, InvocationsPerInstance"; listed: InvocationsProcessed,
    # "Number of async invocations processed by the endpoint", dimensions EndpointName and VariantName, Sum
    # (Developer Guide, "Alarms and logs for tracking metrics from asynchronous endpoints").
    queries = variant_queries("ep", "v1", lookup("ml.m5.xlarge"), START, END, asynchronous=True)
    [processed] = [q for q in queries if q.metric == "InvocationsProcessed"]
    assert "Invocations" not in {q.metric for q in queries}
    assert (processed.namespace, processed.stat, processed.period) == ("AWS/SageMaker", "Sum", 3600)
    assert dict(processed.dimensions) == {"EndpointName": "ep", "VariantName": "v1"}
    usage = usage_of([(q, Series([START], [50.0])) for q in queries], HOURS)[key("ep", "v1")]
    assert usage.hourly_invocations == {START: 50.0}


def test_an_asynchronous_endpoint_whose_processed_count_is_not_all_read_has_unknown_traffic_never_zero() -> None:
    queries = variant_queries("ep", "v1", lookup("ml.m5.xlarge"), START, END, asynchronous=True)
    results = [(q, Series([], [], complete=q.metric != "InvocationsProcessed")) for q in queries]
    usage = usage_of(results, HOURS)[key("ep", "v1")]
    assert usage.hourly_invocations is None, "unknown, never zero"
