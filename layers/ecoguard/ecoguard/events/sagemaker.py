"""SageMaker's EventBridge events that ecoguard acts on: endpoint and training job state changes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ecoguard.events import SAGEMAKER_NAME, AwsTime, EventBridgeEvent, EventError, status_key
from ecoguard.validation import first_error

ENDPOINT_STATE_CHANGE = "SageMaker Endpoint State Change"
TRAINING_STATE_CHANGE = "SageMaker Training Job State Change"
MAX_TRAINING_JOB_NAME = 63  # CreateTrainingJob: TrainingJobName, 1 to 63 characters
IN_PROGRESS = "InProgress"
# Debugger / profiler rules that report under-used GPUs: their IssuesFound means "look at this job now".
LOW_UTILIZATION_RULES = ("lowgpuutilization", "batchsize")
ISSUES_FOUND = "IssuesFound"


class EndpointStateDetail(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    EndpointName: str = Field(pattern=SAGEMAKER_NAME)
    EndpointStatus: str
    EndpointArn: str | None = None


def in_service_endpoint(event: EventBridgeEvent) -> tuple[str, str] | None:
    """(name, ARN) of the endpoint a ``SageMaker Endpoint State Change`` event reports InService (either
    spelling). The ARN is the event's, as sent: AWS's own example lower-cases it."""
    try:
        detail = EndpointStateDetail.model_validate(event.detail)
    except ValidationError as exc:
        error = first_error(exc)
        raise EventError(f"malformed endpoint state change: field detail.{error.field}: {error.message}") from exc
    if status_key(detail.EndpointStatus) != "inservice":
        return None
    arn = detail.EndpointArn or (event.resources[0] if event.resources else detail.EndpointName)
    return detail.EndpointName, arn


class RuleStatus(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    RuleConfigurationName: str = ""
    RuleEvaluationStatus: str = ""


class TrainingStateChangeDetail(BaseModel):
    """The ``detail`` of a ``SageMaker Training Job State Change`` event (timestamps in any AWS form)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    TrainingJobName: str = Field(min_length=1, max_length=MAX_TRAINING_JOB_NAME, pattern=SAGEMAKER_NAME)
    TrainingJobStatus: str = Field(min_length=1)
    SecondaryStatus: str | None = None
    TrainingStartTime: AwsTime | None = None
    LastModifiedTime: AwsTime | None = None
    DebugRuleEvaluationStatuses: tuple[RuleStatus, ...] = ()
    ProfilerRuleEvaluationStatuses: tuple[RuleStatus, ...] = ()

    def low_utilization_issues(self) -> list[str]:
        statuses = self.DebugRuleEvaluationStatuses + self.ProfilerRuleEvaluationStatuses
        return [
            s.RuleConfigurationName
            for s in statuses
            if s.RuleEvaluationStatus == ISSUES_FOUND
            and any(rule in s.RuleConfigurationName.lower() for rule in LOW_UTILIZATION_RULES)
        ]


def parse_training_event(event: EventBridgeEvent) -> TrainingStateChangeDetail:
    try:
        return TrainingStateChangeDetail.model_validate(event.detail)
    except ValidationError as exc:
        error = first_error(exc)
        raise EventError(f"malformed training job state change: field detail.{error.field}: {error.message}") from exc


def worth_evaluating(detail: TrainingStateChangeDetail) -> bool:
    """InProgress events (the job started or changed phase), or a low-utilization rule that found issues.

    A rule's IssuesFound is a reason to look at the metrics now, never a reason to stop by itself.
    Events for finished jobs are ignored without a call: AWS may deliver them out of order.
    """
    return detail.TrainingJobStatus == IN_PROGRESS or bool(detail.low_utilization_issues())
