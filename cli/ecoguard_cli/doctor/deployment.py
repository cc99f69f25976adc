"""The deployed stack, as the doctor reads it: its resources (CloudFormation), its functions' configuration
(Lambda), and one typed client per service, made once. Reads only."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudtrail import CloudTrailClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_resourcegroupstaggingapi import ResourceGroupsTaggingAPIClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker import SageMakerClient


@dataclass(frozen=True)
class DeployedFunction:
    logical_id: str
    name: str
    role_arn: str
    runtime: str
    architectures: tuple[str, ...]
    layers: tuple[str, ...]  # layer version ARNs


@dataclass
class Deployment:
    session: boto3.session.Session
    stack: str
    _clients: dict[str, Any] = field(default_factory=dict)

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service)  # type: ignore[call-overload]
        return self._clients[service]

    @property
    def cloudformation(self) -> CloudFormationClient:
        return self._client("cloudformation")  # type: ignore[no-any-return]

    @property
    def iam(self) -> IAMClient:
        return self._client("iam")  # type: ignore[no-any-return]

    @property
    def lambda_(self) -> LambdaClient:
        return self._client("lambda")  # type: ignore[no-any-return]

    @property
    def logs(self) -> CloudWatchLogsClient:
        return self._client("logs")  # type: ignore[no-any-return]

    @property
    def tagging(self) -> ResourceGroupsTaggingAPIClient:
        return self._client("resourcegroupstaggingapi")  # type: ignore[no-any-return]

    @property
    def s3(self) -> S3Client:
        return self._client("s3")  # type: ignore[no-any-return]

    @property
    def cloudtrail(self) -> CloudTrailClient:
        return self._client("cloudtrail")  # type: ignore[no-any-return]

    @property
    def sagemaker(self) -> SageMakerClient:
        return self._client("sagemaker")  # type: ignore[no-any-return]

    @property
    def autoscaling(self) -> ApplicationAutoScalingClient:
        return self._client("application-autoscaling")  # type: ignore[no-any-return]

    @property
    def cloudwatch(self) -> CloudWatchClient:
        return self._client("cloudwatch")  # type: ignore[no-any-return]

    def missing(self) -> str | None:
        """Why the stack cannot be read, if it cannot: DescribeStacks answers a stack that does not exist in
        this region with ValidationError "Stack with id NAME does not exist" (CloudFormation API Reference)."""
        try:
            self.description  # noqa: B018 - read once, cached for the checks
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ValidationError":
                region = self.session.region_name or "the default region"
                return f"no stack {self.stack} in {region}: {error.response['Error'].get('Message', '')}"
            raise
        return None

    @cached_property
    def description(self) -> dict[str, Any]:
        stacks = self.cloudformation.describe_stacks(StackName=self.stack)["Stacks"]
        return dict(stacks[0])

    @cached_property
    def stack_arn(self) -> dict[str, str]:
        """partition, region and account, from the stack's ARN (arn:aws:cloudformation:region:account:...)."""
        _, partition, _, region, account, _ = str(self.description["StackId"]).split(":", 5)
        return {"partition": partition, "region": region, "account": account}

    @cached_property
    def parameters(self) -> dict[str, str]:
        return {p["ParameterKey"]: p.get("ParameterValue", "") for p in self.description.get("Parameters", [])}

    @cached_property
    def resources(self) -> dict[str, tuple[str, str]]:
        """Logical id -> (type, physical id), every resource of the stack (ListStackResources, all pages)."""
        found: dict[str, tuple[str, str]] = {}
        for page in self.cloudformation.get_paginator("list_stack_resources").paginate(StackName=self.stack):
            for summary in page["StackResourceSummaries"]:
                found[summary["LogicalResourceId"]] = (
                    summary["ResourceType"],
                    summary.get("PhysicalResourceId", ""),
                )
        return found

    def physical(self, logical_id: str) -> str | None:
        found = self.resources.get(logical_id)
        return found[1] if found else None

    @cached_property
    def functions(self) -> list[DeployedFunction]:
        deployed = []
        for logical_id, (kind, name) in sorted(self.resources.items()):
            if kind != "AWS::Lambda::Function":
                continue
            config = self.lambda_.get_function_configuration(FunctionName=name)
            deployed.append(
                DeployedFunction(
                    logical_id=logical_id,
                    name=config["FunctionName"],
                    role_arn=config["Role"],
                    runtime=config.get("Runtime", "?"),
                    architectures=tuple(config.get("Architectures", ["x86_64"])),
                    layers=tuple(layer["Arn"] for layer in config.get("Layers", [])),
                )
            )
        return deployed

    def place(self, function: DeployedFunction) -> dict[str, str]:
        """The values sample resources are made of (ecoguard_cli/doctor/calls.py::SAMPLE_RESOURCE)."""
        where = self.stack_arn
        head = f"arn:{where['partition']}:{{service}}:{where['region']}:{where['account']}:"
        queue_url = self.physical("DeadLetterQueue") or ""
        return {
            **where,
            "stack": self.stack,
            "function": function.name,
            "audit_table": head.format(service="dynamodb") + f"table/{self.physical('AuditTable')}",
            "topic": self.physical("NotificationTopic") or "",
            "key": head.format(service="kms") + f"key/{self.physical('NotificationKey')}",
            "record_key": head.format(service="kms") + f"key/{self.physical('AuditRecordKey')}",
            "queue": head.format(service="sqs") + queue_url.rstrip("/").rsplit("/", 1)[-1],
            "report_bucket": self.physical("ReportBucket") or "",
            "central_bus": self.parameters.get("CentralBusArn", ""),
        }
