"""Named shim for two moto 5.2.5 gaps in SageMaker training jobs.

1. ``moto_jobs_finish_at_once``: moto marks a training job Completed the moment it is created,
   so ListTrainingJobs(StatusEquals=InProgress) finds nothing. ``RunningTrainingJobs.start``
   puts a job back to InProgress / Training with the TrainingStartTime a scenario needs.
2. ``moto_has_no_stop_training_job``: StopTrainingJob raises NotImplementedError in moto.
   ``RunningTrainingJobs.install`` adds it: an InProgress job becomes Stopping (as the real API
   leaves it, before Stopped); any other status answers ValidationException, as AWS does.

Both patch moto's backend (not one client), so every client sees the same jobs: the handler's,
the tests' and the restorer's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from moto.core.responses import EmptyResult
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse

from tools.ecoguard_local.account import ACCOUNT, REGION


def _backend(account: str = ACCOUNT, region: str = REGION) -> Any:
    return sagemaker_backends[account][region]


def _naive_utc(moment: datetime) -> datetime:
    # moto keeps naive UTC datetimes.
    return moment.astimezone(UTC).replace(tzinfo=None)


def _stop_training_job(self: SageMakerResponse) -> EmptyResult:
    name = self._get_param("TrainingJobName")
    jobs = self.sagemaker_backend.training_jobs
    job = jobs.get(name)
    if job is None or job.training_job_status != "InProgress":
        status = job.training_job_status if job else "missing"
        raise ValidationError(message=f"The request was rejected because the training job is in status {status}.")
    job.training_job_status = "Stopping"
    job.secondary_status = "Stopping"
    return EmptyResult()


class RunningTrainingJobs:
    """Hold moto training jobs in progress, and give moto StopTrainingJob."""

    def __init__(self, account: str = ACCOUNT, region: str = REGION) -> None:
        self._account = account
        self._region = region

    @staticmethod
    @contextmanager
    def install() -> Iterator[None]:
        previous = getattr(SageMakerResponse, "stop_training_job", None)
        SageMakerResponse.stop_training_job = _stop_training_job  # type: ignore[attr-defined]
        try:
            yield
        finally:
            if previous is None:
                del SageMakerResponse.stop_training_job  # type: ignore[attr-defined]
            else:
                SageMakerResponse.stop_training_job = previous  # type: ignore[attr-defined]

    def start(self, name: str, started_at: datetime) -> None:
        job = _backend(self._account, self._region).training_jobs[name]
        job.training_job_status = "InProgress"
        job.secondary_status = "Training"
        job.training_start_time = _naive_utc(started_at)
        job.training_end_time = None
        job.secondary_status_transitions = [
            {"Status": "Training", "StartTime": job.training_start_time, "StatusMessage": "Training in progress"}
        ]

    def status(self, name: str) -> str:
        return str(_backend(self._account, self._region).training_jobs[name].training_job_status)
