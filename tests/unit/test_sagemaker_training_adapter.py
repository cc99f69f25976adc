"""The training-job adapter: in-progress training jobs page by page, then tuning jobs, at 100 a page; tags
from the sweep's listing (one per governing key) or read per job."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from ecoguard.adapters.sagemaker_training import JobRef, SageMakerTrainingAdapter
from ecoguard.adapters.tagging import TaggingAdapter
from ecoguard.errors import NotFound


class FakeSageMaker:
    def __init__(self, training: int, tuning: int) -> None:
        self.training = [f"train-{i}" for i in range(training)]
        self.tuning = [f"hpo-{i}" for i in range(tuning)]
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _page(self, names: list[str], kwargs: dict[str, Any]) -> tuple[list[str], str | None]:
        start = int(kwargs.get("NextToken", 0))
        end = start + kwargs["MaxResults"]
        return names[start:end], (str(end) if end < len(names) else None)

    def list_training_jobs(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("ListTrainingJobs", kwargs))
        names, token = self._page(self.training, kwargs)
        response: dict[str, Any] = {"TrainingJobSummaries": [{"TrainingJobName": n} for n in names]}
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


def walk(adapter: SageMakerTrainingAdapter) -> list[JobRef]:
    refs: list[JobRef] = []
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
    refs = walk(SageMakerTrainingAdapter(sm))
    assert [r.name for r in refs if r.kind == "training"] == sm.training
    assert [r.name for r in refs if r.kind == "tuning"] == sm.tuning
    assert len(sm.calls) == calls
    assert all(k["MaxResults"] == 100 and k["StatusEquals"] == "InProgress" for _, k in sm.calls)


def test_given_a_missing_job_then_describe_says_none_rather_than_failing() -> None:
    adapter = SageMakerTrainingAdapter(FakeSageMaker(0, 0))
    assert adapter.status("gone") is None and adapter.training_job("gone") is None


def test_given_stop_on_a_missing_job_then_it_raises_not_found() -> None:
    sm = FakeSageMaker(0, 0)
    sm.stop_training_job = sm.describe_training_job  # type: ignore[method-assign]
    with pytest.raises(NotFound):
        SageMakerTrainingAdapter(sm).stop("gone")


ARN = "arn:aws:sagemaker:us-east-1:123456789012:training-job/bert-large"


class DescribingSageMaker:
    """One in-progress job, ``Bert-Large``, whose ARN SageMaker lower-cases; counts ListTags."""

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
        return {"Tags": [{"Key": "team", "Value": "nlp"}, {"Key": "ecoguard:exempt", "Value": "true"}]}


class FakeTagging:
    """GetResources over training jobs, one page of ``per_page`` at a time."""

    def __init__(self, tagged: dict[str, dict[str, str]], per_page: int = 100) -> None:
        self.tagged = tagged
        self.per_page = per_page
        self.calls: list[dict[str, Any]] = []

    def get_resources(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        [key] = [f["Key"] for f in kwargs["TagFilters"]]
        matching = [(arn, tags) for arn, tags in self.tagged.items() if key in tags]
        start = int(kwargs.get("PaginationToken") or 0)
        page = matching[start : start + self.per_page]
        response: dict[str, Any] = {
            "ResourceTagMappingList": [
                {"ResourceARN": arn, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]} for arn, tags in page
            ]
        }
        if start + self.per_page < len(matching):
            response["PaginationToken"] = str(start + self.per_page)
        return response


def test_given_listed_tags_then_a_described_job_takes_them_by_its_arn_in_any_case_and_reads_none() -> None:
    sm = DescribingSageMaker()
    adapter = SageMakerTrainingAdapter(sm)
    job = adapter.training_job("Bert-Large", {ARN.lower(): {"ecoguard:min-gpu-util": "20"}})
    assert job is not None and job.tags == {"ecoguard:min-gpu-util": "20"}
    assert job.config["Tags"] == [{"Key": "ecoguard:min-gpu-util", "Value": "20"}]
    unlisted = adapter.training_job("Bert-Large", {})
    assert unlisted is not None and unlisted.tags == {} and "Tags" not in unlisted.config
    assert sm.list_tags_calls == 0
    read = adapter.training_job("Bert-Large")
    assert read is not None and read.tags == {"team": "nlp", "ecoguard:exempt": "true"}
    assert sm.list_tags_calls == 1


def test_given_jobs_with_governing_tags_then_job_tags_lists_each_key_filtered_by_type_at_100_a_page() -> None:
    tagged = {f"{ARN}-{i}": {"ecoguard:min-gpu-util": "20", "team": "nlp"} for i in range(150)}
    tagged[ARN.upper()] = {"ecoguard:exempt": "true"}
    tagging = FakeTagging(tagged)
    found = SageMakerTrainingAdapter(DescribingSageMaker(), TaggingAdapter(tagging)).job_tags()
    assert found == {arn.lower(): tags for arn, tags in tagged.items()}
    keys = [c["TagFilters"] for c in tagging.calls]
    assert keys == [
        [{"Key": "ecoguard:exempt"}],
        [{"Key": "ecoguard:min-gpu-util"}],
        [{"Key": "ecoguard:min-gpu-util"}],
    ]
    assert all(c["ResourceTypeFilters"] == ["sagemaker:training-job"] for c in tagging.calls)
    assert all(c["ResourcesPerPage"] == 100 for c in tagging.calls)


def test_given_no_tagging_client_then_job_tags_refuses_rather_than_guess() -> None:
    with pytest.raises(RuntimeError, match="tagging"):
        SageMakerTrainingAdapter(DescribingSageMaker()).job_tags()
