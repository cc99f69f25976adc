from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ecoguard.events import EventError, parse_aws_time, parse_cloudtrail, parse_event, status_key
from tests.conftest import REFERENCE_EVENTS, eventbridge_files

# The CloudWatch alarm Lambda-action payload is not an EventBridge event (QUIRKS.md section 2).
NOT_EVENTBRIDGE = {"cloudwatch-alarm-lambda-action-payload.powertools-test-event.json"}


def reference_events() -> list[Path]:
    return sorted(p for p in REFERENCE_EVENTS.glob("*.json") if p.name not in NOT_EVENTBRIDGE)


def test_the_reference_corpus_is_complete() -> None:
    assert len(reference_events()) == 29  # 30 parseable files, less the Lambda-action payload


@pytest.mark.parametrize("path", reference_events(), ids=lambda p: p.name)
def test_every_aws_authored_event_in_the_reference_corpus_parses(path: Path) -> None:
    event = parse_event(json.loads(path.read_text()))
    assert event.id and event.detail_type and event.time.tzinfo is not None


@pytest.mark.parametrize("path", eventbridge_files(), ids=lambda p: str(p.relative_to(p.parents[1])))
def test_every_sample_event_in_events_dir_parses(path: Path) -> None:
    source = parse_event(json.loads(path.read_text())).source
    # The central bus carries ecoguard's own audit events (org/management.yaml); everything else is AWS's.
    expected = "ecoguard" if path.parent.name == "central_ingest" else "aws."
    assert source.startswith(expected)


def test_the_lambda_action_payload_is_rejected_as_not_an_eventbridge_event() -> None:
    payload = json.loads(
        (REFERENCE_EVENTS / "cloudwatch-alarm-lambda-action-payload.powertools-test-event.json").read_text()
    )
    with pytest.raises(EventError, match="malformed event: field id"):
        parse_event(payload)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1583831889050", datetime(2020, 3, 10, 9, 18, 9, 50000, tzinfo=UTC)),
        (1592411992203.0, datetime(2020, 6, 17, 16, 39, 52, 203000, tzinfo=UTC)),
        (1704320199000, datetime(2024, 1, 3, 22, 16, 39, tzinfo=UTC)),
        ("2018-10-06T12:26:13Z", datetime(2018, 10, 6, 12, 26, 13, tzinfo=UTC)),
        ("2022-12-03T00:09:44.893854735Z", datetime(2022, 12, 3, 0, 9, 44, 893854, tzinfo=UTC)),
        ("2019-10-02T17:04:40.989+0000", datetime(2019, 10, 2, 17, 4, 40, 989000, tzinfo=UTC)),
        ("2024-02-17T11:53:08.431+0100", datetime(2024, 2, 17, 10, 53, 8, 431000, tzinfo=UTC)),
        ("2024-02-17T11:53:08+01:00", datetime(2024, 2, 17, 10, 53, 8, tzinfo=UTC)),
    ],
)
def test_timestamps_in_every_form_aws_sends_parse_to_utc(value: object, expected: datetime) -> None:
    assert parse_aws_time(value) == expected


@pytest.mark.parametrize("value", ["yesterday", "", True, None, "2024-13-45T00:00:00Z", 1e20, "99999999999999999999"])
def test_bad_timestamps_are_rejected(value: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - both parse errors are ValueError
        parse_aws_time(value)


def test_statuses_in_event_and_api_spelling_compare_equal() -> None:
    assert status_key("IN_SERVICE") == status_key("InService") == status_key("in-service")
    assert status_key("OUT_OF_SERVICE") != status_key("InService")


def test_a_scheduler_event_with_a_string_detail_parses() -> None:
    event = parse_event(
        {
            "id": "x",
            "detail-type": "Scheduled Event",
            "source": "aws.scheduler",
            "account": "1",
            "time": "2024-01-01T00:00:00Z",
            "region": "us-east-1",
            "detail": "{}",
        }
    )
    assert event.detail == {}


def test_the_duplicated_source_key_in_the_model_package_doc_example_is_accepted() -> None:
    raw = json.loads((REFERENCE_EVENTS / "sagemaker-model-package-state-change.json").read_text())
    assert isinstance(raw["source"], list)
    assert parse_event(raw).source == "aws.sagemaker"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e.pop("detail"), "detail"),
        (lambda e: e.update(time="not a time"), "time"),
        (lambda e: e.update(id=""), "id"),
        (lambda e: e.update(detail="{not json"), "detail"),
    ],
)
def test_malformed_envelopes_are_rejected_naming_the_field(
    mutate: Callable[[dict[str, Any]], object], field: str
) -> None:
    event = json.loads((REFERENCE_EVENTS / "scheduled-event.eventbridge-guide.json").read_text())
    mutate(event)
    with pytest.raises(EventError, match=rf"field {field}"):
        parse_event(event)


def test_a_non_object_event_is_rejected() -> None:
    with pytest.raises(EventError):
        parse_event(["not", "an", "event"])


def test_cloudtrail_detail_requires_the_event_name() -> None:
    event = parse_event(json.loads((REFERENCE_EVENTS / "aws-api-call-via-cloudtrail-s3-createbucket.json").read_text()))
    assert parse_cloudtrail(event).eventName == "CreateBucket"
    broken = event.model_copy(update={"detail": {"eventSource": "s3.amazonaws.com"}})
    with pytest.raises(EventError, match="eventName"):
        parse_cloudtrail(broken)
