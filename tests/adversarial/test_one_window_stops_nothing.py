"""Attack 2b: one window of evidence stops a job for good. A stopped training job cannot be resumed, and the guard
stopped a job on the first sweep that read one idle window. Whoever can make one window read idle (a pause they
provoke in the job, a series they disturb for one window in a way no check catches yet) had a busy job stopped.

Control: ``guardrails/training_guard.py`` rule 5b: two sweeps that agree. The first sweep that finds a job idle
records an ``idle-first-sighting`` finding and its window's end (the guard's state); only a sweep whose window ends
at least one period later, with the two windows still overlapping, and that finds the job idle again, stops it. A
sweep that does not find it idle clears the sighting.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from ecoguard.decisions import Mode, Outcome
from ecoguard.guardrails.training_guard import FIRST_SIGHTING, GUARDRAIL
from ecoguard.state import StateStore
from tests.builders.training_guard import sagemaker, state_change
from tests.conftest import REGION, Stack, load_event
from tools.simulator.training_jobs import RunningTrainingJobs, SeededJob, seed_training_jobs

FN = "TrainingGuardFunction"
SWEEP = "training_guard/scheduled-sweep.json"
ENFORCE = {"ECOGUARD_MODE": "enforce"}
# Busy until now, as far as anyone knows; its last window reads idle (the one window the attacker made idle).
JOB = SeededJob("llm-pretrain", "ml.g5.xlarge", 1, 150, (3.0,))


@pytest.fixture
def running(stack: Stack) -> Iterator[RunningTrainingJobs]:
    with RunningTrainingJobs.install():
        yield seed_training_jobs([JOB], datetime.now(UTC), seen_before=False)  # no sweep has seen it idle


def status() -> str:
    return str(sagemaker().describe_training_job(TrainingJobName=JOB.name)["TrainingJobStatus"])


def sightings(stack: Stack) -> StateStore:
    return StateStore(boto3.client("dynamodb", region_name=REGION), stack.resolver.refs["AuditTable"], GUARDRAIL,
                      Mode.ENFORCE)  # fmt: skip


def job_arn() -> str:
    return str(sagemaker().describe_training_job(TrainingJobName=JOB.name)["TrainingJobArn"])


def a_period_passes(stack: Stack) -> None:
    """The clock moves on one period (5 minutes): the sighting's window is one period further back. As
    tests/builders/idle_endpoint.py::travel_past_grace does for grace marks."""
    store, key = sightings(stack), job_arn()
    item = store.get(key)
    earlier = datetime.fromisoformat(item.value["window_end"]) - timedelta(minutes=5)
    store.put(key, {"window_end": earlier.isoformat()}, expected_version=item.version, expires_at=2**31)


def test_given_one_idle_window_when_the_first_sweep_reads_it_then_the_job_is_not_stopped_and_a_sighting_is_noted(
    running: RunningTrainingJobs, stack: Stack
) -> None:
    stack.invoke(FN, load_event(SWEEP), env=ENFORCE)
    assert status() == "InProgress"
    [noted] = [r for r in stack.records() if r.action == f"finding:{FIRST_SIGHTING}"]
    assert noted.outcome is Outcome.FINDING and "not stopped yet" in noted.reason
    assert not [r for r in stack.records() if r.action == "stop-training-job"]
    assert sightings(stack).get(job_arn()).value["window_end"]


def test_given_a_second_look_at_the_same_window_then_the_job_is_still_not_stopped(
    running: RunningTrainingJobs, stack: Stack
) -> None:
    stack.invoke(FN, load_event(SWEEP), env=ENFORCE)
    stack.invoke(FN, state_change(JOB.name), env=ENFORCE)  # an event right after: the same window, not a sweep later
    stack.invoke(FN, load_event(SWEEP) | {"id": "again"}, env=ENFORCE)
    assert status() == "InProgress"


def test_given_a_sweep_one_period_later_that_agrees_then_the_job_is_stopped(
    running: RunningTrainingJobs, stack: Stack
) -> None:
    stack.invoke(FN, load_event(SWEEP), env=ENFORCE)
    a_period_passes(stack)
    stack.invoke(FN, load_event(SWEEP) | {"id": "a-period-later"}, env=ENFORCE)
    assert status() == "Stopping"
    [stop] = [r for r in stack.records() if r.action == "stop-training-job"]
    assert stop.outcome is Outcome.APPLIED
