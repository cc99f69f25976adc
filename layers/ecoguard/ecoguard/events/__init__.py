"""Models of the EventBridge events ecoguard receives, tolerant of what AWS really sends.

AWS's own examples disagree with each other (see docs/EVENTS.md): timestamps arrive as
ISO strings (with 0 to 9 fractional digits, ``Z``, ``+0000`` or ``+00:00``), epoch-millis
numbers and epoch-millis strings; ``version`` is sometimes missing; statuses come as
``IN_SERVICE`` or ``InService``; EventBridge Scheduler sends ``detail`` as a JSON string.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from ecoguard.validation import first_error

SCHEDULED_EVENT = "Scheduled Event"
# EventBridge event ids are UUIDs (36 characters). The id becomes part of the audit table's sort key,
# which DynamoDB limits to 1024 bytes: a longer id is refused here, before anything is recorded.
MAX_EVENT_ID = 128
CLOUDTRAIL_API_CALL = "AWS API Call via CloudTrail"

_ISO = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}:\d{2})(?:\.(?P<frac>\d+))?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?$"
)


# AWS's own name constraints (API references), checked before a name from an event reaches a call.
LOG_GROUP_NAME = re.compile(r"[.\-_/#A-Za-z0-9]{1,512}")  # CloudWatch Logs CreateLogGroup
BUCKET_NAME = re.compile(r"[a-zA-Z0-9.\-_]{1,255}")  # S3, legacy names included (as botocore checks them)
SAGEMAKER_NAME = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"  # endpoints, training jobs


class EventError(ValueError):
    """The event is malformed; nothing may be acted on."""


def parse_aws_time(value: object) -> datetime:
    """Parse any timestamp form AWS uses in events into an aware UTC datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        raise ValueError("a boolean is not a timestamp")
    if isinstance(value, int | float):
        return _from_epoch_millis(float(value))
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d+(\.\d+)?", text):
            return _from_epoch_millis(float(text))
        match = _ISO.match(text)
        if match:
            frac = (match["frac"] or "0")[:6].ljust(6, "0")
            tz = match["tz"] or "Z"
            if tz == "Z":
                tz = "+00:00"
            elif ":" not in tz:
                tz = f"{tz[:3]}:{tz[3:]}"
            return datetime.fromisoformat(f"{match['date']}T{match['time']}.{frac}{tz}").astimezone(UTC)
    raise ValueError(f"unrecognised timestamp {value!r}")


def _from_epoch_millis(millis: float) -> datetime:
    # Values below 1e11 are epoch seconds (year 5138 in millis); AWS events use millis.
    seconds = millis / 1000 if millis >= 1e11 else millis
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError) as exc:  # beyond what the platform's time_t or datetime can hold
        raise ValueError(f"timestamp {millis!r} is out of range") from exc


AwsTime = Annotated[datetime, BeforeValidator(parse_aws_time)]


def status_key(status: str) -> str:
    """Fold ``IN_SERVICE``, ``InService`` and ``in-service`` to one comparable key."""
    return re.sub(r"[^a-z0-9]", "", status.lower())


class EventBridgeEvent(BaseModel):
    """The EventBridge envelope. ``detail`` stays a mapping; guardrails parse it further."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)

    version: str | None = None
    id: str = Field(min_length=1, max_length=MAX_EVENT_ID)
    detail_type: str = Field(alias="detail-type", min_length=1)
    source: str
    account: str
    time: AwsTime
    region: str
    resources: tuple[str, ...] = ()
    detail: dict[str, Any]

    @field_validator("source", mode="before")
    @classmethod
    def _single_source(cls, value: object) -> object:
        # One AWS doc example repeats "source" as a one-element list.
        if isinstance(value, list) and len(value) == 1:
            return value[0]
        return value

    @field_validator("detail", mode="before")
    @classmethod
    def _detail_object(cls, value: object) -> object:
        # EventBridge Scheduler delivers "detail": "{}" as a string.
        if isinstance(value, str):
            try:
                return json.loads(value) if value.strip() else {}
            except json.JSONDecodeError as exc:
                raise ValueError(f"detail is a string that is not JSON: {exc}") from exc
        return value


class CloudTrailDetail(BaseModel):
    """The ``detail`` of an ``AWS API Call via CloudTrail`` event."""

    model_config = ConfigDict(extra="allow", frozen=True)

    eventSource: str
    eventName: str
    awsRegion: str | None = None
    eventTime: AwsTime | None = None
    requestParameters: dict[str, Any] | None = None
    responseElements: dict[str, Any] | None = None
    errorCode: str | None = None


def parse_event(payload: object) -> EventBridgeEvent:
    """Validate an EventBridge envelope, or raise ``EventError`` with the first bad field."""
    if not isinstance(payload, dict):
        raise EventError(f"event must be a JSON object, not {type(payload).__name__}")
    try:
        return EventBridgeEvent.model_validate(payload)
    except ValidationError as exc:
        raise EventError(_first_error("event", exc)) from exc


# The source AWS sends each detail-type from. EventBridge refuses PutEvents entries whose source
# begins with "aws.", so an event with one of these sources was written by AWS, not by an account's app.
AWS_SOURCES: dict[str, frozenset[str]] = {
    SCHEDULED_EVENT: frozenset({"aws.events", "aws.scheduler"}),
    "SageMaker Endpoint State Change": frozenset({"aws.sagemaker"}),
    "SageMaker Training Job State Change": frozenset({"aws.sagemaker"}),
    "SageMaker Processing Job State Change": frozenset({"aws.sagemaker"}),
    "CloudWatch Alarm State Change": frozenset({"aws.cloudwatch"}),
    "CloudWatch Alarm Configuration Change": frozenset({"aws.cloudwatch"}),
}


def check_aws_source(event: EventBridgeEvent) -> None:
    """Raise ``EventError`` unless AWS sent the event from the source its detail-type comes from.

    CloudTrail events come from ``aws.<service>`` of the API called; any other detail-type must at
    least come from an ``aws.`` source.
    """
    expected = AWS_SOURCES.get(event.detail_type)
    if expected is not None and event.source not in expected:
        raise EventError(
            f"malformed event: field source: {event.detail_type!r} events come from {', '.join(sorted(expected))}"
        )
    if not event.source.startswith("aws."):
        raise EventError("malformed event: field source: only AWS-authored events (source aws.*) are acted on")


def parse_cloudtrail(event: EventBridgeEvent) -> CloudTrailDetail:
    try:
        return CloudTrailDetail.model_validate(event.detail)
    except ValidationError as exc:
        raise EventError(_first_error("CloudTrail detail", exc)) from exc


def _first_error(what: str, exc: ValidationError) -> str:
    error = first_error(exc)
    return f"malformed {what}: field {error.field}: {error.message}"
