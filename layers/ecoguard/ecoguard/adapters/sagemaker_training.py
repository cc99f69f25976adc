"""SageMaker training and tuning jobs: list in-progress jobs page by page, describe, tag, stop, re-create.

A sweep reads the governing tags of every training job in one tagging-API listing per key
(``job_tags``), instead of ListTags per job: finished jobs pile up in real accounts, so the listing is
always filtered by key, never of every tagged training job. ListTags (``tags``) reads one job's tags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import ClientError

from ecoguard.adapters.tagging import TaggingAdapter
from ecoguard.errors import NotFound, translate
from ecoguard.events import parse_aws_time
from ecoguard.guardrails.training_guard import GOVERNING_TAGS, IN_PROGRESS, TrainingJob, TuningJob, creation_request
from ecoguard.sweep import Page

# ListTrainingJobs, ListHyperParameterTuningJobs and ListTags return at most 100 items a page.
PAGE_SIZE = 100
# Training job names: 1 to 63 characters, ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62} (CreateTrainingJob).
MAX_NAME = 63
# One sweep lists training jobs, then tuning jobs; its page token says which listing it is in.
_TUNING = "tuning:"
# The tagging API's name for a training job (as in its ARN, ``...:training-job/<name>``).
TRAINING_JOB_TYPE = "sagemaker:training-job"


@dataclass(frozen=True)
class JobRef:
    kind: Literal["training", "tuning"]
    name: str


def _missing(exc: ClientError) -> bool:
    # SageMaker answers Describe* of a missing job with ValidationException "Could not find ...".
    error = exc.response.get("Error", {})
    return error.get("Code") == "ValidationException" and "not find" in str(error.get("Message", "")).lower()


class SageMakerTrainingAdapter:
    def __init__(self, sagemaker: Any, tagging: TaggingAdapter | None = None) -> None:
        self._sm = sagemaker
        self._tagging = tagging

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self._sm, operation)(**kwargs)
        except ClientError as exc:
            if _missing(exc):
                raise NotFound(exc.operation_name, "ValidationException", str(exc)) from exc
            raise translate(exc) from exc
        return response

    def page(self, token: str | None) -> Page[JobRef]:
        """In-progress training jobs, then in-progress tuning jobs (for advice only)."""
        if token is None or not token.startswith(_TUNING):
            kwargs: dict[str, Any] = {"StatusEquals": IN_PROGRESS, "MaxResults": PAGE_SIZE}
            if token:
                kwargs["NextToken"] = token
            response = self._call("list_training_jobs", **kwargs)
            refs = tuple(JobRef("training", s["TrainingJobName"]) for s in response.get("TrainingJobSummaries", []))
            return Page(refs, response.get("NextToken") or _TUNING)
        kwargs = {"StatusEquals": IN_PROGRESS, "MaxResults": PAGE_SIZE}
        if token != _TUNING:
            kwargs["NextToken"] = token.removeprefix(_TUNING)
        response = self._call("list_hyper_parameter_tuning_jobs", **kwargs)
        summaries = response.get("HyperParameterTuningJobSummaries", [])
        refs = tuple(JobRef("tuning", s["HyperParameterTuningJobName"]) for s in summaries)
        next_token = response.get("NextToken")
        return Page(refs, f"{_TUNING}{next_token}" if next_token else None)

    def job_tags(self) -> dict[str, dict[str, str]]:
        """Job ARN (lower-cased, as ``training_job`` looks it up) -> all its tags, for every training job
        carrying a governing tag: one listing per key. A job absent from it carries none of them."""
        if self._tagging is None:
            raise RuntimeError("SageMakerTrainingAdapter was built without a tagging client")
        tagged = self._tagging.tagged(TRAINING_JOB_TYPE, GOVERNING_TAGS)
        return {arn.lower(): tags for arn, tags in tagged.items()}

    def tags(self, arn: str) -> dict[str, str]:
        tags: dict[str, str] = {}
        kwargs: dict[str, Any] = {"ResourceArn": arn, "MaxResults": PAGE_SIZE}
        while True:
            response = self._call("list_tags", **kwargs)
            tags.update({t["Key"]: t["Value"] for t in response.get("Tags", [])})
            if not response.get("NextToken"):
                return tags
            kwargs["NextToken"] = response["NextToken"]

    def status(self, name: str) -> str | None:
        """The job's TrainingJobStatus, or None if there is no such job."""
        try:
            return str(self._call("describe_training_job", TrainingJobName=name)["TrainingJobStatus"])
        except NotFound:
            return None

    def training_job(self, name: str, listed: Mapping[str, Mapping[str, str]] | None = None) -> TrainingJob | None:
        """The job as it is now, or None if it does not exist. Its tags are read now (ListTags), unless
        ``listed`` (from ``job_tags``) is given: then they are its listed tags, and no call is made."""
        try:
            described = self._call("describe_training_job", TrainingJobName=name)
        except NotFound:
            return None
        arn = described["TrainingJobArn"]
        tags = self.tags(arn) if listed is None else dict(listed.get(arn.lower(), {}))
        start = described.get("TrainingStartTime")
        return TrainingJob(
            name=described["TrainingJobName"],
            arn=described["TrainingJobArn"],
            status=described["TrainingJobStatus"],
            secondary_status=described.get("SecondaryStatus"),
            training_start=parse_aws_time(start) if start is not None else None,
            tags=tags,
            config=creation_request(described, tags),
        )

    def tuning_job(self, name: str) -> TuningJob | None:
        try:
            described = self._call("describe_hyper_parameter_tuning_job", HyperParameterTuningJobName=name)
        except NotFound:
            return None
        config = described.get("HyperParameterTuningJobConfig", {})
        return TuningJob(
            name=described["HyperParameterTuningJobName"],
            arn=described["HyperParameterTuningJobArn"],
            strategy=str(config.get("Strategy", "")),
            early_stopping=config.get("TrainingJobEarlyStoppingType"),
        )

    def stop(self, name: str) -> None:
        self._call("stop_training_job", TrainingJobName=name)

    def create(self, name: str, request: Mapping[str, Any]) -> str:
        if not 1 <= len(name) <= MAX_NAME:
            raise ValueError(f"training job name {name!r} is not 1 to {MAX_NAME} characters")
        return str(self._call("create_training_job", TrainingJobName=name, **request)["TrainingJobArn"])
