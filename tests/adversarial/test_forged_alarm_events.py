"""Attack 5: anyone who may invoke RetrainingGateFunction (or put an event that reaches it) feeds it
"AWS-authored" alarm events. Two forged transitions of an alarm that does not exist started a retraining
pipeline.

Control: the gate confirms each transition with CloudWatch before deciding on it (DescribeAlarms, then
DescribeAlarmHistory: ``ecoguard/adapters/alarm_history.py``); an unconfirmed one is ignored and logged.
moto has no DescribeAlarmHistory: ``tools/simulator/alarm_history_shim.py`` (``moto_has_no_describe_alarm_history``).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.builders.retraining_gate import KPI, POLICY, create_pipeline, executions, kpi_breach
from tests.conftest import Stack, load_event

FN = "RetrainingGateFunction"
ENFORCE = {"ECOGUARD_MODE": "enforce"}


@pytest.fixture
def gated(stack: Stack) -> Stack:
    stack.use_policy(POLICY)
    create_pipeline()
    return stack


def forged(n: int) -> dict[str, Any]:
    """A KPI alarm's transition into ALARM, written by hand: CloudWatch never reported it."""
    event = copy.deepcopy(load_event(KPI))
    event["id"] = f"forged-{n}"
    event["detail"]["state"]["timestamp"] = f"2026-10-{n:02d}T09:00:00.000+0000"
    return event


def test_given_two_forged_breaches_of_an_alarm_that_does_not_exist_then_no_pipeline_starts(gated: Stack) -> None:
    for n in (1, 2):
        gated.invoke(FN, forged(n), env=ENFORCE)
    assert executions() == []
    assert [r for r in gated.records() if r.guardrail == "retraining-gate"] == []


def test_given_forged_breaches_of_a_real_alarm_then_no_pipeline_starts(gated: Stack) -> None:
    kpi_breach(1)  # the alarm exists, and really entered ALARM once, on 2026-11-01
    for n in (1, 2):
        gated.invoke(FN, forged(n), env=ENFORCE)  # transitions on 2026-10-01 and -02 CloudWatch never reported
    assert executions() == []


def test_given_two_breaches_cloudwatch_reports_then_the_pipeline_starts_once(gated: Stack) -> None:
    for n in (1, 2):
        gated.invoke(FN, kpi_breach(n), env=ENFORCE)
    assert len(executions()) == 1
