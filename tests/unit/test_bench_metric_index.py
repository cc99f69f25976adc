"""The quota model's indexed GetMetricData (``tools/bench/metric_index.py``) answers what the simulator answers:
the same values, timestamps, labels and order, for every kind of query the sweeps send and the edge cases of
moto's matching (dimensions in another order, another namespace under the same dimensions, a unit filter, a
value on a period's edge, descending scans, ReturnData false), and hands moto what it cannot answer alike."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tools.bench.metric_index import indexed
from tools.simulator.account import simulated_aws

END = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
START = END - timedelta(hours=6)


@pytest.fixture
def cloudwatch(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with simulated_aws():
        client = boto3.client("cloudwatch", region_name="us-east-1")
        seeded = random.Random(32)
        for name in ("nb-a", "nb-b", "nb-c"):
            for namespace, metric in (
                ("/aws/sagemaker/NotebookInstances", "CPUUtilization"),
                ("Other", "CPUUtilization"),
            ):
                data: list[Any] = [
                    {
                        "MetricName": metric,
                        "Dimensions": [
                            {"Name": "NotebookInstanceName", "Value": name},
                            {"Name": "Host", "Value": "h1"},
                        ],
                        "Value": seeded.uniform(0, 100),
                        "Unit": seeded.choice(["Percent", "Count"]),
                        # On the hour and minutes past, edges of 5-minute and 1-hour periods included.
                        "Timestamp": START + timedelta(minutes=5 * step + seeded.choice([0, 0, 1, 4])),
                    }
                    for step in range(0, 72, 3)
                ]
                for chunk in range(0, len(data), 20):
                    client.put_metric_data(Namespace=namespace, MetricData=data[chunk : chunk + 20])
            client.put_metric_data(
                Namespace="AWS/SageMaker",
                MetricData=[{"MetricName": "Invocations", "Value": 3.0, "Timestamp": START + timedelta(minutes=61)}],
            )
        yield client


NOTEBOOKS, CPU = "/aws/sagemaker/NotebookInstances", "CPUUtilization"


def _query(
    ident: str,
    stat: str,
    period: int,
    dims: dict[str, str],
    *,
    namespace: str = NOTEBOOKS,
    metric: str = CPU,
    **more: Any,
) -> dict[str, Any]:
    dimensions = [{"Name": n, "Value": v} for n, v in dims.items()]
    stat_query = {"Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": dimensions}}
    return {"Id": ident, "MetricStat": {**stat_query, "Period": period, "Stat": stat, **more}}


QUERIES = [
    _query("a", "Maximum", 300, {"NotebookInstanceName": "nb-a", "Host": "h1"}),
    _query("b", "Average", 3600, {"Host": "h1", "NotebookInstanceName": "nb-b"}),  # dimensions in another order
    _query("c", "Sum", 900, {"NotebookInstanceName": "nb-c", "Host": "h1"}, namespace="Other", Unit="Percent"),
    _query("d", "SampleCount", 60, {}, namespace="AWS/SageMaker", metric="Invocations"),
    _query("e", "Minimum", 300, {"NotebookInstanceName": "nb-z"}),
    _query("f", "p90", 3600, {"NotebookInstanceName": "nb-a"}),
    {**_query("g", "Maximum", 300, {"NotebookInstanceName": "nb-b", "Host": "h1"}), "ReturnData": False},
    {**_query("h", "Average", 600, {}, namespace="Other"), "Label": "named"},
]


def _answers(client: Any, scan_by: str) -> list[dict[str, Any]]:
    answer = client.get_metric_data(MetricDataQueries=QUERIES, StartTime=START, EndTime=END, ScanBy=scan_by)
    return answer["MetricDataResults"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("scan_by", ["TimestampAscending", "TimestampDescending"])
def test_given_the_index_then_every_query_is_answered_as_the_simulator_answers_it(
    cloudwatch: Any, scan_by: str
) -> None:
    from_moto = _answers(cloudwatch, scan_by)
    with indexed():
        from_index = _answers(cloudwatch, scan_by)
    assert from_index == from_moto
    assert sum(len(r["Values"]) for r in from_moto) > 50  # the queries matched data, not only empty series
    assert [r["Id"] for r in from_moto] == ["a", "b", "c", "d", "e", "f", "h"]


def test_given_an_expression_then_the_call_goes_to_the_simulator_unchanged(
    cloudwatch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    queries = [QUERIES[0], {"Id": "twice", "Expression": "a * 2"}]

    def answered_from_the_index(*args: Any) -> Any:
        raise AssertionError("an Expression query answered from the index")

    from_moto = cloudwatch.get_metric_data(MetricDataQueries=queries, StartTime=START, EndTime=END)
    monkeypatch.setattr("tools.bench.metric_index._answer", answered_from_the_index)
    with indexed():
        from_simulator = cloudwatch.get_metric_data(MetricDataQueries=queries, StartTime=START, EndTime=END)
        with pytest.raises(AssertionError, match="answered from the index"):
            cloudwatch.get_metric_data(MetricDataQueries=QUERIES[:1], StartTime=START, EndTime=END)
    assert from_simulator["MetricDataResults"] == from_moto["MetricDataResults"]
    assert from_moto["MetricDataResults"][0]["Values"]
