"""Provision the stack's stateful resources (table, topic, parameter, queue, log groups) from
template.yaml into the current account: the in-process moto account, as a stand-in for
``sam deploy``. Functions are not deployed; ``invoke`` runs their handlers in-process."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from moto import mock_aws

from tools.simulator.alarm_history_shim import alarm_history_shim
from tools.simulator.autoscaling_shim import autoscaled_endpoint_shims
from tools.simulator.bedrock_shim import bedrock_throughput_shim
from tools.simulator.cloudwatch_shim import dimension_order_shim, percentile_shim
from tools.simulator.compute_shim import compute_shims
from tools.simulator.dynamodb_shim import transactions_without_table_copies
from tools.simulator.identity import ACCOUNT, REGION, STACK
from tools.simulator.inference_shim import inference_components_shim
from tools.simulator.monitoring_shim import monitoring_schedules_shim
from tools.simulator.reserved_capacity_shim import reserved_capacity_shims
from tools.simulator.search_shim import search_pages_shim
from tools.simulator.studio_owners_shim import studio_owner_shims
from tools.simulator.studio_shim import studio_shims
from tools.simulator.tagging_shim import tagging_api_shims
from tools.simulator.template import Resolver, load_template, parameter_defaults


@contextmanager
def simulated_aws() -> Iterator[None]:
    """The simulated AWS (moto, in-process) with the shims every caller needs: the tagging API's
    (``tools/simulator/tagging_shim.py``), ListInferenceComponents (``inference_shim.py``) and Search's
    pages (``search_shim.py``), Studio's UpdateDomain and apps (``studio_shim.py``), user profiles and spaces
    (``studio_owners_shim.py``), warm pools and MLflow
    (``compute_shim.py``), DynamoDB transactions without whole-table copies (``dynamodb_shim.py``), and an
    autoscaled endpoint's alarms and deletion (``autoscaling_shim.py``), and CloudWatch percentiles
    (``cloudwatch_shim.py``), alarm history (``alarm_history_shim.py``), and Model Monitor's schedules
    (``monitoring_shim.py``), Bedrock Provisioned Throughput (``bedrock_shim.py``), and training plans and
    Capacity Blocks (``reserved_capacity_shim.py``). The
    demos, the bench, local invoke and the tests all enter it."""
    with (
        mock_aws(),
        tagging_api_shims(),
        inference_components_shim(),
        search_pages_shim(),
        studio_shims(),
        studio_owner_shims(),
        compute_shims(),
        transactions_without_table_copies(),
        autoscaled_endpoint_shims(),
        percentile_shim(),
        dimension_order_shim(),
        alarm_history_shim(),
        monitoring_schedules_shim(),
        bedrock_throughput_shim(),
        reserved_capacity_shims(),
    ):
        yield


def provision(
    template: Mapping[str, Any] | None = None,
    *,
    stack: str = STACK,
    region: str = REGION,
    account: str = ACCOUNT,
    parameters: Mapping[str, str] | None = None,
) -> Resolver:
    """Create what the functions need and return a resolver for their environment."""
    template = template or load_template()
    resolver = Resolver(
        parameters={**parameter_defaults(template), **(parameters or {})},
        pseudo={
            "AWS::StackName": stack,
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        },
    )
    resolver.evaluate_conditions(template)
    for logical_id, resource in template["Resources"].items():
        creator = _CREATORS.get(resource["Type"])
        if creator is not None and resolver.conditions.get(resource.get("Condition", ""), True):
            creator(
                logical_id, resolver.resolve(resource.get("Properties", {})), resolver, _Where(region, account, stack)
            )
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            name = resolver.resolve(resource["Properties"].get("FunctionName", f"{stack}-{logical_id}"))
            resolver.refs[logical_id] = name
            resolver.attributes[(logical_id, "Arn")] = f"arn:aws:lambda:{region}:{account}:function:{name}"
    return resolver


@dataclass(frozen=True)
class _Where:
    region: str
    account: str
    stack: str


def _table(logical_id: str, props: dict[str, Any], r: Resolver, where: _Where) -> None:
    name = props.get("TableName", f"{where.stack}-{logical_id}")
    db = boto3.client("dynamodb", region_name=where.region)
    kwargs: dict[str, Any] = {
        k: props[k]
        for k in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")
        if k in props
    }
    if "StreamSpecification" in props:  # CloudFormation's shape has no StreamEnabled; the API's needs it
        kwargs["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    description = db.create_table(TableName=name, **kwargs)["TableDescription"]
    if "LatestStreamArn" in description:
        r.attributes[(logical_id, "StreamArn")] = description["LatestStreamArn"]
    if "TimeToLiveSpecification" in props:
        db.update_time_to_live(TableName=name, TimeToLiveSpecification=props["TimeToLiveSpecification"])
    r.refs[logical_id] = name
    r.attributes[(logical_id, "Arn")] = f"arn:aws:dynamodb:{where.region}:{where.account}:table/{name}"


def _topic(logical_id: str, props: dict[str, Any], r: Resolver, where: _Where) -> None:
    arn = boto3.client("sns", region_name=where.region).create_topic(
        Name=props.get("TopicName", f"{where.stack}-{logical_id}")
    )["TopicArn"]
    r.refs[logical_id] = arn
    r.attributes[(logical_id, "TopicName")] = arn.rsplit(":", 1)[1]


def _parameter(logical_id: str, props: dict[str, Any], r: Resolver, where: _Where) -> None:
    boto3.client("ssm", region_name=where.region).put_parameter(
        Name=props["Name"], Type=props.get("Type", "String"), Value=props["Value"], Overwrite=True
    )
    r.refs[logical_id] = props["Name"]


def _queue(logical_id: str, props: dict[str, Any], r: Resolver, where: _Where) -> None:
    sqs = boto3.client("sqs", region_name=where.region)
    name = props.get("QueueName", f"{where.stack}-{logical_id}")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    r.refs[logical_id] = url
    r.attributes[(logical_id, "Arn")] = f"arn:aws:sqs:{where.region}:{where.account}:{name}"
    r.attributes[(logical_id, "QueueName")] = name


def _key(logical_id: str, props: dict[str, Any], r: Resolver, where: _Where) -> None:
    spec = {k: props[k] for k in ("KeySpec", "KeyUsage") if k in props}  # an HMAC key: GENERATE_VERIFY_MAC
    meta = boto3.client("kms", region_name=where.region).create_key(
        Description=props.get("Description", logical_id), **spec
    )["KeyMetadata"]
    r.refs[logical_id] = meta["KeyId"]
    r.attributes[(logical_id, "Arn")] = meta["Arn"]


def _log_group(logical_id: str, props: dict[str, Any], r: Resolver, where: _Where) -> None:
    logs = boto3.client("logs", region_name=where.region)
    logs.create_log_group(logGroupName=props["LogGroupName"])
    if "RetentionInDays" in props:
        logs.put_retention_policy(logGroupName=props["LogGroupName"], retentionInDays=int(props["RetentionInDays"]))
    r.refs[logical_id] = props["LogGroupName"]


def _bucket(logical_id: str, props: dict[str, Any], r: Resolver, where: _Where) -> None:
    generated = f"{where.stack}-{logical_id}".lower()
    if (where.account, where.region) != (ACCOUNT, REGION):  # bucket names are global: one per account and region
        generated = f"{generated}-{where.account}-{where.region}"
    name = props.get("BucketName", generated)
    s3 = boto3.client("s3", region_name=where.region)
    # Only the bucket: its CloudFormation lifecycle shape is checked by the template tests, not here.
    location = (
        {} if where.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": where.region}}
    )
    s3.create_bucket(Bucket=name, **location)  # type: ignore[arg-type]
    r.refs[logical_id] = name
    r.attributes[(logical_id, "Arn")] = f"arn:aws:s3:::{name}"


_CREATORS = {
    "AWS::DynamoDB::Table": _table,
    "AWS::SNS::Topic": _topic,
    "AWS::SSM::Parameter": _parameter,
    "AWS::SQS::Queue": _queue,
    "AWS::KMS::Key": _key,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::S3::Bucket": _bucket,
}


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)
