"""The central ingest's validation of one audit event (ecoguard.central.central_item): a bad item is an
``EventError`` naming the field, never another exception (found by tests/fuzz/test_fuzz_central.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ecoguard.central import central_item
from ecoguard.events import EventError, parse_event
from tests.conftest import load_event

SAMPLE = load_event("central_ingest/audit-record.json")


def with_item(change: Any) -> dict[str, Any]:
    event = copy.deepcopy(SAMPLE)
    change(event["detail"]["item"])
    return event


def test_given_the_sample_audit_event_then_it_becomes_one_central_item() -> None:
    item = central_item(parse_event(SAMPLE))
    assert item["pk"]["S"].startswith(f"{SAMPLE['detail']['account']}#{SAMPLE['detail']['region']}#")


@pytest.mark.parametrize(
    "change",
    [
        lambda item: item.pop("action_id"),
        lambda item: item.update(action_id="not-an-attribute"),
        lambda item: item.update(action_id={"N": "1"}),
        lambda item: item.update(action_id={"S": "0123456789abcdef"}),
    ],
    ids=["missing", "not an attribute", "not a string", "another action's id"],
)
def test_given_an_item_whose_action_id_is_missing_or_wrong_then_it_is_rejected_naming_the_field(change: Any) -> None:
    with pytest.raises(EventError, match=r"detail\.item\.action_id"):
        central_item(parse_event(with_item(change)))


def test_given_an_attribute_that_is_not_a_string_then_it_is_rejected_naming_it() -> None:
    with pytest.raises(EventError, match="guardrail: a string attribute is required"):
        central_item(parse_event(with_item(lambda item: item.update(guardrail={"S": None}))))


def test_given_extra_attributes_in_the_item_then_the_central_item_keeps_only_the_records_own() -> None:
    item = central_item(parse_event(with_item(lambda item: item.update(injected={"S": "x"}))))
    assert "injected" not in item


def with_detail(change: Any) -> dict[str, Any]:
    event = copy.deepcopy(SAMPLE)
    change(event["detail"])
    return event


def test_given_a_record_forwarded_without_its_states_then_it_is_stored_and_says_so() -> None:
    def slim(detail: dict[str, Any]) -> None:
        del detail["item"]["before"], detail["item"]["after"]
        detail["truncated"] = True

    item = central_item(parse_event(with_detail(slim)))
    assert item["truncated"] == {"BOOL": True}
    assert item["before"] == {"S": "{}"} and item["after"] == {"S": "{}"}
    assert item["reason"] == SAMPLE["detail"]["item"]["reason"]


def test_given_a_record_without_its_states_but_not_marked_truncated_then_it_is_rejected() -> None:
    with pytest.raises(EventError, match=r"detail\.item\.before: required"):
        central_item(parse_event(with_item(lambda item: item.pop("before"))))


def test_given_a_recorded_at_whose_expiry_no_timestamp_can_hold_then_it_is_rejected_naming_it() -> None:
    with pytest.raises(EventError, match=r"detail\.item\.recorded_at"):
        central_item(parse_event(with_item(lambda item: item.update(recorded_at={"S": "9999-12-31T00:00:00+00:00"}))))


def test_given_states_that_grow_past_the_item_limit_when_stored_then_they_are_left_out_and_it_says_so() -> None:
    # 100,000 CJK characters: 300 KB in the event's UTF-8, 600 KB once the audit JSON escapes them.
    huge = '{"note": "' + "日" * 100_000 + '"}'
    item = central_item(parse_event(with_item(lambda item: item.update(before={"S": huge}))))
    assert item["truncated"] == {"BOOL": True} and item["before"] == {"S": "{}"}
