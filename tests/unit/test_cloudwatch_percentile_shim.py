"""The simulator's cover for moto's missing percentiles (``tools/simulator/cloudwatch_shim.py``): GetMetricData
with ``Stat: p95`` answers the nearest-rank percentile of the period's values, as CloudWatch computes
percentiles from raw values (CloudWatch User Guide, "Percentiles")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from tools.simulator.cloudwatch_shim import percentile, percentile_shim

AT = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=2)


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")


def test_given_a_hundred_values_then_p95_is_the_95th_and_p100_the_largest() -> None:
    values = [float(v) for v in range(100, 0, -1)]
    assert percentile(values, 95) == 95.0 and percentile(values, 100) == 100.0 and percentile([], 95) is None


def test_given_the_shim_then_get_metric_data_answers_a_p95_where_moto_alone_answers_none() -> None:
    with mock_aws(), percentile_shim():
        cw = boto3.client("cloudwatch", region_name="us-east-1")
        for chunk in range(0, 100, 20):
            cw.put_metric_data(
                Namespace="AWS/SageMaker",
                MetricData=[
                    {"MetricName": "ModelLatency", "Value": float(v + 1), "Timestamp": AT}
                    for v in range(chunk, chunk + 20)
                ],
            )
        answer = cw.get_metric_data(
            MetricDataQueries=[
                {
                    "Id": "latency",
                    "MetricStat": {
                        "Metric": {"Namespace": "AWS/SageMaker", "MetricName": "ModelLatency"},
                        "Period": 3600 * 3,
                        "Stat": "p95",
                    },
                }
            ],
            StartTime=AT - timedelta(minutes=30),
            EndTime=AT + timedelta(hours=1),
        )
    assert answer["MetricDataResults"][0]["Values"] == [95.0]
