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


def _query(
    ident: str, namespace: str, metric: str, dims: list[tuple[str, str]], stat: str, *, period: int, **more: Any
) -> dict[str, Any]:
    return {
        "Id": ident,
        "MetricStat": {
            "Metric": {
                "Namespace": namespace,
                "MetricName": metric,
                "Dimensions": [{"Name": n, "Value": v} for n, v in dims],
            },
            "Period": period,
            "Stat": stat,
            **more,
        },
    }


QUERIES = [
    _query(
        "a",
        "/aws/sagemaker/NotebookInstances",
        "CPUUtilization",
        [("NotebookInstanceName", "nb-a"), ("Host", "h1")],
        "Maximum",
        period=300,
    ),
    _query(
        "b",
        "/aws/sagemaker/NotebookInstances",
        "CPUUtilization",
        [("Host", "h1"), ("NotebookInstanceName", "nb-b")],
        "Average",
        period=3600,
    ),
    _query(
        "c",
        "Other",
        "CPUUtilization",
        [("NotebookInstanceName", "nb-c"), ("Host", "h1")],
        "Sum",
        period=900,
        Unit="Percent",
    ),
    _query("d", "AWS/SageMaker", "Invocations", [], "SampleCount", period=60),
    _query(
        "e",
        "/aws/sagemaker/NotebookInstances",
        "CPUUtilization",
        [("NotebookInstanceName", "nb-z")],
        "Minimum",
        period=300,
    ),
    _query(
        "f",
        "/aws/sagemaker/NotebookInstances",
        "CPUUtilization",
        [("NotebookInstanceName", "nb-a")],
        "p90",
        period=3600,
    ),
    {
        **_query(
            "g",
            "/aws/sagemaker/NotebookInstances",
            "CPUUtilization",
            [("NotebookInstanceName", "nb-b"), ("Host", "h1")],
            "Maximum",
            period=300,
        ),
        "ReturnData": False,
    },
    {**_query("h", "Other", "CPUUtilization", [], "Average", period=600), "Label": "named"},
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
