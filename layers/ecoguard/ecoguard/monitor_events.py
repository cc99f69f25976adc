"""CloudWatch alarm state changes and Model Monitor runs, parsed into plain facts.

Alarm events come in four documented shapes (CloudWatch User Guide): a single metric, metric
math (several ``metrics[]``, one an ``expression``), anomaly detection (an
``ANOMALY_DETECTION_BAND`` expression; thresholds in ``recentLower/UpperThresholds``) and
composite (``alarmRule``, no metrics). ``state.reasonData`` is a JSON-encoded string and may be
absent; ``state.timestamp`` looks like ``2019-10-02T17:04:40.989+0000``.

A Model Monitor run is a processing job whose detail carries ``MonitoringScheduleArn``. Whether
it found violations is only in ``ExitMessage`` of DescribeProcessingJob (``CompletedWithViolations:
...``), which the runner reads; the event is not trusted for it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ecoguard.events import AwsTime, EventBridgeEvent, EventError
from ecoguard.validation import first_error

ALARM_STATE_CHANGE = "CloudWatch Alarm State Change"
ALARM_CONFIGURATION_CHANGE = "CloudWatch Alarm Configuration Change"
PROCESSING_JOB_STATE_CHANGE = "SageMaker Processing Job State Change"


@dataclass(frozen=True)
class AlarmMetric:
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]

    def dimension(self, key: str) -> str | None:
        return dict(self.dimensions).get(key)


@dataclass(frozen=True)
class AlarmChange:
    alarm_name: str
    alarm_arn: str
    state: str  # OK | ALARM | INSUFFICIENT_DATA
    changed_at: datetime
    metrics: tuple[AlarmMetric, ...]  # every metricStat metric; none for a composite alarm
    has_expression: bool  # metric math or anomaly detection: the datapoint is not a raw metric
    composite: bool
    value: float | None  # the most recent datapoint the alarm evaluated, when it says
    triggering_alarms: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """One key per transition, whichever event (or duplicate delivery) reports it."""
        return f"alarm:{self.alarm_name}:{self.changed_at.isoformat()}"


@dataclass(frozen=True)
class MonitoringRun:
    job_name: str
    job_arn: str
    schedule_arn: str
    status: str

    @property
    def schedule_name(self) -> str:
        return self.schedule_arn.rsplit("/", 1)[-1]

    @property
    def key(self) -> str:
        return f"run:{self.job_arn}"


class _Metric(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    namespace: str
    name: str
    dimensions: dict[str, str] = Field(default_factory=dict)


class _MetricStat(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    metric: _Metric


class _MetricEntry(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    id: str
    metricStat: _MetricStat | None = None
    expression: str | None = None


class _Configuration(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    metrics: list[_MetricEntry] = Field(default_factory=list)
    alarmRule: str | None = None


class _State(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    value: str = Field(min_length=1)
    timestamp: AwsTime
    reasonData: str | dict[str, Any] | None = None


class _AlarmDetail(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    alarmName: str = Field(min_length=1)
    state: _State
    configuration: _Configuration = _Configuration()


class _ProcessingDetail(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    ProcessingJobName: str = Field(min_length=1)
    ProcessingJobArn: str = Field(min_length=1)
    ProcessingJobStatus: str = Field(min_length=1)
    MonitoringScheduleArn: str | None = None


def _reason_data(raw: str | dict[str, Any] | None) -> dict[str, Any]:
    if raw is None:
        return {}
    if isinstance(raw, dict):
        return raw
    try:
        loaded = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise EventError(f"malformed alarm event: field detail.state.reasonData is not JSON: {exc}") from exc
    return loaded if isinstance(loaded, dict) else {}


def _last_number(values: object) -> float | None:
    if isinstance(values, list) and values and isinstance(values[-1], int | float):
        return float(values[-1])
    return None


def parse_alarm_change(event: EventBridgeEvent) -> AlarmChange:
    try:
        detail = _AlarmDetail.model_validate(event.detail)
    except ValidationError as exc:
        error = first_error(exc)
        raise EventError(f"malformed alarm event: field detail.{error.field}: {error.message}") from exc
    reason = _reason_data(detail.state.reasonData)
    config = detail.configuration
    metrics = tuple(
        AlarmMetric(
            entry.metricStat.metric.namespace,
            entry.metricStat.metric.name,
            tuple(sorted(entry.metricStat.metric.dimensions.items())),
        )
        for entry in config.metrics
        if entry.metricStat is not None
    )
    triggering = tuple(str(a["arn"]) for a in reason.get("triggeringAlarms", []) if isinstance(a, dict) and "arn" in a)
    arn = event.resources[0] if event.resources else f"alarm:{detail.alarmName}"
    return AlarmChange(
        alarm_name=detail.alarmName,
        alarm_arn=arn,
        state=detail.state.value.upper(),
        changed_at=detail.state.timestamp,
        metrics=metrics,
        has_expression=any(entry.expression for entry in config.metrics),
        composite=config.alarmRule is not None,
        value=_last_number(reason.get("recentDatapoints")),
        triggering_alarms=triggering,
    )


def parse_monitoring_run(event: EventBridgeEvent) -> MonitoringRun | None:
    """The monitoring run this processing-job event reports; None for an ordinary processing job."""
    try:
        detail = _ProcessingDetail.model_validate(event.detail)
    except ValidationError as exc:
        error = first_error(exc)
        raise EventError(f"malformed processing job event: field detail.{error.field}: {error.message}") from exc
    if not detail.MonitoringScheduleArn:
        return None
    return MonitoringRun(
        job_name=detail.ProcessingJobName,
        job_arn=detail.ProcessingJobArn,
        schedule_arn=detail.MonitoringScheduleArn,
        status=detail.ProcessingJobStatus,
    )


_VIOLATIONS = re.compile(r"with (\d+) violations?")


@dataclass(frozen=True)
class RunOutcome:
    """What DescribeProcessingJob says about a finished monitoring run."""

    status: str  # ProcessingJobStatus
    exit_message: str

    @property
    def violations_found(self) -> bool:
        return self.status == "Completed" and self.exit_message.startswith("CompletedWithViolations")

    @property
    def clean(self) -> bool:
        return self.status == "Completed" and not self.violations_found

    @property
    def violation_count(self) -> int | None:
        match = _VIOLATIONS.search(self.exit_message)
        return int(match.group(1)) if match else None
