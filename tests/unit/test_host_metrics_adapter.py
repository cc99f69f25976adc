"""GetMetricData batching: at most 500 queries a call (moto does not enforce it), every page followed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import pytest
from botocore.exceptions import ClientError

from ecoguard.adapters.host_metrics import MAX_QUERIES_PER_CALL, MetricQuery, MetricsAdapter
from ecoguard.errors import Throttled

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

START = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
END = START + timedelta(hours=1)


# FakeCloudWatch stands in for a boto3 CloudWatch client: it answers only the calls MetricsAdapter makes, so it is
# cast to the client type it replaces (no fake has every operation of a service).
class FakeCloudWatch:
    """Answers each query with one datapoint whose value is the query's index; pages after 300 results."""

    def __init__(self, page_results: int = 300, fail: str | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.page_results = page_results
        self.fail = fail

    def get_metric_data(self, **kwargs: Any) -> dict[str, Any]:
        if self.fail:
            raise ClientError({"Error": {"Code": self.fail, "Message": "injected"}}, "GetMetricData")
        self.calls.append(kwargs)
        queries = kwargs["MetricDataQueries"]
        if len(queries) > MAX_QUERIES_PER_CALL:
            raise AssertionError("the real API rejects more than 500 queries")
        start = int(kwargs.get("NextToken", 0))
        chunk = queries[start : start + self.page_results]
        response: dict[str, Any] = {
            "MetricDataResults": [{"Id": q["Id"], "Timestamps": [START], "Values": [float(q["Id"][1:])]} for q in chunk]
        }
        if start + self.page_results < len(queries):
            response["NextToken"] = str(start + self.page_results)
        return response


def queries(count: int) -> list[MetricQuery]:
    return [
        MetricQuery("/aws/sagemaker/TrainingJobs", "GPUUtilization", (("Host", f"j/algo-{n}"),)) for n in range(count)
    ]


@pytest.mark.parametrize(("count", "calls"), [(1, 1), (500, 1), (501, 2), (1201, 3)])
def test_given_n_queries_then_they_go_in_batches_of_at_most_500(count: int, calls: int) -> None:
    cw = FakeCloudWatch(page_results=10_000)
    results = MetricsAdapter(cast("CloudWatchClient", cw)).series(queries(count), START, END, 300)
    assert len(cw.calls) == calls
    assert all(len(c["MetricDataQueries"]) <= MAX_QUERIES_PER_CALL for c in cw.calls)
    assert [r[START] for r in results] == [float(i) for i in range(count)], "each result lands on its own query"


def test_given_a_paged_response_then_every_page_is_read() -> None:
    cw = FakeCloudWatch(page_results=300)
    results = MetricsAdapter(cast("CloudWatchClient", cw)).series(queries(500), START, END, 300)
    assert len(cw.calls) == 2 and cw.calls[1]["NextToken"] == "300"
    assert all(START in r for r in results)


def test_given_each_query_then_it_names_the_namespace_metric_host_period_and_average() -> None:
    cw = FakeCloudWatch()
    MetricsAdapter(cast("CloudWatchClient", cw)).series(queries(1), START, END, 300)
    [query] = cw.calls[0]["MetricDataQueries"]
    assert query["MetricStat"] == {
        "Metric": {
            "Namespace": "/aws/sagemaker/TrainingJobs",
            "MetricName": "GPUUtilization",
            "Dimensions": [{"Name": "Host", "Value": "j/algo-0"}],
        },
        "Period": 300,
        "Stat": "Average",
    }


def test_given_throttling_then_it_is_translated() -> None:
    with pytest.raises(Throttled):
        MetricsAdapter(cast("CloudWatchClient", FakeCloudWatch(fail="Throttling"))).series(queries(1), START, END, 300)
