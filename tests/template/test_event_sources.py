"""The handlers accept only AWS-authored events (ecoguard.events.check_aws_source): every source a rule in
template.yaml lets through must be one the handler accepts for that detail-type, or real events would be
rejected in production."""

from __future__ import annotations

from typing import Any

import pytest

from ecoguard.events import AWS_SOURCES, SCHEDULED_EVENT
from tools.simulator.template import functions, load_template

FUNCTIONS = functions(load_template())
# SAM's Schedule event is an EventBridge rule: AWS sends its events from aws.events.
SCHEDULE_SOURCE = "aws.events"


def rule_patterns() -> list[tuple[str, dict[str, Any]]]:
    return [
        (logical_id, source["Properties"]["Pattern"])
        for logical_id, spec in sorted(FUNCTIONS.items())
        for source in spec.events.values()
        if source["Type"] == "EventBridgeRule"
    ]


@pytest.mark.parametrize(("logical_id", "pattern"), rule_patterns(), ids=[f for f, _ in rule_patterns()])
def test_every_source_a_rule_matches_is_accepted_for_each_of_its_detail_types(
    logical_id: str, pattern: dict[str, Any]
) -> None:
    sources, detail_types = pattern["source"], pattern["detail-type"]
    assert sources and all(s.startswith("aws.") for s in sources), f"{logical_id}: a rule must match AWS sources"
    for detail_type in detail_types:
        accepted = AWS_SOURCES.get(detail_type)
        assert accepted is None or set(sources) <= accepted, f"{logical_id}: {detail_type} from {sources}"


def test_scheduled_events_come_from_a_source_the_handlers_accept() -> None:
    assert any(s["Type"] == "Schedule" for spec in FUNCTIONS.values() for s in spec.events.values())
    assert SCHEDULE_SOURCE in AWS_SOURCES[SCHEDULED_EVENT]
