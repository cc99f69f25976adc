"""Attack 2: faked evidence stops a busy training job.

``/aws/sagemaker/TrainingJobs`` is not a reserved namespace (PutMetricData reserves only ``AWS/``: CloudWatch API
reference, PutMetricData, ``Namespace``). Any principal allowed ``cloudwatch:PutMetricData`` adds heavy zero
datapoints to a busy job's hosts, each period's Average falls to about 0, and a job whose GPU reports 85 %
every minute was stopped (a stopped job cannot be resumed).

Control: ``guardrails/training_guard.py`` rule 5a: each period's Maximum (added low datapoints cannot hide the
real ones) and SampleCount against SageMaker's 1-minute cadence; an anomaly is a finding, never a stop.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from ecoguard.decisions import Outcome
from tests.builders.training_guard import sagemaker
from tests.conftest import REGION, Stack, load_event
from tools.simulator.training_jobs import NAMESPACE, RunningTrainingJobs, SeededJob, seed_training_jobs

BUSY = SeededJob("llm-busy", "ml.g5.xlarge", 1, 150, (85.0,))  # 85 % on its one GPU, every minute
IDLE = SeededJob("llm-idle", "ml.g5.xlarge", 1, 150, (3.0,))
ZEROS_PER_MINUTE = 30


def statuses() -> dict[str, str]:
    return {
        j.name: sagemaker().describe_training_job(TrainingJobName=j.name)["TrainingJobStatus"] for j in (BUSY, IDLE)
    }


@pytest.fixture
def running(stack: Stack) -> Iterator[RunningTrainingJobs]:
    with RunningTrainingJobs.install():
        yield seed_training_jobs([BUSY, IDLE], datetime.now(UTC))


def forge_zeros(host: str, now: datetime) -> None:
    """What any principal with cloudwatch:PutMetricData can do: many zeros in every minute of the window."""
    data: list[Any] = [
        {
            "MetricName": "GPUUtilization",
            "Dimensions": [{"Name": "Host", "Value": host}],
            "Timestamp": now - timedelta(minutes=m, seconds=s),
            "Value": 0.0,
            "Unit": "Percent",
        }
        for m in range(120)
        for s in range(1, ZEROS_PER_MINUTE + 1)
    ]
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    for offset in range(0, len(data), 1000):  # PutMetricData takes at most 1,000 metrics a call
        cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data[offset : offset + 1000])


def test_given_zeros_added_to_a_busy_jobs_series_then_it_is_not_stopped_and_the_anomaly_is_a_finding(
    running: RunningTrainingJobs, stack: Stack
) -> None:
    forge_zeros(f"{BUSY.name}/algo-1", datetime.now(UTC))
    stack.invoke(
        "TrainingGuardFunction", load_event("training_guard/scheduled-sweep.json"), env={"ECOGUARD_MODE": "enforce"}
    )
    assert statuses()[BUSY.name] == "InProgress"
    findings = [r for r in stack.records() if r.resource.name == BUSY.name and r.action == "finding:evidence-anomaly"]
    assert [r.outcome for r in findings] == [Outcome.FINDING]
    assert f"{BUSY.name}/algo-1" in findings[0].reason


def test_given_an_idle_job_nobody_wrote_to_then_it_is_still_stopped(running: RunningTrainingJobs, stack: Stack) -> None:
    stack.invoke(
        "TrainingGuardFunction", load_event("training_guard/scheduled-sweep.json"), env={"ECOGUARD_MODE": "enforce"}
    )
    assert statuses() == {BUSY.name: "InProgress", IDLE.name: "Stopping"}
