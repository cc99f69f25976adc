"""boto3 clients that never reach AWS: dummy credentials, one region.

``offline`` is for botocore Stubbers. ``unreachable`` is for a client the code under test must not use: a
Stubber with no responses, so any call fails at once (``UnStubbedResponseError``) instead of going out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, overload

import boto3
from botocore.stub import Stubber

if TYPE_CHECKING:  # type stubs: installed for development only, as in the product
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sagemaker import SageMakerClient

type Service = Literal["application-autoscaling", "cloudwatch", "dynamodb", "sagemaker"]
type Client = ApplicationAutoScalingClient | CloudWatchClient | DynamoDBClient | SageMakerClient


@overload
def offline(service: Literal["application-autoscaling"]) -> ApplicationAutoScalingClient: ...
@overload
def offline(service: Literal["cloudwatch"]) -> CloudWatchClient: ...
@overload
def offline(service: Literal["dynamodb"]) -> DynamoDBClient: ...
@overload
def offline(service: Literal["sagemaker"]) -> SageMakerClient: ...
def offline(service: Service) -> Client:
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


@overload
def unreachable(service: Literal["application-autoscaling"]) -> ApplicationAutoScalingClient: ...
@overload
def unreachable(service: Literal["dynamodb"]) -> DynamoDBClient: ...
def unreachable(service: Literal["application-autoscaling", "dynamodb"]) -> Client:
    client = offline(service)
    Stubber(client).activate()
    return client
