"""Named shim for a moto 5.2.5 gap in CloudWatch alarms (measured):

``moto_has_no_describe_alarm_history``: moto answers no DescribeAlarmHistory (NotImplemented), and its
SetAlarmState stamps every transition with the current time, so a scenario cannot give an alarm the
transitions a recorded event reports. While installed, DescribeAlarmHistory answers, from moto's own alarm,
one ``StateUpdate`` item per state it entered (moto keeps each earlier state with its timestamp in
``Alarm.history``; the current one is ``state_value`` since ``state_updated_timestamp``), newest first,
within ``StartDate``/``EndDate``, each with the ``HistoryData`` JSON AWS documents (``newState.stateValue``;
CloudWatch API reference, AlarmHistoryItem). ``record_transition`` adds a transition at a given time, as
the alarm's real history would hold it.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any
from unittest.mock import patch

from moto.cloudwatch.models import cloudwatch_backends
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult

from tools.simulator.identity import ACCOUNT, REGION


def _items(alarm: Any) -> list[dict[str, Any]]:
    states = [(h[3], h[4]) for h in alarm.history if h[0] == "StateUpdate"]
    states.append((alarm.state_value, alarm.state_updated_timestamp))
    return [
        {
            "AlarmName": alarm.name,
            "AlarmType": "CompositeAlarm" if alarm.rule is not None else "MetricAlarm",
            "Timestamp": _aware(stamp),
            "HistoryItemType": "StateUpdate",
            "HistorySummary": f"Alarm updated to {state}",
            "HistoryData": json.dumps({"version": "1.0", "newState": {"stateValue": state}}),
        }
        for state, stamp in states
    ]


def _describe_alarm_history(self: CloudWatchResponse) -> ActionResult:
    name = self._get_param("AlarmName")
    start, end = self._get_param("StartDate"), self._get_param("EndDate")
    alarm = self.cloudwatch_backend.alarms.get(name)
    items = [] if alarm is None else _items(alarm)
    if start:
        items = [i for i in items if i["Timestamp"] >= _parsed(start)]
    if end:
        items = [i for i in items if i["Timestamp"] <= _parsed(end)]
    items.sort(key=lambda i: i["Timestamp"], reverse=True)
    return ActionResult({"AlarmHistoryItems": items[: int(self._get_param("MaxRecords") or 100)]})


def _parsed(value: Any) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return _aware(parsed)


def _aware(stamp: datetime) -> datetime:
    """moto keeps naive UTC times."""
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp


def _naive(stamp: datetime) -> datetime:
    return stamp.astimezone(UTC).replace(tzinfo=None)


def alarm_history_shim() -> AbstractContextManager[object]:
    return patch.object(CloudWatchResponse, "describe_alarm_history", _describe_alarm_history, create=True)


def record_transition(alarm_name: str, state: str, at: datetime, region: str = REGION, account: str = ACCOUNT) -> None:
    """The alarm entered ``state`` at ``at`` (kept in moto's history, then the alarm is in ``state`` since ``at``
    unless a later transition is already there)."""
    alarm = cloudwatch_backends[account][region].alarms[alarm_name]
    at = _naive(at)
    entered = [(h[3], h[4]) for h in alarm.history] + [(alarm.state_value, alarm.state_updated_timestamp)]
    if (state, at) in entered:
        return
    if at >= alarm.state_updated_timestamp:
        previous = (alarm.state_reason, alarm.state_reason_data, alarm.state_value, alarm.state_updated_timestamp)
        alarm.history.append(("StateUpdate", *previous))
        alarm.state_value, alarm.state_updated_timestamp = state, at
    else:
        alarm.history.append(("StateUpdate", "recorded", "{}", state, at))
