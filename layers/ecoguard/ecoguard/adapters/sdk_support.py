"""Whether the SDK in this runtime knows a request parameter, from the client's own service model.

The boto3 bundled in the Lambda runtime lags the newest release. A parameter newer than its botocore
(ListBuckets ``MaxBuckets`` / ``BucketRegion``, October 2024; the lifecycle
``TransitionDefaultMinimumObjectSize``, September 2024) makes botocore raise ``ParamValidationError``
before sending anything, and the response parser drops the members it does not know. ecoguard does not
bundle boto3 (docs/PERFORMANCE.md, "The SDK in Lambda", has the figures); it asks the model first and
refuses, with this error, what it cannot do without such a parameter.

The same holds for what a guardrail reads (``NEEDS``): a botocore that predates the MLflow APIs raises
``UnknownServiceOperation``-style errors, and one that predates a response member (``IsActive``,
``AppLifecycleManagement``, ``retentionPolicyName``) silently drops it from the parsed response, so the
guardrail would read it as absent and act on that (re-plan the same UpdateDomain every hour). A guardrail
asks ``unsupported`` first, says once per run what this runtime's SDK lacks ("not supported by this runtime's
SDK: ..."), and acts on nothing it would read through it; ``ecoguard doctor`` lists the same needs.
"""

from __future__ import annotations

from typing import Any

import botocore
from aws_lambda_powertools import Logger
from botocore.model import NoShapeFoundError

from ecoguard.errors import AwsError

SDK_TOO_OLD = "SdkTooOld"


class SdkTooOld(AwsError):
    """The runtime's botocore does not know a parameter the call needs."""

    def __init__(self, operation: str, members: tuple[str, ...], consequence: str) -> None:
        super().__init__(
            operation,
            SDK_TOO_OLD,
            f"botocore {botocore.__version__} in this runtime does not know {', '.join(members)}; {consequence}",
        )
        self.members = members


def accepts(client: Any, operation: str, *members: str) -> bool:
    """Whether ``operation``'s input shape in the client's service model has every one of ``members``."""
    shape = client.meta.service_model.operation_model(operation).input_shape
    return shape is not None and all(member in shape.members for member in members)


# What each guardrail reads through a response shape's member (shape, member) in botocore's service model, by
# the part of the guardrail that needs it. A shape absent from the model (an operation the SDK does not know)
# counts as missing too. Sources: SageMaker API reference (DescribeMlflowTrackingServer IsActive; ListTrainingJobs
# WarmPoolStatusEquals; DescribeTrainingJob WarmPoolStatus; JupyterLabAppSettings / CodeEditorAppSettings
# AppLifecycleManagement); CloudWatch Logs API reference (LogGroup retentionPolicyName, logGroupClass).
NEEDS: dict[str, dict[str, tuple[tuple[str, str, str], ...]]] = {
    "idle-compute": {
        "warm-pool": (
            ("sagemaker", "ListTrainingJobsRequest", "WarmPoolStatusEquals"),
            ("sagemaker", "DescribeTrainingJobResponse", "WarmPoolStatus"),
        ),
        "tracking-server": (
            ("sagemaker", "ListMlflowTrackingServersResponse", "TrackingServerSummaries"),
            ("sagemaker", "DescribeMlflowTrackingServerResponse", "IsActive"),
            ("sagemaker", "StopMlflowTrackingServerRequest", "TrackingServerName"),
        ),
    },
    "studio-idle": {
        "idle-shutdown": (
            ("sagemaker", "JupyterLabAppSettings", "AppLifecycleManagement"),
            ("sagemaker", "CodeEditorAppSettings", "AppLifecycleManagement"),
        ),
    },
    # Training plans (ListTrainingPlans, December 2024) and a Capacity Block's ReservationType: without them the
    # listing is walked as empty (SageMaker API reference, ListTrainingPlans; EC2 API reference, CapacityReservation).
    "reserved-capacity": {
        "training-plan": (("sagemaker", "ListTrainingPlansResponse", "TrainingPlanSummaries"),),
        "capacity-block": (("ec2", "CapacityReservation", "ReservationType"),),
    },
    # Whether an account-level retention policy sets a group's retention (``retentionPolicyName``, returned only
    # then) decides every group: without it in the model, no group is acted on. The group's class
    # (``logGroupClass``, Standard or Infrequent Access, priced differently) only prices the estimate: without
    # it, the cost is unknown, never priced as Standard. CloudWatch Logs API reference, LogGroup.
    # A CreateLogGroup event's group has its tags read with ListTagsForResource (``resourceArn``; the older
    # ListTagsLogGroup is deprecated): without that operation in the model, the event's group is left to the
    # daily sweep, which reads tags through the tagging API.
    "log-retention": {
        "account-policy": (("logs", "LogGroup", "retentionPolicyName"),),
        "log-class": (("logs", "LogGroup", "logGroupClass"),),
        "event-tags": (("logs", "ListTagsForResourceRequest", "resourceArn"),),
    },
}
UNSUPPORTED = "not supported by this runtime's SDK"
logger = Logger(child=True)


def unsupported(client: Any, needs: tuple[tuple[str, str, str], ...]) -> tuple[str, ...]:
    """``Shape.member`` for each need of ``client``'s service that its service model lacks (empty: all known)."""
    model = client.meta.service_model
    missing = []
    for service, shape_name, member in needs:
        if service != model.service_name:
            continue
        try:
            shape = model.shape_for(shape_name)
        except NoShapeFoundError:
            missing.append(f"{shape_name}.{member}")
            continue
        if member not in getattr(shape, "members", {}):
            missing.append(f"{shape_name}.{member}")
    return tuple(missing)


def gaps(client: Any, guardrail: str) -> dict[str, tuple[str, ...]]:
    """The parts of ``guardrail`` this client's SDK cannot serve, each with what it lacks; said once (logged)."""
    found = {part: missing for part, needs in NEEDS[guardrail].items() if (missing := unsupported(client, needs))}
    if found:
        said = "; ".join(f"{part}: {', '.join(missing)}" for part, missing in sorted(found.items()))
        logger.warning(
            f"{UNSUPPORTED}: {said}",
            extra={
                "guardrail": guardrail,
                "botocore": botocore.__version__,
                "consequence": "those parts act on nothing",
            },
        )
    return found
