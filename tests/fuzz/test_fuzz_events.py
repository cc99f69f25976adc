"""Bad input, fuzzed: every function in template.yaml gets at least 1,000 generated and mutated events.

The seeds are the real AWS events (tests/fixtures/aws-events/, a copy of the shared reference corpus) and
the function's own samples (events/<function>/). Each example mutates a seed one to three times: a field
dropped, a value of the wrong type, a huge string, unicode, another source or detail-type, a fresh id (so a
still-valid event is acted on rather than deduplicated). Required for every example, in dry-run:

- the handler raises nothing;
- a rejected event (``ecoguard.invocation.reject``) made no write call at all, and logged exactly one
  structured error (a Powertools JSON line) whose ``reason`` is the rejection's;
- an event that is still valid wrote nothing to a governed resource (tests/dry_run_writes.py).

The simulated account is provisioned once per function (one ``stack`` per test, shared by its examples).
``ECOGUARD_FUZZ_EXAMPLES`` lowers the count while iterating; ``make test`` runs the full 1,000.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from hypothesis import given

from ecoguard.invocation import REJECTED
from tests.builders.mutations import (
    FUNCTIONS,
    FUZZ,
    StructuredLog,
    assert_both_kinds_arose,
    assert_one_rejection_logged,
    error_lines,
    mutated_events,
)
from tests.conftest import Stack
from tests.dry_run_writes import governed_writes_in_dry_run
from tools.simulator.account import provision
from tools.simulator.identity import REGION
from tools.simulator.invoke import INVOCATIONS
from tools.simulator.template import functions, load_template

DRY_RUN = {"ECOGUARD_MODE": "dry-run"}

# A function the template creates only under a condition is fuzzed as deployed: with what creates it.
CONDITION_PARAMETERS = {"ForwardsToCentralBus": "CentralBusArn"}


@pytest.fixture
def stack(aws: None, request: pytest.FixtureRequest) -> Stack:
    """The stack as deployed for this function: a conditional one gets the parameter that creates it."""
    template = load_template()
    condition = template["Resources"][request.node.callspec.params["logical_id"]].get("Condition")
    parameters = {}
    if condition is not None:
        bus = boto3.client("events", region_name=REGION).create_event_bus(Name="ecoguard-central")
        parameters[CONDITION_PARAMETERS[condition]] = bus["EventBusArn"]
    return Stack(provision(template, parameters=parameters), template)


@pytest.fixture
def error_log(stack: Stack, request: pytest.FixtureRequest) -> Iterator[StructuredLog]:
    spec = functions(stack.template)[request.node.callspec.params["logical_id"]]
    with error_lines(spec, stack.resolver, stack.env) as capture:
        yield capture


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_given_1000_mutated_events_then_none_raises_a_rejection_writes_nothing_and_logs_one_reason(
    logical_id: str, stack: Stack, error_log: StructuredLog, record_property: Callable[[str, object], None]
) -> None:
    examples = {"rejected": 0, "accepted": 0}

    @FUZZ
    @given(event=mutated_events(logical_id))
    def example(event: Any) -> None:
        error_log.clear()
        first = len(INVOCATIONS)
        results = stack.invoke(logical_id, event, env=DRY_RUN)
        invocations = INVOCATIONS[first:]
        assert invocations and all(i.mode == "dry-run" for i in invocations)
        if results[0].get("rejected"):
            examples["rejected"] += 1
            assert len(results) == 1
            assert [w for i in invocations for w in i.writes] == [], "a rejected event wrote to AWS"
            assert_one_rejection_logged(error_log, results[0]["reason"])
        else:
            examples["accepted"] += 1
            assert governed_writes_in_dry_run(invocations) == []
            assert all(line["message"] != REJECTED for line in error_log.lines)

    example()
    record_property("examples", examples)
    assert_both_kinds_arose(examples)
