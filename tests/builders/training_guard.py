"""TrainingGuardFunction in the simulated account: the seeded training jobs and their state changes."""

from __future__ import annotations

import copy
from typing import Any

import boto3

from tests.conftest import REGION, load_event
from tools.simulator.training_jobs import DEMO_JOBS, SeededJob

EPOCH_EVENT = "training_guard/training-job-state-change.json"

EXTRA_JOBS = (
    SeededJob("idle-but-exempt", "ml.g5.xlarge", 1, 120, (1.0,), tags=(("ecoguard:exempt", "true"),)),
    SeededJob("mystery-instance", "ml.m4.xlarge", 1, 120, (0.0,)),
    SeededJob("one-idle-host-of-four", "ml.g5.xlarge", 4, 120, (0.0, 40.0, 40.0, 40.0)),
)
ALL_JOBS = DEMO_JOBS + EXTRA_JOBS


def sagemaker() -> Any:
    return boto3.client("sagemaker", region_name=REGION)


def statuses() -> dict[str, str]:
    return {j.name: sagemaker().describe_training_job(TrainingJobName=j.name)["TrainingJobStatus"] for j in ALL_JOBS}


def state_change(name: str, status: str = "InProgress", **detail: Any) -> dict[str, Any]:
    event = copy.deepcopy(load_event(EPOCH_EVENT))
    event["id"] = f"evt-{name}-{status}"
    event["detail"].update(TrainingJobName=name, TrainingJobStatus=status, SecondaryStatus="Training", **detail)
    return event
