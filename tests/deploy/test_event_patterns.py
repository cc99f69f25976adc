"""EventBridge's second opinion: every event pattern of template.yaml and org/management.yaml goes through
TestEventPattern (LocalStack's pattern engine, stricter than moto's) with every event of events/ and of the
AWS event corpus (tests/fixtures/aws-events). The functions it matches must be those the project's own
router (tools/simulator/router.py, on moto) delivers the event to; a difference names the pattern and the event.

The router puts an event with PutEvents (source, detail-type, detail, resources) and EventBridge adds the
envelope; TestEventPattern is given that same event, the envelope taken from the file where it has one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError
from moto import mock_aws

from tests.deploy.conftest import Clients
from tools.simulator.router import EventRouter
from tools.simulator.template import functions, load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = {"template.yaml": ROOT / "template.yaml", "org/management.yaml": ROOT / "org" / "management.yaml"}
CORPORA = (ROOT / "events", ROOT / "tests" / "fixtures" / "aws-events")
ACCOUNT, REGION = "123456789012", "us-east-1"
# One region per template on moto: each router's rules on a bus of their own, so one never gets the other's.
ROUTER_REGIONS = {"template.yaml": "us-east-1", "org/management.yaml": "eu-west-1"}
# Verbatim AWS examples that are not JSON (tests/fixtures/aws-events/QUIRKS.md): nothing can put them on a bus.
NOT_JSON = sorted(p.name for p in (ROOT / "tests" / "fixtures" / "aws-events" / "invalid-json").iterdir())


def event_files() -> list[Path]:
    return sorted(p for corpus in CORPORA for p in corpus.rglob("*.json"))


def patterns(name: str) -> dict[str, list[dict[str, Any]]]:
    """Function logical id -> its EventBridgeRule patterns."""
    found: dict[str, list[dict[str, Any]]] = {}
    for logical_id, spec in functions(load_template(TEMPLATES[name])).items():
        for source in spec.events.values():
            if source["Type"] == "EventBridgeRule":
                found.setdefault(logical_id, []).append(source["Properties"]["Pattern"])
    return found


def on_the_bus(event: dict[str, Any]) -> dict[str, Any]:
    """The event as EventBridge delivers what the router puts (tools/simulator/router.py, EventRouter.route)."""
    return {
        "version": "0",
        "id": event.get("id") or str(uuid.uuid4()),
        "detail-type": event["detail-type"],
        "source": event["source"],
        "account": event.get("account") or ACCOUNT,
        "time": event.get("time") or "2026-01-01T00:00:00Z",
        "region": event.get("region") or REGION,
        "resources": list(event.get("resources", [])),
        "detail": event.get("detail", {}),
    }


@pytest.fixture(scope="module")
def routers() -> Iterator[dict[str, EventRouter]]:
    with mock_aws():
        yield {
            name: EventRouter.from_template(
                load_template(path), region=ROUTER_REGIONS[name], account=ACCOUNT, stack="ecoguard"
            )
            for name, path in TEMPLATES.items()
        }


def test_the_corpus_is_the_one_described() -> None:
    files = event_files()
    assert len(files) >= 60, f"only {len(files)} event files"
    assert NOT_JSON == [
        "sagemaker-endpoint-deployment-state-change-bluegreen.json.txt",
        "sagemaker-endpoint-deployment-state-change-capacity.json.txt",
        "sagemaker-model-package-state-change.current-doc.json.txt",
    ]
    assert all(patterns(name) for name in TEMPLATES)


@pytest.mark.parametrize("path", event_files(), ids=lambda p: str(p.relative_to(ROOT)))
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_test_event_pattern_matches_what_the_router_delivers(
    aws: Clients, routers: dict[str, EventRouter], template: str, path: Path
) -> None:
    event = json.loads(path.read_text())
    events = aws("events")
    if not isinstance(event.get("source"), str) or not isinstance(event.get("detail-type"), str):
        # Not an EventBridge event (a stream batch, a direct invocation, a raw CloudTrail record, an AWS
        # example with a list for its source): the router cannot put it on the bus (PutEvents refuses it), so
        # it reaches no function; TestEventPattern must refuse it too, or match no pattern with it.
        with pytest.raises((KeyError, ParamValidationError)):
            routers[template].route(event)
        matched = []
        for function, function_patterns in sorted(patterns(template).items()):
            for pattern in function_patterns:
                try:
                    result = events.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(event))
                except ClientError:
                    continue
                if result["Result"]:
                    matched.append(f"{function}: {pattern}")
        assert not matched, f"{path.relative_to(ROOT)} ({template}) reaches no function, but matches:\n" + "\n".join(
            matched
        )
        return
    delivered = {function for function, _ in routers[template].route(event)}
    bus_event = json.dumps(on_the_bus(event))
    differences = []
    for function, function_patterns in sorted(patterns(template).items()):
        results = [
            events.test_event_pattern(EventPattern=json.dumps(pattern), Event=bus_event)["Result"]
            for pattern in function_patterns
        ]
        if any(results) != (function in delivered):
            differences.append(
                f"{function}: TestEventPattern {'matches' if any(results) else 'does not match'}, the router "
                f"{'delivers' if function in delivered else 'does not deliver'}; patterns {function_patterns}"
            )
    assert not differences, f"{path.relative_to(ROOT)} ({template}):\n" + "\n".join(differences)
