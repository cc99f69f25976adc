"""Every way an AWS service says "there is no such resource", in one table, each signal with its source.

Services do not agree. SageMaker models ``ResourceNotFound`` for some operations but answers a missing
endpoint, endpoint configuration, notebook instance or training job with ``ValidationException`` and a
message; other services use a code of their own. ``ecoguard.errors.translate`` turns a matching error into
``NotFound``, so an adapter never inspects a message itself.

Not in this table: S3's ``NoSuchLifecycleConfiguration`` and ``NoSuchTagSet`` say that a bucket has no such
configuration, not that the bucket is gone; the S3 adapter reads them as "none".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NotFoundSignal:
    """``code`` from ``service`` (botocore's service name) means "no such resource" when its message holds
    ``message`` (case-insensitive; empty: whatever the message)."""

    service: str
    code: str
    message: str
    source: str


SAGEMAKER = "sagemaker"

SIGNALS: tuple[NotFoundSignal, ...] = (
    NotFoundSignal(
        SAGEMAKER,
        "ValidationException",
        "requested resource not found",
        "DescribeTrainingJob of a missing job: aws/aws-sdk #165; aws/amazon-sagemaker-examples #2360",
    ),
    NotFoundSignal(
        SAGEMAKER,
        "ValidationException",
        "could not find",
        'DeleteEndpoint "Could not find endpoint" (aws/amazon-sagemaker-examples #2402); DescribeEndpointConfig '
        '"Could not find endpoint configuration" (aws/amazon-sagemaker-examples #2339)',
    ),
    NotFoundSignal(
        SAGEMAKER,
        "ValidationException",
        "does not exist",
        "kept from the adapter's earlier check of Describe* messages; no public report of it was found",
    ),
    NotFoundSignal(
        SAGEMAKER,
        "ValidationException",
        "recordnotfound",
        "kept from the adapter's earlier check of Describe* messages; no public report of it was found",
    ),
    NotFoundSignal(
        SAGEMAKER,
        "ResourceNotFound",
        "",
        "botocore's SageMaker model: ResourceNotFound, modelled on DescribeModelCard, DescribeInferenceComponent "
        "and others (SageMaker API Reference, Errors)",
    ),
    NotFoundSignal(
        "application-autoscaling",
        "ObjectNotFoundException",
        "",
        "Application Auto Scaling API Reference: DeregisterScalableTarget, DeleteScalingPolicy (Errors)",
    ),
    NotFoundSignal(
        "logs", "ResourceNotFoundException", "", "CloudWatch Logs API Reference: PutRetentionPolicy (Errors)"
    ),
    NotFoundSignal(
        "dynamodb", "ResourceNotFoundException", "", "DynamoDB API Reference: GetItem, PutItem, Query (Errors)"
    ),
    NotFoundSignal("ssm", "ParameterNotFound", "", "Systems Manager API Reference: GetParameter (Errors)"),
    NotFoundSignal(
        "ec2",
        "InvalidInstanceID.NotFound",
        "",
        "Amazon EC2 API Reference, Error codes: InvalidInstanceID.NotFound (DescribeInstances, StartInstances)",
    ),
    NotFoundSignal("iam", "NoSuchEntity", "", "IAM API Reference: GetRole (Errors)"),
    NotFoundSignal("s3", "NoSuchBucket", "", "Amazon S3 API Reference: Error codes (NoSuchBucket, 404)"),
    NotFoundSignal(
        "s3", "NotFound", "", "HeadBucket of a missing bucket: a 404 without a body, which botocore names NotFound"
    ),
)


def is_not_found(code: str, message: str, service: str | None = None) -> bool:
    """Whether an error says the resource does not exist. ``service`` None (the caller did not say which
    service answered): only the signals that need no message count, so a ``ValidationException`` is never
    taken for "gone" without knowing it came from SageMaker."""
    lowered = message.lower()
    for signal in SIGNALS:
        if signal.code != code:
            continue
        if service is None:
            if not signal.message:
                return True
        elif signal.service == service and signal.message in lowered:
            return True
    return False
