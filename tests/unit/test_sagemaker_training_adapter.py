"""The training-job adapter: in-progress training jobs from Search (filtered on status server-side), then
tuning jobs, at 100 a page; a job's fresh state from DescribeTrainingJob and ListTags."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import pytest
from botocore.exceptions import ClientError

from ecoguard.adapters.sagemaker_training import JobRef, SageMakerTrainingAdapter
from ecoguard.errors import NotFound
from ecoguard.guardrails.training_guard import TrainingJob

if TYPE_CHECKING:
    # The fakes below answer only the calls the adapter makes; the stubs list every operation.
    from mypy_boto3_sagemaker import SageMakerClient


class FakeSageMaker:
    def __init__(self, training: int, tuning: int) -> None:
        self.training = [f"train-{i}" for i in range(training)]
        self.tuning = [f"hpo-{i}" for i in range(tuning)]
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _page(self, names: list[str], kwargs: dict[str, Any]) -> tuple[list[str], str | None]:
        start = int(kwargs.get("NextToken", 0))
        end = start + kwargs["MaxResults"]
        return names[start:end], (str(end) if end < len(names) else None)

    def search(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("Search", kwargs))
        names, token = self._page(self.training, kwargs)
        response: dict[str, Any] = {"Results": [{"TrainingJob": record(n)} for n in names]}
        return response | ({"NextToken": token} if token else {})

    def list_hyper_parameter_tuning_jobs(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("ListHyperParameterTuningJobs", kwargs))
        names, token = self._page(self.tuning, kwargs)
        response: dict[str, Any] = {
            "HyperParameterTuningJobSummaries": [{"HyperParameterTuningJobName": n} for n in names]
        }
        return response | ({"NextToken": token} if token else {})

    def describe_training_job(self, **kwargs: Any) -> dict[str, Any]:
        raise ClientError(
            {"Error": {"Code": "ValidationException", "Message": "Could not find training job 'x'."}},
            "DescribeTrainingJob",
        )

    def stop_training_job(self, **kwargs: Any) -> dict[str, Any]:
        """No job exists: refused as DescribeTrainingJob refuses it."""
        return self.describe_training_job(**kwargs)


class NoJobsSageMaker(FakeSageMaker):
    """No jobs on any page, whatever the NextToken (a token is opaque: any string is sent on)."""

    def _page(self, names: list[str], kwargs: dict[str, Any]) -> tuple[list[str], str | None]:
        return [], None


def record(name: str, **fields: Any) -> dict[str, Any]:
    """A Search record of an in-progress job (SearchRecord.TrainingJob), as the index holds it."""
    return {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
        "TrainingJobStatus": "InProgress",
        "SecondaryStatus": "Training",
        "TrainingStartTime": datetime(2026, 1, 1, 12, tzinfo=UTC),
        "RoleArn": "arn:aws:iam::123456789012:role/SM",
        "ResourceConfig": {"InstanceType": "ml.g5.12xlarge", "InstanceCount": 2, "VolumeSizeInGB": 50},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "Tags": [{"Key": "ecoguard:exempt", "Value": "true"}, {"Key": "team", "Value": "nlp"}],
    } | fields


def walk(adapter: SageMakerTrainingAdapter) -> list[TrainingJob | JobRef]:
    refs: list[TrainingJob | JobRef] = []
    token: str | None = None
    while True:
        page = adapter.page(token)
        refs.extend(page.items)
        if page.next_token is None:
            return refs
        token = page.next_token


@pytest.mark.parametrize(("training", "tuning", "calls"), [(0, 0, 2), (100, 0, 2), (101, 1, 3), (250, 150, 5)])
def test_given_jobs_then_every_in_progress_job_is_listed_once_at_100_a_page(
    training: int, tuning: int, calls: int
) -> None:
    sm = FakeSageMaker(training, tuning)
    items = walk(SageMakerTrainingAdapter(cast("SageMakerClient", sm)))
    assert [j.name for j in items if isinstance(j, TrainingJob)] == sm.training
    assert [r.name for r in items if isinstance(r, JobRef) and r.kind == "tuning"] == sm.tuning
    assert len(sm.calls) == calls
    assert all(k["MaxResults"] == 100 for _, k in sm.calls)
    assert all(k["StatusEquals"] == "InProgress" for op, k in sm.calls if op == "ListHyperParameterTuningJobs")


def test_given_a_sweep_then_training_jobs_are_searched_filtered_on_status_by_the_service_never_listed() -> None:
    # ListTrainingJobs with StatusEquals and MaxResults takes MaxResults jobs of any status first, then
    # filters them (ListTrainingJobs API reference): it must not come back.
    sm = FakeSageMaker(150, 0)
    walk(SageMakerTrainingAdapter(cast("SageMakerClient", sm)))
    searches = [k for op, k in sm.calls if op == "Search"]
    first = {
        "Resource": "TrainingJob",
        "SearchExpression": {"Filters": [{"Name": "TrainingJobStatus", "Operator": "Equals", "Value": "InProgress"}]},
        "SortBy": "CreationTime",
        "SortOrder": "Ascending",
        "MaxResults": 100,
    }
    assert searches == [first, {**first, "NextToken": "100"}]
    assert not hasattr(sm, "list_training_jobs"), "the fake offers no ListTrainingJobs: nothing may call it"


def test_given_a_search_record_then_the_job_holds_its_instances_start_status_and_tags_without_other_calls() -> None:
    sm = FakeSageMaker(0, 0)
    sm.training = ["bert"]
    [job] = [j for j in walk(SageMakerTrainingAdapter(cast("SageMakerClient", sm))) if isinstance(j, TrainingJob)]
    assert (job.instance_type, job.instance_count, job.status) == ("ml.g5.12xlarge", 2, "InProgress")
    assert job.training_start == datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert job.tags == {"ecoguard:exempt": "true", "team": "nlp"}
    assert job.max_runtime_seconds == 3600
    assert [op for op, _ in sm.calls] == ["Search", "ListHyperParameterTuningJobs"]


@pytest.mark.parametrize(
    ("token", "sent"),
    [("search:abc", "abc"), ("legacy-list-training-jobs-token", None)],
    ids=["search-token", "token-saved-by-a-listtrainingjobs-version"],
)
def test_given_a_checkpoint_token_then_the_search_resumes_from_it_or_from_the_first_page(
    token: str, sent: str | None
) -> None:
    sm = NoJobsSageMaker(0, 0)
    page = SageMakerTrainingAdapter(cast("SageMakerClient", sm)).page(token)
    [(op, kwargs)] = sm.calls
    assert op == "Search" and kwargs.get("NextToken") == sent
    assert page.next_token == "tuning:"


def test_given_a_missing_job_then_describe_says_none_rather_than_failing() -> None:
    adapter = SageMakerTrainingAdapter(cast("SageMakerClient", FakeSageMaker(0, 0)))
    assert adapter.status("gone") is None and adapter.training_job("gone") is None


def test_given_stop_on_a_missing_job_then_it_raises_not_found() -> None:
    sm = FakeSageMaker(0, 0)
    with pytest.raises(NotFound):
        SageMakerTrainingAdapter(cast("SageMakerClient", sm)).stop("gone")


ARN = "arn:aws:sagemaker:us-east-1:123456789012:training-job/bert-large"


class DescribingSageMaker:
    """One in-progress job, ``bert-large``; counts ListTags."""

    def __init__(self) -> None:
        self.list_tags_calls = 0

    def describe_training_job(self, **kwargs: Any) -> dict[str, Any]:
        return {
            "TrainingJobName": kwargs["TrainingJobName"],
            "TrainingJobArn": ARN,
            "TrainingJobStatus": "InProgress",
            "RoleArn": "arn:aws:iam::123456789012:role/SM",
            "ResourceConfig": {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 50},
        }

    def list_tags(self, **kwargs: Any) -> dict[str, Any]:
        self.list_tags_calls += 1
        assert kwargs == {"ResourceArn": ARN, "MaxResults": 100}
        return {"Tags": [{"Key": "team", "Value": "nlp"}, {"Key": "ecoguard:exempt", "Value": "true"}]}


def test_given_a_job_read_fresh_then_it_is_described_and_its_tags_read_once_into_its_recreation_request() -> None:
    sm = DescribingSageMaker()
    job = SageMakerTrainingAdapter(cast("SageMakerClient", sm)).training_job("bert-large")
    assert job is not None and job.tags == {"team": "nlp", "ecoguard:exempt": "true"}
    assert job.config["Tags"] == [{"Key": "ecoguard:exempt", "Value": "true"}, {"Key": "team", "Value": "nlp"}]
    assert job.config["RoleArn"] == "arn:aws:iam::123456789012:role/SM"
    assert sm.list_tags_calls == 1
