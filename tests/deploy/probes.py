"""Does a stack's resource exist? Asked of the service that owns it, not of CloudFormation.

One probe per resource type the smoke test can check through its own API. Types with no probe here are
checked through CloudFormation only (ListStackResources); docs/TESTING.md, "The deploy smoke test",
names them. A probe answers False for a resource that is gone (or, for a KMS key, pending deletion).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

Client = Callable[[str], Any]

NOT_FOUND = {
    "ResourceNotFoundException",
    "ResourceNotFound",
    "NoSuchEntity",
    "NotFoundException",
    "NotFound",
    "404",
    "NoSuchBucket",
    "ParameterNotFound",
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
}


def _function(aws: Client, physical_id: str) -> bool:
    aws("lambda").get_function(FunctionName=physical_id)
    return True


def _layer_version(aws: Client, physical_id: str) -> bool:
    aws("lambda").get_layer_version_by_arn(Arn=physical_id)
    return True


def _event_source_mapping(aws: Client, physical_id: str) -> bool:
    aws("lambda").get_event_source_mapping(UUID=physical_id)
    return True


def _table(aws: Client, physical_id: str) -> bool:
    aws("dynamodb").describe_table(TableName=physical_id)
    return True


def _bucket(aws: Client, physical_id: str) -> bool:
    aws("s3").head_bucket(Bucket=physical_id)
    return True


def _queue(aws: Client, physical_id: str) -> bool:
    aws("sqs").get_queue_attributes(QueueUrl=physical_id, AttributeNames=["QueueArn"])
    return True


def _topic(aws: Client, physical_id: str) -> bool:
    aws("sns").get_topic_attributes(TopicArn=physical_id)
    return True


def _key(aws: Client, physical_id: str) -> bool:
    state = aws("kms").describe_key(KeyId=physical_id)["KeyMetadata"]["KeyState"]
    return bool(state not in {"PendingDeletion", "PendingReplicaDeletion"})


def _log_group(aws: Client, physical_id: str) -> bool:
    groups = aws("logs").describe_log_groups(logGroupNamePrefix=physical_id)["logGroups"]
    return any(g["logGroupName"] == physical_id for g in groups)


def _rule(aws: Client, physical_id: str) -> bool:
    bus, _, name = physical_id.rpartition("|")
    aws("events").describe_rule(Name=name, **({"EventBusName": bus} if bus else {}))
    return True


def _role(aws: Client, physical_id: str) -> bool:
    aws("iam").get_role(RoleName=physical_id)
    return True


def _parameter(aws: Client, physical_id: str) -> bool:
    aws("ssm").get_parameter(Name=physical_id)
    return True


def _alarm(aws: Client, physical_id: str) -> bool:
    return bool(aws("cloudwatch").describe_alarms(AlarmNames=[physical_id])["MetricAlarms"])


PROBES: dict[str, Callable[[Client, str], bool]] = {
    "AWS::Lambda::Function": _function,
    "AWS::Lambda::LayerVersion": _layer_version,
    "AWS::Lambda::EventSourceMapping": _event_source_mapping,
    "AWS::DynamoDB::Table": _table,
    "AWS::S3::Bucket": _bucket,
    "AWS::SQS::Queue": _queue,
    "AWS::SNS::Topic": _topic,
    "AWS::KMS::Key": _key,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::Events::Rule": _rule,
    "AWS::IAM::Role": _role,
    "AWS::SSM::Parameter": _parameter,
    "AWS::CloudWatch::Alarm": _alarm,
}


def exists(aws: Client, resource_type: str, physical_id: str) -> bool:
    probe = PROBES[resource_type]
    try:
        return probe(aws, physical_id)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in NOT_FOUND:
            return False
        raise
