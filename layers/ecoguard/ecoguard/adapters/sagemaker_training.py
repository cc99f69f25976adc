"""SageMaker training and tuning jobs: list in-progress jobs page by page, describe, tag, stop, re-create.

In-progress training jobs are listed with the Search API (``Resource="TrainingJob"``, a filter on
``TrainingJobStatus`` Equals ``InProgress``, 100 a page), not ListTrainingJobs: with ``StatusEquals`` and
``MaxResults`` both set, ListTrainingJobs takes ``MaxResults`` jobs of any status first (newest first)
and only then filters them (ListTrainingJobs API reference), so in a real account it pages through the
whole training history and can answer empty pages while more jobs exist. Search filters server-side
and returns each job's description with its tags, so a sweep decides from the listing alone.

Search's index is eventually consistent: a record can show a job that has finished since, or tags that
changed since. So the listing is never the state a job is stopped on: ``training_job`` (DescribeTrainingJob
and ListTags) reads it fresh first. ListHyperParameterTuningJobs documents no such behaviour: tuning jobs
(advice only) are listed with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from aws_lambda_powertools import Logger

from ecoguard.adapters.sagemaker_calls import SageMakerCalls
from ecoguard.errors import NotFound
from ecoguard.events import parse_aws_time
from ecoguard.guardrails.training_guard import IN_PROGRESS, TrainingJob, TuningJob, creation_request
from ecoguard.paging import Page

if TYPE_CHECKING:
    pass

logger = Logger(child=True)

# Search, ListHyperParameterTuningJobs and ListTags return at most 100 items a page.
PAGE_SIZE = 100
# Training job names: 1 to 63 characters, ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62} (CreateTrainingJob).
MAX_NAME = 63
# One sweep searches training jobs, then lists tuning jobs; its page token says which listing it is in.
# A token with neither prefix was saved by a version that listed training jobs with ListTrainingJobs:
# Search cannot take it, so that sweep starts again from Search's first page (records keyed by the run
# id make every job already handled a no-op).
_SEARCH = "search:"
_TUNING = "tuning:"
# Server-side: only InProgress jobs are returned, so every page is full until the last.
IN_PROGRESS_FILTER = {"Filters": [{"Name": "TrainingJobStatus", "Operator": "Equals", "Value": IN_PROGRESS}]}
# A property that does not change while a job runs (the default, LastModifiedTime, changes with every
# secondary status), so a job does not move between pages while a sweep walks them.
SORT = {"SortBy": "CreationTime", "SortOrder": "Ascending"}


@dataclass(frozen=True)
class JobRef:
    kind: Literal["training", "tuning"]
    name: str


class SageMakerTrainingAdapter(SageMakerCalls):
    """Training and tuning jobs. A missing job is ValidationException "Requested resource not found."
    (``ecoguard.not_found``)."""

    def page(self, token: str | None) -> Page[TrainingJob | JobRef]:
        """In-progress training jobs as the Search index shows them, then in-progress tuning jobs (named
        only: advice reads their description)."""
        if token is None or not token.startswith(_TUNING):
            kwargs: dict[str, Any] = {
                "Resource": "TrainingJob",
                "SearchExpression": IN_PROGRESS_FILTER,
                **SORT,
                "MaxResults": PAGE_SIZE,
            }
            if token and token.startswith(_SEARCH):
                kwargs["NextToken"] = token.removeprefix(_SEARCH)
            elif token:
                logger.info("sweep checkpoint from a ListTrainingJobs listing; searching from the first page")
            response = self._call("search", **kwargs)
            jobs = tuple(listed_job(r["TrainingJob"]) for r in response.get("Results", []) if r.get("TrainingJob"))
            next_token = response.get("NextToken")
            return Page(jobs, f"{_SEARCH}{next_token}" if next_token else _TUNING)
        kwargs = {"StatusEquals": IN_PROGRESS, "MaxResults": PAGE_SIZE}
        if token != _TUNING:
            kwargs["NextToken"] = token.removeprefix(_TUNING)
        response = self._call("list_hyper_parameter_tuning_jobs", **kwargs)
        summaries = response.get("HyperParameterTuningJobSummaries", [])
        refs = tuple(JobRef("tuning", s["HyperParameterTuningJobName"]) for s in summaries)
        next_token = response.get("NextToken")
        return Page(refs, f"{_TUNING}{next_token}" if next_token else None)

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

    def role(self, name: str) -> str | None:
        """The execution role the job ran with (DescribeTrainingJob ``RoleArn``), or None if there is no such job."""
        try:
            return str(self._call("describe_training_job", TrainingJobName=name)["RoleArn"])
        except NotFound:
            return None

    def training_job(self, name: str) -> TrainingJob | None:
        """The job as it is now (DescribeTrainingJob, then ListTags), or None if it does not exist."""
        try:
            described = self._call("describe_training_job", TrainingJobName=name)
        except NotFound:
            return None
        return as_job(described, self.tags(described["TrainingJobArn"]))

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


def as_job(described: Mapping[str, Any], tags: Mapping[str, str]) -> TrainingJob:
    """A DescribeTrainingJob response, or a Search record of one, with the job's tags."""
    start = described.get("TrainingStartTime")
    return TrainingJob(
        name=described["TrainingJobName"],
        arn=described["TrainingJobArn"],
        status=described["TrainingJobStatus"],
        secondary_status=described.get("SecondaryStatus"),
        training_start=parse_aws_time(start) if start is not None else None,
        tags=dict(tags),
        config=creation_request(described, tags),
    )


def listed_job(record: Mapping[str, Any]) -> TrainingJob:
    """A job from its Search record (``SearchRecord.TrainingJob``): its description and its tags as the
    index holds them, which may lag. Enough to decide whether to look closer; never the state a job is
    stopped on, nor its before-state (the record lacks some CreateTrainingJob fields too)."""
    tags = {t["Key"]: t["Value"] for t in record.get("Tags", [])}
    return as_job(record, tags)
