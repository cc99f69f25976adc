from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from ecoguard.decisions import Mode, Outcome
from ecoguard.notify import MAX_LISTED, Notifier, render, sns_subject
from ecoguard.summary import RunSummary
from tests.unit.fakes import entry

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient


def summary(outcomes: list[Outcome]) -> RunSummary:
    s = RunSummary("log-retention", Mode.ENFORCE, evaluated=len(outcomes))
    s.entries = [entry(f"/aws/lambda/g{i}", o, "no retention -> 30 days") for i, o in enumerate(outcomes)]
    return s


# FakeSns stands in for a boto3 SNS client: it answers only the calls Notifier makes, so it is
# cast to the client type it replaces (no fake has every operation of a service).
class FakeSns:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.published: list[dict[str, Any]] = []

    def publish(self, **kwargs: Any) -> None:
        if self.fail:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "down"}}, "Publish")
        self.published.append(kwargs)


def test_render_counts_outcomes_and_lists_resources_within_sns_limits() -> None:
    subject, message = render(summary([Outcome.APPLIED] * 30 + [Outcome.FAILED]))
    assert subject.startswith("ecoguard log-retention (enforce): 30 applied, 1 failed")
    assert len(subject) < 100
    assert message.count("\n- ") == MAX_LISTED
    assert "and 11 more in the audit table" in message


def test_given_only_compliant_resources_then_no_message_is_sent() -> None:
    sns = FakeSns()
    assert Notifier(cast("SNSClient", sns), "arn:topic").publish(summary([])) is False
    assert sns.published == []


def test_given_sns_is_down_then_publish_reports_failure_without_raising() -> None:
    assert Notifier(cast("SNSClient", FakeSns(fail=True)), "arn:topic").publish(summary([Outcome.APPLIED])) is False


def test_given_actions_then_one_message_goes_to_the_topic() -> None:
    sns = FakeSns()
    assert Notifier(cast("SNSClient", sns), "arn:topic").publish(summary([Outcome.WOULD_APPLY])) is True
    assert sns.published[0]["TopicArn"] == "arn:topic"


# SNS API reference, Publish, Subject: "Constraints: Subjects must be UTF-8 text with no line breaks or control
# characters, and less than 100 characters long." (botocore's sns model documents the same.)


def test_given_a_subject_of_99_characters_then_it_is_sent_unchanged() -> None:
    assert sns_subject("s" * 99) == "s" * 99


def test_given_a_subject_of_100_characters_then_it_is_cut_to_99_and_says_so() -> None:
    cut = sns_subject("s" * 100)
    assert len(cut) == 99 and cut.endswith("...") and cut.startswith("s" * 96)


def test_given_line_breaks_or_control_characters_then_they_become_spaces() -> None:
    assert sns_subject("ecoguard\nstorage\r\tdry-run\x00\x85x") == "ecoguard storage dry-run x"


def test_given_a_long_guardrail_name_then_the_rendered_subject_is_under_100_characters() -> None:
    s = RunSummary("g" * 120, Mode.DRY_RUN, evaluated=1)
    s.entries = [entry("r", Outcome.WOULD_APPLY)]
    subject, message = render(s)
    assert len(subject) == 99 and subject.endswith("...") and message.startswith(subject)
