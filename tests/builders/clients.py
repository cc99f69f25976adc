"""boto3 clients that never reach AWS, for botocore Stubbers: dummy credentials, one region."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, overload

import boto3

if TYPE_CHECKING:  # type stubs: installed for development only, as in the product
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_sagemaker import SageMakerClient

Offline = Literal["application-autoscaling", "cloudwatch", "sagemaker"]


@overload
def offline(service: Literal["application-autoscaling"]) -> ApplicationAutoScalingClient: ...
@overload
def offline(service: Literal["cloudwatch"]) -> CloudWatchClient: ...
@overload
def offline(service: Literal["sagemaker"]) -> SageMakerClient: ...
def offline(service: Offline) -> ApplicationAutoScalingClient | CloudWatchClient | SageMakerClient:
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
