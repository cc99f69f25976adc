"""``ecoguard kpi-alarms``: CloudFormation for the KPI alarms the retraining gate reads.

The stack does not create these itself (that would need a template macro or a custom resource,
since the models live in the policy, not in stack parameters). This prints the resources to add
to a template of your own, one ``AWS::CloudWatch::Alarm`` per model-quality KPI of each model that
names both its ``endpoint`` and its ``monitoring_schedule``. Alarms you already have work as they are.

An alarm sends one event per transition: a KPI that stays breached keeps it in ALARM and sends
nothing more. So the alarm evaluates one period, shorter than the interval between monitoring
runs, and treats missing data as missing: between runs it goes to INSUFFICIENT_DATA, and the next
breached run is a new ALARM transition, which the gate counts towards ``confirm_breaches``.
"""

from __future__ import annotations

import re
from typing import Any

from ecoguard.policy import MODEL_QUALITY_NAMESPACE, RetrainingGatePolicy


def _logical_id(*parts: str) -> str:
    return "".join(re.sub(r"[^A-Za-z0-9]", "", p.title()) for p in parts) + "KpiAlarm"


def kpi_alarm_resources(policy: RetrainingGatePolicy, *, period: int = 300) -> tuple[dict[str, Any], list[str]]:
    """The alarm resources, and a note for every KPI that could not get one."""
    resources: dict[str, Any] = {}
    notes: list[str] = []
    for gate in policy.models:
        for kpi in gate.kpis:
            if kpi.namespace != MODEL_QUALITY_NAMESPACE:
                notes.append(f"{gate.name}/{kpi.metric}: drift KPIs come from a data-quality schedule; add its alarm")
                continue
            if gate.endpoint is None or gate.monitoring_schedule is None:
                notes.append(f"{gate.name}/{kpi.metric}: needs both endpoint and monitoring_schedule")
                continue
            resources[_logical_id(gate.name, kpi.metric)] = {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "AlarmName": f"ecoguard-{gate.name}-{kpi.metric}",
                    "AlarmDescription": f"KPI {kpi.metric} of {gate.endpoint} ({kpi.breach_when} {kpi.threshold:g}"
                    f" is a breach); read by the ecoguard retraining gate.",
                    "Namespace": MODEL_QUALITY_NAMESPACE,
                    "MetricName": kpi.metric,
                    "Dimensions": [
                        {"Name": "Endpoint", "Value": gate.endpoint},
                        {"Name": "MonitoringSchedule", "Value": gate.monitoring_schedule},
                    ],
                    "Statistic": "Average",
                    "Period": period,
                    "EvaluationPeriods": 1,
                    "Threshold": kpi.threshold,
                    "ComparisonOperator": "LessThanThreshold" if kpi.breach_when == "below" else "GreaterThanThreshold",
                    "TreatMissingData": "missing",
                },
            }
    return resources, notes
