"""The training-job listing: in-progress training jobs page by page, then tuning jobs, at 100 a page."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from ecoguard.adapters.sagemaker_training import JobRef, SageMakerTrainingAdapter
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
