"""CloudWatch's own word on an alarm transition: an event says an alarm changed state, CloudWatch confirms it.

Anyone allowed to invoke a function (or to put events on a bus that reaches it) can hand it an event shaped
like CloudWatch's; the retraining gate starts a pipeline only on a transition CloudWatch itself reports. The
alarm must exist with the event's ARN (DescribeAlarms), and be in the event's state since the event's
timestamp, or have entered that state at that time (DescribeAlarmHistory, ``StateUpdate`` items, whose
``HistoryData`` is a JSON document with ``newState.stateValue``: CloudWatch API reference, AlarmHistoryItem).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ecoguard.errors import translate
from ecoguard.monitor_events import AlarmChange

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

# The event's state.timestamp and CloudWatch's StateUpdatedTimestamp / history Timestamp name the same moment,
# the event to the millisecond: anything further apart is another transition.
SAME_MOMENT = timedelta(seconds=1)


def unconfirmed(
    change: AlarmChange, alarms: Iterable[Mapping[str, Any]], history: Iterable[Mapping[str, Any]]
) -> str | None:
    """Why CloudWatch's answers do not confirm ``change`` (None: they do). Pure."""
    found = [a for a in alarms if a.get("AlarmName") == change.alarm_name]
    if not found:
        return f"no alarm named {change.alarm_name!r} in this account and region"
    alarm = found[0]
    if change.alarm_arn.startswith("arn:") and alarm.get("AlarmArn") != change.alarm_arn:
        return f"alarm {change.alarm_name!r} has ARN {alarm.get('AlarmArn')!r}, not the event's {change.alarm_arn!r}"
    updated = alarm.get("StateUpdatedTimestamp")
    if alarm.get("StateValue") == change.state and isinstance(updated, datetime) and _same(updated, change.changed_at):
        return None
    for item in history:
        stamp = item.get("Timestamp")
        if item.get("HistoryItemType") != "StateUpdate" or not isinstance(stamp, datetime):
            continue
        if _same(stamp, change.changed_at) and _new_state(item.get("HistoryData")) == change.state:
            return None
    return (
        f"CloudWatch reports no transition of {change.alarm_name!r} to {change.state} at "
        f"{change.changed_at.isoformat()} (now {alarm.get('StateValue')} since {updated})"
    )


def _same(a: datetime, b: datetime) -> bool:
    return abs(a - b) <= SAME_MOMENT


def _new_state(data: object) -> str | None:
    try:
        parsed = json.loads(data) if isinstance(data, str) else None
    except ValueError:
        return None
    state = parsed.get("newState") if isinstance(parsed, dict) else None
    value = state.get("stateValue") if isinstance(state, dict) else None
    return value if isinstance(value, str) else None


class AlarmHistoryAdapter:
    def __init__(self, cloudwatch: CloudWatchClient) -> None:
        self._cw = cloudwatch

    def unconfirmed(self, change: AlarmChange) -> str | None:
        """Why CloudWatch does not confirm ``change`` (None: it does). AWS errors are raised (``translate``)."""
        try:
            described = self._cw.describe_alarms(
                AlarmNames=[change.alarm_name], AlarmTypes=["MetricAlarm", "CompositeAlarm"]
            )
            alarms = [*described.get("MetricAlarms", []), *described.get("CompositeAlarms", [])]
            if not alarms:
                return unconfirmed(change, [], [])
            found = unconfirmed(change, alarms, [])
            if found is None:
                return None
            # The alarm has moved on since: its history says whether it entered that state at that time.
            history = self._cw.describe_alarm_history(
                AlarmName=change.alarm_name,
                HistoryItemType="StateUpdate",
                StartDate=change.changed_at - SAME_MOMENT,
                EndDate=change.changed_at + SAME_MOMENT,
                MaxRecords=100,
            )
        except ClientError as exc:
            raise translate(exc) from exc
        return unconfirmed(change, alarms, history.get("AlarmHistoryItems", []))
