"""template.yaml as the template tests read it: its functions and resources, their event patterns, and
the actions a policy statement allows."""

from __future__ import annotations

import json
from typing import Any, cast

from moto.events.models import EventPattern
from moto.events.utils import EventMessageType

from tools.simulator.template import functions, load_template

TEMPLATE = load_template()
FUNCTIONS = functions(TEMPLATE)
RESOURCES = TEMPLATE["Resources"]


def patterns_of(logical_id: str) -> list[dict[str, Any]]:
    return [s["Properties"]["Pattern"] for s in FUNCTIONS[logical_id].events.values() if s["Type"] == "EventBridgeRule"]


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    # moto types the event as its own TypedDict of EventBridge's fields; any event, malformed too, is matched.
    return bool(EventPattern.load(json.dumps(pattern)).matches_event(cast("EventMessageType", event)))


def actions_of(statement: dict[str, Any]) -> list[str]:
    return statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
