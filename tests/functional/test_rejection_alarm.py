"""Rejected events raise an alarm: every function that counts ``EventsRejected`` emits it with exactly the
dimensions ``EventsRejectedAlarm`` and ``EventsRejectedMoreAlarm`` watch (a metric-math alarm takes at most 10
metrics, so the functions are split between two alarms). An alarm on a dimension nobody emits would never fire, so the
metrics are read from what the real handlers print (Powertools' embedded metric format), not assumed."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.conftest import Stack
from tools.simulator.account import provision
from tools.simulator.identity import REGION
from tools.simulator.template import functions, load_template

TEMPLATE = load_template()
# Invoked directly by a person, who gets the rejection back; it counts no metric.
NOT_COUNTED = {"RestoreFunction"}
ALARMS = ("EventsRejectedAlarm", "EventsRejectedMoreAlarm")


@pytest.fixture
def deployed(aws: None) -> Stack:
    """Every function, the conditional forwarder included (it exists when a central bus is given)."""
    bus = boto3.client("events", region_name=REGION).create_event_bus(Name="ecoguard-central")
    return Stack(provision(TEMPLATE, parameters={"CentralBusArn": bus["EventBusArn"]}), TEMPLATE)


def watched() -> set[tuple[tuple[str, str], ...]]:
    found = set()
    queries = [q for name in ALARMS for q in TEMPLATE["Resources"][name]["Properties"]["Metrics"]]
    for query in queries:
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            assert (metric["Namespace"], metric["MetricName"]) == ("ecoguard", "EventsRejected")
            found.add(tuple(sorted((d["Name"], d["Value"]) for d in metric["Dimensions"])))
    return found


def emitted(printed: str) -> set[tuple[tuple[str, str], ...]]:
    found = set()
    for line in printed.splitlines():
        try:
            document: Any = json.loads(line)
        except ValueError:
            continue
        if not isinstance(document, dict) or "_aws" not in document:
            continue
        for directive in document["_aws"]["CloudWatchMetrics"]:
            names = {m["Name"] for m in directive["Metrics"]}
            if directive["Namespace"] == "ecoguard" and "EventsRejected" in names:
                for dimensions in directive["Dimensions"]:
                    found.add(tuple(sorted((d, str(document[d])) for d in dimensions)))
    return found


def test_given_a_malformed_event_to_each_function_then_its_rejection_is_counted_where_the_alarm_looks(
    deployed: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    counted: dict[str, set[tuple[tuple[str, str], ...]]] = {}
    for logical_id in sorted(functions(TEMPLATE)):
        capsys.readouterr()
        results = deployed.invoke(
            logical_id, {"malformed": True}, env={"POWERTOOLS_METRICS_DISABLED": "false", "ECOGUARD_MODE": "dry-run"}
        )
        assert [r.get("rejected") for r in results] == [True], logical_id
        counted[logical_id] = emitted(capsys.readouterr().out)
    assert {k for k, v in counted.items() if not v} == NOT_COUNTED
    assert all(len(v) == 1 for k, v in counted.items() if k not in NOT_COUNTED), counted
    assert set().union(*counted.values()) == watched()


@pytest.mark.parametrize("name", ALARMS)
def test_the_alarm_sums_every_watched_metric_and_notifies(name: str) -> None:
    alarm = TEMPLATE["Resources"][name]["Properties"]
    [expression] = [q for q in alarm["Metrics"] if "Expression" in q]
    assert expression["Expression"] == "SUM(FILL(METRICS(), 0))" and expression["ReturnData"] is True
    assert len(alarm["Metrics"]) <= 10  # CloudWatch's limit for a metric-math alarm
    assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["AlarmActions"] == [{"Ref": "NotificationTopic"}]
