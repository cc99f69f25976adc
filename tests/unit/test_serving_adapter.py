"""The serving advisor's adapter against botocore Stubbers: Model Monitor read as SageMaker documents it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.stub import Stubber

from ecoguard.adapters.sagemaker import reservation_of
from ecoguard.adapters.serving import ServingAdapter
from ecoguard.adapters.tagging import TaggingAdapter
from ecoguard.guardrails.idle_endpoint import EndpointRef
from ecoguard.guardrails.serving_advisor import serverless_exclusions
from ecoguard.instances import lookup
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


ACCOUNT_ARN = "arn:aws:sagemaker:us-east-1:123456789012"
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def test_an_endpoint_reads_each_serverless_exclusion_from_the_members_aws_documents() -> None:
    # DescribeModel: EnableNetworkIsolation, Containers (an inference pipeline's), each ContainerDefinition's
    # ModelPackageName and ImageConfig.RepositoryAccessMode ("Platform" or "Vpc": a private Docker registry);
    # DescribeEndpoint's DataCaptureConfig; ListMonitoringSchedules' EndpointName (SageMaker API reference).
    sagemaker = offline("sagemaker")
    with Stubber(sagemaker) as stub:
        stub.add_response(
            "describe_endpoint",
            {
                "EndpointName": "fraud",
                "EndpointArn": f"{ACCOUNT_ARN}:endpoint/fraud",
                "EndpointConfigName": "fraud-config",
                "EndpointStatus": "InService",
                "CreationTime": WHEN,
                "LastModifiedTime": WHEN,
                "ProductionVariants": [{"VariantName": "main", "CurrentInstanceCount": 1}],
                "DataCaptureConfig": {
                    "EnableCapture": True,
                    "CaptureStatus": "Started",
                    "CurrentSamplingPercentage": 100,
                    "DestinationS3Uri": "s3://capture/fraud",
                    "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                },
            },
            {"EndpointName": "fraud"},
        )
        stub.add_response(
            "describe_endpoint_config",
            {
                "EndpointConfigName": "fraud-config",
                "EndpointConfigArn": f"{ACCOUNT_ARN}:endpoint-config/fraud-config",
                "CreationTime": WHEN,
                "ProductionVariants": [
                    {"VariantName": "main", "ModelName": "fraud-pipeline", "InstanceType": "ml.m5.xlarge"}
                ],
            },
            {"EndpointConfigName": "fraud-config"},
        )
        stub.add_response(
            "describe_model",
            {
                "ModelName": "fraud-pipeline",
                "ModelArn": f"{ACCOUNT_ARN}:model/fraud-pipeline",
                "CreationTime": WHEN,
                "EnableNetworkIsolation": True,
                "Containers": [
                    {"Image": f"{ECR}/pre:1", "ImageConfig": {"RepositoryAccessMode": "Vpc"}},
                    {"ModelPackageName": "arn:aws:sagemaker:us-east-1:865070037744:model-package/seller-bert-abc"},
                ],
            },
            {"ModelName": "fraud-pipeline"},
        )
        stub.add_response(
            "list_monitoring_schedules",
            {"MonitoringScheduleSummaries": [summary("fraud-quality", "Scheduled", "fraud")]},
            {"MaxResults": 100},
        )
        adapter = ServingAdapter(
            sagemaker, TaggingAdapter(boto3.client("resourcegroupstaggingapi", region_name="us-east-1"))
        )
        served = adapter.endpoint(EndpointRef("fraud", f"{ACCOUNT_ARN}:endpoint/fraud"), {})
        stub.assert_no_pending_responses()
    assert served is not None
    [variant] = served.variants
    assert variant.network_isolation and variant.containers == 2 and variant.private_registry
    assert served.data_capture and served.monitoring_schedules == ("fraud-quality",)
    assert set(serverless_exclusions(served, variant, lookup("ml.m5.xlarge"))) == {
        "network-isolation",
        "inference-pipeline",
        "private-registry",
        "data-capture",
        "model-monitor",
    }


def test_given_a_variant_deployed_on_an_ml_reservation_then_its_arn_is_read_from_the_endpoint_or_its_config() -> None:
    # ProductionVariantSummary.CapacityReservationConfig (DescribeEndpoint) and
    # ProductionVariant.CapacityReservationConfig (DescribeEndpointConfig), SageMaker API reference.
    arn = "arn:aws:sagemaker:us-east-1:123456789012:reserved-capacity/rc-0123"
    config = {"CapacityReservationConfig": {"CapacityReservationPreference": "capacity-reservations-only",
                                            "MlReservationArn": arn}}  # fmt: skip
    assert reservation_of(config, {}) == arn
    assert reservation_of({}, config) == arn
    assert reservation_of({"VariantName": "AllTraffic"}, {"InstanceType": "ml.g5.xlarge"}) is None
