"""A malformed or unexpected event is rejected in one place (ecoguard.invocation.reject): one error log
naming the reason, a returned rejection, and nothing built, read or written."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard.events import AWS_SOURCES, EventError, check_aws_source, parse_event
from ecoguard.invocation import MAX_REASON, REJECTED, GuardrailApp, reject, run_or_reject
from ecoguard.invocation import logger as invocation_logger
from ecoguard.runner import GuardrailRunner
from ecoguard.settings import SettingsError
from ecoguard.summary import Trigger
from ecoguard.sweep import SweepResult
from ecoguard.wiring import Wiring
from tests.conftest import load_event

SWEEP = "log_retention/scheduled-sweep.json"


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors() -> Iterator[list[logging.LogRecord]]:
    """Error records of ecoguard.invocation's logger (independent of pytest's logging plugin)."""
    handler = Captured()
    target = logging.getLogger(invocation_logger.name)
    target.addHandler(handler)
    yield handler.records
    target.removeHandler(handler)


class NeverBuilt(GuardrailRunner):
    guardrail = "log-retention"

    @classmethod
    def build(cls, wiring: Wiring) -> NeverBuilt:
        raise AssertionError("a rejected event must not get as far as building the runner")


def never_swept(runner: Any, trigger: Trigger) -> SweepResult:
    raise AssertionError("a rejected event must not get as far as the sweep")


def app() -> GuardrailApp[Any]:
    return GuardrailApp(NeverBuilt, sweep=never_swept)


def test_given_an_event_error_then_reject_logs_one_error_naming_the_reason_and_returns_a_rejection(
    errors: list[logging.LogRecord],
) -> None:
    result = reject("log-retention", EventError("malformed event: field id: Field required"))
    assert result == {
        "rejected": True,
        "function": "log-retention",
        "reason": "malformed event: field id: Field required",
    }
    [record] = errors
    assert record.getMessage() == REJECTED
    assert record.__dict__["reason"] == result["reason"] and record.__dict__["function"] == "log-retention"


def test_given_a_huge_reason_then_the_logged_reason_is_bounded(errors: list[logging.LogRecord]) -> None:
    result = reject("restore", EventError("x" * 300_000))
    assert len(result["reason"]) == MAX_REASON
    [record] = errors
    assert len(record.__dict__["reason"]) == MAX_REASON


def test_given_metrics_then_a_rejection_counts_events_rejected() -> None:
    metrics = Metrics(namespace="test")
    metrics.clear_metrics()  # Powertools shares one metric set between instances (handlers' unflushed ones too)
    reject("log-retention", EventError("bad"), metrics)
    assert metrics.metric_set["EventsRejected"]["Value"] == [1.0]
    assert metrics.dimension_set == {"guardrail": "log-retention"}
    metrics.clear_metrics()


def test_given_a_body_that_raises_an_event_error_then_run_or_reject_returns_the_rejection() -> None:
    def body() -> dict[str, Any]:
        raise EventError("malformed restore request: action_id")

    assert run_or_reject("restore", body)["reason"] == "malformed restore request: action_id"


@pytest.mark.parametrize("error", [SettingsError("invalid setting ECOGUARD_MODE"), RuntimeError("AWS is down")])
def test_given_a_configuration_or_aws_failure_then_it_is_not_a_rejection_and_still_fails(error: Exception) -> None:
    def body() -> dict[str, Any]:
        raise error

    with pytest.raises(type(error)):
        run_or_reject("log-retention", body)


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ("not an object", "must be a JSON object"),
        ({"detail-type": "Scheduled Event"}, "field id"),
        ({**load_event(SWEEP), "source": "my.app"}, "field source"),
        (
            {**load_event(SWEEP), "detail-type": "Object Created", "source": "aws.s3"},
            "does not handle 'Object Created'",
        ),
        ({"ecoguard-continuation": {"guardrail": "log-retention"}}, "malformed continuation"),
    ],
    ids=["not-an-object", "no-id", "not-from-aws", "unrouted-detail-type", "bad-continuation"],
)
def test_given_a_bad_event_when_handled_then_it_is_rejected_before_anything_is_built(
    event: Any, reason: str, errors: list[logging.LogRecord]
) -> None:
    result = app().handle(event, LambdaContext(), Metrics(namespace="test"))
    assert result["rejected"] is True and reason in result["reason"]
    assert len(errors) == 1


@pytest.mark.parametrize(("detail_type", "sources"), sorted(AWS_SOURCES.items()))
def test_given_each_known_detail_type_then_only_its_aws_source_is_accepted(
    detail_type: str, sources: frozenset[str]
) -> None:
    event = {**load_event(SWEEP), "detail-type": detail_type}
    for source in sources:
        check_aws_source(parse_event({**event, "source": source}))
    with pytest.raises(EventError, match="field source"):
        check_aws_source(parse_event({**event, "source": "aws.s3"}))


def test_given_a_cloudtrail_event_then_any_aws_service_source_is_accepted_and_custom_sources_are_not() -> None:
    event = load_event("storage_lifecycle/cloudtrail-createbucket.json")
    check_aws_source(parse_event(event))
    with pytest.raises(EventError, match=r"source aws\.\*"):
        check_aws_source(parse_event({**event, "source": "custom.s3"}))
