"""The serving advisor's adapter against botocore Stubbers: Model Monitor read as SageMaker documents it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.stub import Stubber

from ecoguard.adapters.serving import ServingAdapter
from ecoguard.adapters.tagging import TaggingAdapter
from tests.builders.clients import offline

WHEN = datetime(2026, 3, 4, tzinfo=UTC)


def summary(name: str, status: str, endpoint: str | None) -> dict[str, Any]:
    """A MonitoringScheduleSummary (SageMaker API reference): name, ARN, times and status are required;
    ``EndpointName`` is absent for a batch transform's schedule."""
    found: dict[str, Any] = {
        "MonitoringScheduleName": name,
        "MonitoringScheduleArn": f"arn:aws:sagemaker:us-east-1:123456789012:monitoring-schedule/{name}",
        "CreationTime": WHEN,
        "LastModifiedTime": WHEN,
        "MonitoringScheduleStatus": status,
        "MonitoringType": "DataQuality",
    }
    if endpoint is not None:
        found["EndpointName"] = endpoint
    return found


def test_the_monitoring_schedules_are_listed_once_every_page_and_only_running_ones_monitor() -> None:
    # ListMonitoringSchedules pages with NextToken (MaxResults 1 to 100); MonitoringScheduleStatus is Pending,
    # Failed, Scheduled or Stopped (SageMaker API reference). An empty page with a token is not the end.
    sagemaker = offline("sagemaker")
    with Stubber(sagemaker) as stub:
        stub.add_response(
            "list_monitoring_schedules",
            {
                "MonitoringScheduleSummaries": [
                    summary("fraud-quality", "Scheduled", "fraud"),
                    summary("fraud-old", "Stopped", "fraud"),
                    summary("batch-drift", "Scheduled", None),
                ],
                "NextToken": "t1",
            },
            {"MaxResults": 100},
        )
        stub.add_response(
            "list_monitoring_schedules",
            {"MonitoringScheduleSummaries": [], "NextToken": "t2"},
            {"MaxResults": 100, "NextToken": "t1"},
        )
        stub.add_response(
            "list_monitoring_schedules",
            {
                "MonitoringScheduleSummaries": [
                    summary("churn-bias", "Pending", "churn"),
                    summary("churn-broken", "Failed", "churn"),
                    summary("fraud-bias", "Scheduled", "fraud"),
                ]
            },
            {"MaxResults": 100, "NextToken": "t2"},
        )
        adapter = ServingAdapter(
            sagemaker, TaggingAdapter(boto3.client("resourcegroupstaggingapi", region_name="us-east-1"))
        )
        assert adapter.monitoring_schedules() == {"fraud": ("fraud-bias", "fraud-quality"), "churn": ("churn-bias",)}
        assert adapter.monitoring_schedules()["fraud"] == ("fraud-bias", "fraud-quality")  # no second listing
        stub.assert_no_pending_responses()
