"""The EC2 and GPU-metric adapters of the ec2-accelerators guardrail against botocore Stubbers: AWS's paging of
filtered listings, its instance-type descriptions, and the CloudWatch agent's series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from ecoguard.adapters.ec2_instances import Ec2InstancesAdapter
from ecoguard.adapters.gpu_metrics import GpuMetricsAdapter
from ecoguard.errors import NotFound

NOW = datetime(2026, 12, 7, 15, 20, tzinfo=UTC)
LAUNCHED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def ec2() -> Any:
    return boto3.client("ec2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def described(instance_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "InstanceId": instance_id,
        "InstanceType": "g5g.xlarge",
        "State": {"Code": 16, "Name": "running"},
        "LaunchTime": LAUNCHED,
        "RootDeviceType": "ebs",
        **extra,
    }


def test_given_a_filtered_page_that_aws_returns_empty_with_a_token_then_the_listing_goes_on_to_the_next_page() -> None:
    # "Query API pagination" (EC2 API Reference): filters apply after the page is cut, so a page may hold nothing
    # and still carry a NextToken. moto filters before paging and never answers this.
    client = ec2()
    adapter = Ec2InstancesAdapter(client)
    with Stubber(client) as stub:
        request = {"Filters": ANY, "MaxResults": 1000, "IncludeManagedResources": True}
        stub.add_response("describe_instances", {"Reservations": [], "NextToken": "page-2"}, request)
        page_2 = {
            "Reservations": [{"OwnerId": "123456789012", "Instances": [described("i-0aaa")]}],
        }
        stub.add_response("describe_instances", page_2, {**request, "NextToken": "page-2"})
        first = adapter.instance_page(None)
        assert list(first.items) == [] and first.next_token == "page-2"
        second = adapter.instance_page(first.next_token)
    [found] = second.items
    assert second.next_token is None
    assert found.arn == "arn:aws:ec2:us-east-1:123456789012:instance/i-0aaa"
    assert (found.state, found.root_device_type, found.lifecycle, found.operator) == ("running", "ebs", None, None)


def test_given_an_instance_a_service_manages_then_its_operator_is_read() -> None:
    client = ec2()
    operator = {"Managed": True, "Principal": "eks.amazonaws.com"}
    with Stubber(client) as stub:
        answer = {"Reservations": [{"OwnerId": "123456789012", "Instances": [described("i-0b", Operator=operator)]}]}
        stub.add_response("describe_instances", answer, {"InstanceIds": ["i-0b"], "IncludeManagedResources": True})
        found = Ec2InstancesAdapter(client).instance("i-0b")
    assert found is not None and found.operator == "eks.amazonaws.com"


def test_given_an_instance_gone_then_describe_instances_not_found_is_not_found() -> None:
    # EC2 API Reference, Error codes: InvalidInstanceID.NotFound, "The specified instance does not exist."
    client = ec2()
    with Stubber(client) as stub:
        stub.add_client_error(
            "describe_instances", "InvalidInstanceID.NotFound", "The instance ID 'i-0c' does not exist"
        )
        with pytest.raises(NotFound):
            Ec2InstancesAdapter(client).instance("i-0c")


def test_given_types_described_once_then_gpu_neuron_and_instance_store_are_read_and_not_asked_again() -> None:
    client = ec2()
    adapter = Ec2InstancesAdapter(client)
    g5 = {
        "InstanceType": "g5.xlarge",
        "VCpuInfo": {"DefaultVCpus": 4},
        "MemoryInfo": {"SizeInMiB": 16384},
        "GpuInfo": {"Gpus": [{"Name": "A10G", "Manufacturer": "NVIDIA", "Count": 1}]},
        "InstanceStorageInfo": {"TotalSizeInGB": 250},
    }
    trn = {
        "InstanceType": "trn1.32xlarge",
        "VCpuInfo": {"DefaultVCpus": 128},
        "MemoryInfo": {"SizeInMiB": 524288},
        "NeuronInfo": {"NeuronDevices": [{"Name": "Trainium", "Count": 16}]},
    }
    with Stubber(client) as stub:
        stub.add_response(
            "describe_instance_types", {"InstanceTypes": [g5, trn]}, {"InstanceTypes": ["g5.xlarge", "trn1.32xlarge"]}
        )
        types = adapter.instance_types({"g5.xlarge", "trn1.32xlarge"})
        again = adapter.instance_types({"g5.xlarge"})  # no second call: the Stubber has none queued
    assert again["g5.xlarge"] == types["g5.xlarge"]
    g5_type, trn_type = types["g5.xlarge"], types["trn1.32xlarge"]
    assert g5_type is not None and (g5_type.gpus, g5_type.gpu_model, g5_type.instance_storage_gb) == (
        1,
        "NVIDIA A10G",
        250,
    )
    assert trn_type is not None and (trn_type.gpus, trn_type.neuron_devices, trn_type.neuron_model) == (
        0,
        16,
        "Trainium",
    )
    assert trn_type.accelerated and trn_type.instance_storage_gb is None


def test_given_a_metric_listed_twice_then_its_series_is_read_once_as_hourly_maximum_and_sample_count() -> None:
    # ListMetrics lists each metric once; moto 5.2.5 lists it once per datapoint (moto_lists_a_metric_per_datapoint).
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    dims = [{"Name": "InstanceId", "Value": "i-0a"}, {"Name": "index", "Value": "0"}, {"Name": "name", "Value": "T4G"}]
    metric = {"Namespace": "CWAgent", "MetricName": "nvidia_smi_utilization_gpu", "Dimensions": dims}
    end = NOW.replace(minute=0)
    hours = [end - timedelta(hours=2), end - timedelta(hours=1)]
    with Stubber(cloudwatch) as stub:
        stub.add_response("list_metrics", {"Metrics": [metric, metric]})
        stub.add_response(
            "get_metric_data",
            {
                "MetricDataResults": [
                    {"Id": "q0", "Timestamps": hours, "Values": [0.0, 3.0], "StatusCode": "Complete"},
                    {"Id": "q1", "Timestamps": hours, "Values": [60.0, 61.0], "StatusCode": "Complete"},
                ]
            },
            {"MetricDataQueries": ANY, "StartTime": end - timedelta(hours=2), "EndTime": end},
        )
        [series] = GpuMetricsAdapter(cloudwatch).series("i-0a", 2, NOW)
    assert series.hourly_maximum == (0.0, 3.0) and series.hourly_samples == (60.0, 61.0)
    assert dict(series.dimensions)["InstanceId"] == "i-0a"


def test_given_a_series_cloudwatch_could_not_return_whole_then_it_holds_no_hours() -> None:
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    metric = {
        "Namespace": "CWAgent",
        "MetricName": "nvidia_smi_utilization_gpu",
        "Dimensions": [{"Name": "InstanceId", "Value": "i-0a"}],
    }
    with Stubber(cloudwatch) as stub:
        stub.add_response("list_metrics", {"Metrics": [metric]})
        stub.add_response(
            "get_metric_data",
            {
                "MetricDataResults": [
                    {"Id": "q0", "Timestamps": [NOW], "Values": [0.0], "StatusCode": "InternalError"},
                    {"Id": "q1", "Timestamps": [NOW], "Values": [60.0], "StatusCode": "Complete"},
                ]
            },
        )
        [series] = GpuMetricsAdapter(cloudwatch).series("i-0a", 1, NOW)
    assert series.hourly_maximum == () and series.hourly_samples == ()


def test_given_a_runtime_sdk_without_include_managed_resources_then_the_listing_does_not_send_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An older botocore refuses an unknown parameter before sending (ParamValidationError): ask its model first.
    import ecoguard.adapters.ec2_instances as module

    monkeypatch.setattr(module, "accepts", lambda client, operation, *members: False)
    client = ec2()
    with Stubber(client) as stub:
        stub.add_response("describe_instances", {"Reservations": []}, {"Filters": ANY, "MaxResults": 1000})
        assert list(Ec2InstancesAdapter(client).instance_page(None).items) == []
