"""Bad input, fuzzed, for org/management.yaml's central functions: each gets 1,000 mutated events, seeded
from its own samples (events/central_*/) and the real AWS events. Required for every example:

- the handler raises nothing;
- a rejected event made no write at all and logged exactly one structured error naming the reason;
- an accepted event wrote only to the central stack's own resources (its table and report bucket).

Shims: tools/simulator/organization.py::CrossAccountBusShim (moto_bus_lookup_in_caller_account,
moto_event_account_is_the_bus_account), as in tests/functional/test_organization.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given

from ecoguard.invocation import REJECTED
from tests.builders.mutations import (
    FUZZ,
    OWN_SEEDS,
    StructuredLog,
    assert_both_kinds_arose,
    assert_one_rejection_logged,
    error_lines,
    mutated_events,
    own_seeds,
)
from tests.conftest import REGION
from tools.simulator.invoke import INVOCATIONS, reset_caches
from tools.simulator.organization import (
    Central,
    CrossAccountBusShim,
    Organization,
    invoke_central,
    provision_central,
)
from tools.simulator.template import functions

CENTRAL_ACCOUNT = "999988887777"
ORG = Organization("o-a1b2c3d4e5", frozenset({"123456789012", CENTRAL_ACCOUNT}))
CENTRAL_FUNCTIONS = ("CentralIngestFunction", "CentralReportFunction")
OWN_SEEDS.update({fn: own_seeds(fn) for fn in CENTRAL_FUNCTIONS})


@pytest.fixture
def central(aws: None) -> Iterator[Central]:
    with CrossAccountBusShim(ORG):
        reset_caches()
        yield provision_central(ORG, account=CENTRAL_ACCOUNT, region=REGION)


@pytest.fixture
def error_log(central: Central, request: pytest.FixtureRequest) -> Iterator[StructuredLog]:
    spec = functions(central.template)[request.node.callspec.params["logical_id"]]
    with error_lines(spec, central.resolver, {}) as capture:
        yield capture


def own_resources(central: Central) -> set[str]:
    names = {str(v) for v in central.resolver.refs.values()}
    return names | {str(v) for v in central.resolver.attributes.values()}


@pytest.mark.parametrize("logical_id", CENTRAL_FUNCTIONS)
def test_given_1000_mutated_events_then_a_central_function_never_raises_and_writes_only_its_own(
    logical_id: str, central: Central, error_log: StructuredLog, record_property: Callable[[str, object], None]
) -> None:
    examples = {"rejected": 0, "accepted": 0}
    own = own_resources(central)

    @FUZZ
    @given(event=mutated_events(logical_id))
    def example(event: Any) -> None:
        error_log.clear()
        first = len(INVOCATIONS)
        result = invoke_central(central, logical_id, event)
        writes = [w for i in INVOCATIONS[first:] for w in i.writes]
        if result.get("rejected"):
            examples["rejected"] += 1
            assert writes == [], "a rejected event wrote to AWS"
            assert_one_rejection_logged(error_log, result["reason"])
        else:
            examples["accepted"] += 1
            assert all(line["message"] != REJECTED for line in error_log.lines)
            assert [w for w in writes if (w.target or "") not in own] == []

    example()
    record_property("examples", examples)
    assert_both_kinds_arose(examples)
