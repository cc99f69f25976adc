"""SageMaker: read a monitoring run's outcome, inspect a pipeline, start and stop its executions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ecoguard.errors import calling, translate
from ecoguard.guardrails.retraining_gate import TOKEN_PATTERN
from ecoguard.monitor_events import RunOutcome
from ecoguard.policy import MAX_PIPELINE_PARAMETER_VALUE, MAX_PIPELINE_PARAMETERS

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

# ListPipelineExecutions returns at most 100 executions a page.
PAGE_SIZE = 100
IN_FLIGHT = frozenset({"Executing", "Stopping"})


@dataclass(frozen=True)
class ExecutionSummary:
    arn: str
    status: str
    display_name: str | None


class PipelinesAdapter:
    def __init__(self, sagemaker: SageMakerClient) -> None:
        self._sm = sagemaker

    def run_outcome(self, job_name: str) -> RunOutcome:
        job = calling(self._sm.describe_processing_job, ProcessingJobName=job_name)
        return RunOutcome(status=str(job.get("ProcessingJobStatus", "")), exit_message=str(job.get("ExitMessage", "")))

    def pipeline_arn(self, name: str) -> str:
        try:
            return str(self._sm.describe_pipeline(PipelineName=name)["PipelineArn"])
        except ClientError as exc:
            raise translate(exc) from exc

    def tags(self, arn: str) -> dict[str, str]:
        tags: dict[str, str] = {}
        kwargs: dict[str, Any] = {"ResourceArn": arn, "MaxResults": 100}
        while True:
            response = calling(self._sm.list_tags, **kwargs)
            tags.update({t["Key"]: t["Value"] for t in response.get("Tags", [])})
            if not response.get("NextToken"):
                return tags
            kwargs["NextToken"] = response["NextToken"]

    def executions(self, name: str) -> list[ExecutionSummary]:
        """Every execution of the pipeline, newest first, one call per page of 100."""
        found: list[ExecutionSummary] = []
        kwargs: dict[str, Any] = {
            "PipelineName": name,
            "SortBy": "CreationTime",
            "SortOrder": "Descending",
            "MaxResults": PAGE_SIZE,
        }
        while True:
            response = calling(self._sm.list_pipeline_executions, **kwargs)
            found += [
                ExecutionSummary(
                    s["PipelineExecutionArn"],
                    s.get("PipelineExecutionStatus", ""),
                    s.get("PipelineExecutionDisplayName"),
                )
                for s in response.get("PipelineExecutionSummaries", [])
            ]
            if not response.get("NextToken"):
                return found
            kwargs["NextToken"] = response["NextToken"]

    def in_flight(self, name: str) -> tuple[str, ...]:
        return tuple(e.arn for e in self.executions(name) if e.status in IN_FLIGHT)

    def start(self, name: str, display_name: str, token: str, parameters: Mapping[str, str], description: str) -> str:
        # StartPipelineExecution's limits (SageMaker API reference): ClientRequestToken 32-128 characters,
        # at most 200 PipelineParameters, each Value at most 1024 characters. Checked before the call, so a
        # request past one fails here naming it.
        if not TOKEN_PATTERN.match(token):
            raise ValueError(f"ClientRequestToken {token!r}: 32 to 128 letters, digits or hyphens")
        if len(parameters) > MAX_PIPELINE_PARAMETERS:
            raise ValueError(f"{len(parameters)} pipeline parameters; SageMaker accepts {MAX_PIPELINE_PARAMETERS}")
        too_long = [k for k, v in parameters.items() if len(v) > MAX_PIPELINE_PARAMETER_VALUE]
        if too_long:
            raise ValueError(f"pipeline parameters longer than {MAX_PIPELINE_PARAMETER_VALUE} characters: {too_long}")
        try:
            response = self._sm.start_pipeline_execution(
                PipelineName=name,
                PipelineExecutionDisplayName=display_name,
                PipelineExecutionDescription=description[:3072],
                PipelineParameters=[{"Name": k, "Value": v} for k, v in parameters.items()],
                ClientRequestToken=token,
            )
        except ClientError as exc:
            raise translate(exc) from exc
        return str(response["PipelineExecutionArn"])

    def stop(self, execution_arn: str, token: str) -> None:
        calling(self._sm.stop_pipeline_execution, PipelineExecutionArn=execution_arn, ClientRequestToken=token)
