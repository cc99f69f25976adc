"""``ecoguard.adapters.resource_tags``: a resource's tags read now, by its ARN, from the service that owns it (what a
restore reads just before it writes), on the simulated account; a resource that no longer exists has none."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from ecoguard.adapters.resource_tags import ResourceTags, service_of
from tests.conftest import REGION

ACCOUNT = "123456789012"


def clients(service: str) -> Any:
    return boto3.client(service, region_name=REGION)  # type: ignore[call-overload]


def test_given_a_log_group_then_its_tags_are_read_by_its_arn_with_or_without_the_star(aws: None) -> None:
    logs = clients("logs")
    logs.create_log_group(logGroupName="/aws/team-b/app", tags={"ecoguard:exempt": "true"})
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/team-b/app"
    assert ResourceTags(clients).of(arn) == {"ecoguard:exempt": "true"}
    assert ResourceTags(clients).of(arn + ":*") == {"ecoguard:exempt": "true"}


def test_given_a_log_group_that_no_longer_exists_then_it_has_no_tags_to_honour() -> None:
    # AWS answers ResourceNotFoundException (CloudWatch Logs API Reference, ListTagsForResource, Errors); moto
    # answers no tags (tests/README.md): AWS's answer through a Stubber.
    logs = boto3.client("logs", region_name=REGION)
    with Stubber(logs) as stub:
        stub.add_client_error(
            "list_tags_for_resource", "ResourceNotFoundException", "The specified log group does not exist."
        )
        assert ResourceTags(lambda _: logs).of(f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/gone") is None


def test_given_a_bucket_then_its_tags_are_read_and_an_untagged_one_has_none(aws: None) -> None:
    s3 = clients("s3")
    s3.create_bucket(Bucket="team-b-data")
    s3.create_bucket(Bucket="plain")
    s3.put_bucket_tagging(Bucket="team-b-data", Tagging={"TagSet": [{"Key": "ecoguard:exempt", "Value": "true"}]})
    tags = ResourceTags(clients)
    assert tags.of("arn:aws:s3:::team-b-data") == {"ecoguard:exempt": "true"}
    assert tags.of("arn:aws:s3:::plain") == {}, "NoSuchTagSet: no tags"
    assert tags.of("arn:aws:s3:::gone-bucket") is None, "NoSuchBucket: gone"


def test_given_a_notebook_then_its_tags_are_read_from_sagemaker(aws: None) -> None:
    sm = clients("sagemaker")
    arn = sm.create_notebook_instance(
        NotebookInstanceName="nb",
        InstanceType="ml.t3.medium",
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r",
        Tags=[{"Key": "ecoguard:exempt", "Value": "true"}],
    )["NotebookInstanceArn"]
    assert ResourceTags(clients).of(arn) == {"ecoguard:exempt": "true"}


def test_given_an_instance_then_its_tags_are_read_with_describe_tags_on_its_id(aws: None) -> None:
    ec2 = clients("ec2")
    [instance] = ec2.run_instances(
        ImageId="ami-1e749f67",  # a Linux image of those moto holds from the start
        MinCount=1,
        MaxCount=1,
        InstanceType="g5.xlarge",
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "ecoguard:exempt", "Value": "true"}]}],
    )["Instances"]
    arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance['InstanceId']}"
    assert ResourceTags(clients).of(arn) == {"ecoguard:exempt": "true"}


def test_given_a_provisioned_throughput_then_its_tags_come_from_bedrock_and_a_missing_one_is_gone() -> None:
    # moto has no provisioned throughput: Bedrock's documented answers (ListTagsForResource: tags of key/value;
    # ResourceNotFoundException for an unknown ARN, Bedrock API Reference) through botocore's Stubber.
    bedrock = boto3.client("bedrock", region_name=REGION)
    arn = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:provisioned-model/abc123"
    with Stubber(bedrock) as stub:
        stub.add_response(
            "list_tags_for_resource", {"tags": [{"key": "ecoguard:exempt", "value": "true"}]}, {"resourceARN": arn}
        )
        stub.add_client_error("list_tags_for_resource", "ResourceNotFoundException", http_status_code=404)
        tags = ResourceTags(lambda _: bedrock)
        assert tags.of(arn) == {"ecoguard:exempt": "true"}
        assert tags.of(arn) is None


@pytest.mark.parametrize("arn", ["not-an-arn", "arn:aws:dynamodb:us-east-1:1:table/t"])
def test_given_an_arn_no_tag_read_covers_then_it_is_an_error_never_no_tags(arn: str) -> None:
    with pytest.raises(ValueError, match=r"ARN|no tag read"):
        ResourceTags(lambda _: None).of(arn)
    assert service_of("arn:aws:ec2:us-east-1:1:instance/i-1") == "ec2"
