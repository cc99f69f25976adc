"""Attack 2d: faked evidence stops a busy EC2 GPU instance.

``CWAgent`` is not a reserved namespace (PutMetricData reserves only ``AWS/``: CloudWatch API reference,
PutMetricData, ``Namespace``). Any principal allowed ``cloudwatch:PutMetricData`` adds zero datapoints to a busy
instance's ``nvidia_smi_utilization_gpu``: an Average falls towards 0, and the instance would be stopped.

Control: ``guardrails/ec2_accelerators.py`` rules 6 and 7: each hour read as its Maximum (added low datapoints
cannot hide the real ones, which cannot be removed) and its SampleCount against the agent's cadence
(``agent_interval_seconds``, 60 s by default); a crowded hour is a ``gpu-metric-anomaly`` finding, never a stop.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from ecoguard.decisions import Outcome
from tests.conftest import Stack, load_event
from tools.simulator.seed_ec2 import launch, publish_gpu, state

FN = "Ec2AcceleratorsFunction"
HOURS = 3
MINUTES = (HOURS + 1) * 60


@pytest.fixture
def stack(stack: Stack) -> Stack:
    stack.use_policy({"ec2_accelerators": {"idle_hours": HOURS}})
    return stack


def test_given_zeros_added_beside_a_busy_gpus_every_datapoint_then_it_is_an_anomaly_and_never_stopped(
    stack: Stack,
) -> None:
    busy = launch("g5g.xlarge", age=timedelta(days=1))
    publish_gpu(busy, [85.0] * MINUTES, extra_every=1)  # the agent's 85 %, and a forged 0 beside each
    stack.invoke(FN, load_event("ec2_accelerators/scheduled-sweep.json"), env={"ECOGUARD_MODE": "enforce"})
    assert state(busy) == "running"
    [record] = stack.records()
    assert (record.outcome, record.action) == (Outcome.FINDING, "finding:gpu-metric-anomaly")


def test_given_zeros_written_at_the_agents_cadence_over_a_busy_gpu_then_the_maximum_keeps_it_running(
    stack: Stack,
) -> None:
    busy = launch("g5g.xlarge", age=timedelta(days=1))
    # The agent reports 85 % once an hour (its other minutes lost); the forger fills every other minute with 0.
    publish_gpu(busy, [85.0 if minute % 60 == 30 else 0.0 for minute in range(MINUTES)])
    stack.invoke(FN, load_event("ec2_accelerators/scheduled-sweep.json"), env={"ECOGUARD_MODE": "enforce"})
    assert state(busy) == "running"
    assert [r.outcome for r in stack.records()] == []
