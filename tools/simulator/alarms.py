"""The alarms a scenario's alarm events come from: created in the simulated account with the event's metric,
and the event's transition recorded in the alarm's history (``alarm_history_shim.record_transition``), as
CloudWatch would hold them for an event it sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import boto3

from tools.simulator.alarm_history_shim import record_transition
from tools.simulator.identity import REGION


def as_cloudwatch_reported(event: dict[str, Any], region: str = REGION) -> dict[str, Any]:
    """``event`` (a CloudWatch Alarm State Change), its alarm created if missing and its transition recorded."""
    detail = event["detail"]
    name = detail["alarmName"]
    cloudwatch = boto3.client("cloudwatch", region_name=region)
    if not cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]:
        stats = [m["metricStat"] for m in detail.get("configuration", {}).get("metrics", []) if "metricStat" in m]
        metric: dict[str, Any] = stats[0]["metric"] if stats else {"namespace": "Custom", "name": "m", "dimensions": {}}
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            Namespace=metric["namespace"],
            MetricName=metric["name"],
            Dimensions=[{"Name": k, "Value": v} for k, v in metric.get("dimensions", {}).items()],
            Statistic="Average",
            Period=int(stats[0].get("period", 300)) if stats else 300,
            EvaluationPeriods=1,
            Threshold=0.8,
            ComparisonOperator="LessThanThreshold",
        )
    at = datetime.strptime(detail["state"]["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z")
    record_transition(name, detail["state"]["value"], at, region=region)
    return event
