"""Bad input for the fuzz tests: seeds (the real AWS events and each function's own samples), their
mutations, and each function's structured error log, with what every example must show."""

from __future__ import annotations

import copy
import inspect
import json
import logging
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from ecoguard.invocation import REJECTED
from ecoguard.invocation import logger as invocation_logger
from tests.conftest import EVENTS, REFERENCE_EVENTS
from tools.simulator.invoke import function_environment, load_handler
from tools.simulator.template import FunctionSpec, Resolver, functions, load_template

EXAMPLES = int(os.environ.get("ECOGUARD_FUZZ_EXAMPLES", "1000"))
FUNCTIONS = sorted(functions(load_template()))


def snake_name(logical_id: str) -> str:
    """``LogRetentionFunction`` -> ``log_retention`` (the events/ folder, per events/SOURCES.md)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", logical_id.removesuffix("Function")).lower()


def own_seeds(logical_id: str) -> list[Any]:
    return [json.loads(p.read_text()) for p in sorted((EVENTS / snake_name(logical_id)).glob("*.json"))]


def reference_seeds() -> list[Any]:
    paths = [*sorted(REFERENCE_EVENTS.glob("*.json")), *sorted((REFERENCE_EVENTS / "raw-detail-only").glob("*.json"))]
    loaded: list[Any] = [json.loads(p.read_text()) for p in paths]
    # AWS's documented examples that are not valid JSON arrive, if ever, as a string.
    loaded += [p.read_text() for p in sorted((REFERENCE_EVENTS / "invalid-json").glob("*"))]
    return loaded


OWN_SEEDS = {fn: own_seeds(fn) for fn in FUNCTIONS}
REFERENCE_SEEDS = reference_seeds()
SEEDS = {fn: [*OWN_SEEDS[fn], *REFERENCE_SEEDS] for fn in FUNCTIONS}


def seed_values(field: str) -> list[Any]:
    found = {json.dumps(e[field]) for s in SEEDS.values() for e in s if isinstance(e, dict) and field in e}
    return [json.loads(v) for v in sorted(found)]


DETAIL_TYPES = seed_values("detail-type")
SOURCES = [*seed_values("source"), "my.app"]

# JSON has no lone surrogates and no NaN: a Lambda payload is UTF-8 JSON.
unicode_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)
leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | unicode_text
    | st.sampled_from(["", " ", "0", "-1", "1e400", "null", "{}", "[]", "2024-13-45T25:61:61Z", "99999999999999999999"])
)
json_values = st.recursive(
    leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(unicode_text, inner, max_size=3), max_leaves=6
)
huge_strings = st.builds(
    lambda ch, n: ch * n,
    st.sampled_from(["A", "é", "日", "\U0001f600", "\x00", "/"]),
    st.sampled_from([1_000, 70_000, 300_000]),
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (dict keys and list indexes)."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield (*prefix, key)
        yield from paths(child, (*prefix, key))


def parent_of(event: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        event = event[key]
    return event


@st.composite
def mutation(draw: st.DrawFn, event: Any) -> Any:
    kind = draw(st.sampled_from(["drop", "retype", "huge", "unicode", "source", "detail-type", "fresh-id", "whole"]))
    if kind == "whole":
        return draw(json_values)
    if not isinstance(event, dict):
        return event
    if kind in {"source", "detail-type"}:
        return {**event, kind: draw(st.sampled_from(SOURCES if kind == "source" else DETAIL_TYPES) | json_values)}
    if kind == "fresh-id":
        return {**event, "id": draw(st.uuids()).hex}
    every = list(paths(event))
    if not every:
        return event
    path = draw(st.sampled_from(every))
    parent = parent_of(event, path)
    if kind == "drop":
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw({"retype": json_values, "huge": huge_strings, "unicode": unicode_text}[kind])
    return event


@st.composite
def mutated_events(draw: st.DrawFn, logical_id: str) -> Any:
    # Half from the function's own samples, so that mutations that keep an event valid reach its runner.
    event = copy.deepcopy(draw(st.sampled_from(OWN_SEEDS[logical_id]) | st.sampled_from(REFERENCE_SEEDS)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        event = draw(mutation(event))
    # What Lambda hands the handler: the payload after a JSON round trip.
    return json.loads(json.dumps(event))


class StructuredLog(logging.Handler):
    """Every record the function logs at ERROR, formatted by its own Powertools formatter and parsed back."""

    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__(level=logging.ERROR)
        self.setFormatter(formatter)
        self.lines: list[dict[str, Any]] = []
        self._seen: set[int] = set()

    def emit(self, record: logging.LogRecord) -> None:
        if id(record) not in self._seen:  # attached to two loggers; in Lambda one is the other's parent
            self._seen.add(id(record))
            self.lines.append(json.loads(self.format(record)))

    def clear(self) -> None:
        self.lines.clear()
        self._seen.clear()


# One simulated account for all examples is the point; huge strings are drawn cheaply, not byte by byte.
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_one_rejection_logged(error_log: StructuredLog, reason: str) -> None:
    [line] = error_log.lines
    assert line["level"] == "ERROR" and line["message"] == REJECTED
    assert line["reason"] == reason and line["reason"]


def assert_both_kinds_arose(examples: Mapping[str, int]) -> None:
    assert sum(examples.values()) >= EXAMPLES, examples
    assert examples["rejected"] > 0 and examples["accepted"] > 0, f"one kind of event never arose: {examples}"


@contextmanager
def error_lines(spec: FunctionSpec, resolver: Resolver, env: Mapping[str, str]) -> Iterator[StructuredLog]:
    """The function's own logger and ecoguard.invocation's child logger. In Lambda the child's records reach
    the function's handler through its parent; in this one process (every function, one import of the layer)
    the child was named after whichever service imported it first, so it is captured directly."""
    with function_environment(spec, resolver, env):  # imported as Lambda would: configured
        function_logger = inspect.unwrap(load_handler(spec)).__globals__["logger"]
    capture = StructuredLog(function_logger.registered_formatter)
    targets = {logging.getLogger(function_logger.name), logging.getLogger(invocation_logger.name)}
    for target in targets:
        target.addHandler(capture)
    try:
        yield capture
    finally:
        for target in targets:
            target.removeHandler(capture)
