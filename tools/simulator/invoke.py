"""Invoke a function's handler in-process, configured from template.yaml like ``sam local invoke``.

CodeUri, Handler, Timeout and the Environment (Globals merged with the function's own) come
from the template; Refs resolve against the provisioned resources. A sweep that hands off to
a new invocation returns its continuation here instead (``return_continuation``, injected into
the function's ``GuardrailApp``), and ``invoke`` runs it, as Lambda would run the asynchronous
self-invocation.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import os
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.utilities import parameters
from botocore.client import BaseClient

from ecoguard.adapters.clients import reset_clients
from ecoguard.invocation import Continuation, GuardrailApp, HandOff
from ecoguard.settings import Settings
from ecoguard.units import ACTING
from tools.simulator.template import FunctionSpec, Resolver, functions, load_template


@dataclass
class LocalContext:
    """The parts of the Lambda context object ecoguard and Powertools use."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    timeout_s: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    remaining_ms: Callable[[], int] | None = None
    _start: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        if self.remaining_ms is not None:
            return self.remaining_ms()
        return int(self.timeout_s * 1000 - (time.monotonic() - self._start) * 1000)


_modules: dict[str, ModuleType] = {}

# Every AWS operation each function made, as (service signing name, operation), across this
# process: the least-privilege test compares it with the function's IAM policy.
API_CALLS: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
# The calls made by each action unit, keyed (action name, phase): held against its declared permissions.
UNIT_CALLS: dict[tuple[str, str], Counter[tuple[str, str]]] = defaultdict(Counter)
# Read operations by name: every other operation changes something.
READ_PREFIXES = ("Describe", "Get", "List", "Head", "Query", "Scan", "BatchGet", "Search", "Select")
# The parameters that name what a write changes, where one does.
TARGET_PARAMETERS = ("TableName", "TopicArn", "FunctionName", "Bucket", "logGroupName", "EndpointName", "KeyId")


@dataclass(frozen=True)
class Write:
    service: str
    operation: str
    target: str | None


@dataclass(frozen=True)
class Invocation:
    """One handler invocation: its environment, the request's own ``apply`` flag (or a schedule's event: for
    RestoreFunction, its schedule finishes restores an operator applied), and every write it made."""

    logical_id: str
    environment: Mapping[str, str]
    apply_requested: bool
    writes: list[Write]

    @property
    def mode(self) -> str | None:
        return self.environment.get("ECOGUARD_MODE")


# Every handler invocation in this process, in order (the dry-run check reads it: tests/dry_run_writes.py).
INVOCATIONS: list[Invocation] = []


def is_write(operation: str) -> bool:
    return not operation.startswith(READ_PREFIXES)


def write_target(params: Mapping[str, Any]) -> str | None:
    for name in TARGET_PARAMETERS:
        value = params.get(name)
        if isinstance(value, str):
            return value
    # TransactWriteItems names its table per action: one table for every action is the target.
    actions = params.get("TransactItems")
    if isinstance(actions, list):
        tables = {
            action.get("TableName")
            for item in actions
            if isinstance(item, Mapping)
            for action in item.values()
            if isinstance(action, Mapping)
        }
        if len(tables) == 1 and isinstance(table := tables.pop(), str):
            return table
    # PutEvents names its bus per entry: one bus for every entry is the target.
    entries = params.get("Entries")
    if isinstance(entries, list):
        buses = {entry.get("EventBusName") for entry in entries if isinstance(entry, Mapping)}
        if len(buses) == 1 and isinstance(bus := buses.pop(), str):
            return bus
    return None


_another_actor = [0]


@contextmanager
def as_another_actor() -> Iterator[None]:
    """Calls made during a handler's invocation by someone else (a test's owner who changes a resource
    meanwhile): not the function's calls, so recorded neither for least privilege nor for the dry-run check."""
    _another_actor[0] += 1
    try:
        yield
    finally:
        _another_actor[0] -= 1


@contextmanager
def recording_api_calls(logical_id: str, writes: list[Write] | None = None) -> Iterator[None]:
    client_class: Any = BaseClient  # _make_api_call is private to botocore, so untyped here
    original = client_class._make_api_call

    def record(self: BaseClient, operation_name: str, api_params: Any) -> Any:
        if _another_actor[0]:
            return original(self, operation_name, api_params)
        signing_name = self.meta.service_model.signing_name
        API_CALLS[logical_id][(signing_name, operation_name)] += 1
        unit = ACTING.get()
        if unit is not None:
            UNIT_CALLS[(unit[0], unit[1].value)][(signing_name, operation_name)] += 1
        if writes is not None and is_write(operation_name):
            writes.append(Write(signing_name, operation_name, write_target(api_params)))
        return original(self, operation_name, api_params)

    client_class._make_api_call = record
    try:
        yield
    finally:
        client_class._make_api_call = original


def load_module(spec: FunctionSpec) -> ModuleType:
    module_name = spec.handler.rsplit(".", 1)[0]
    path = spec.code_uri / f"{module_name.replace('.', '/')}.py"
    key = str(path)
    if key not in _modules:
        unique = f"ecoguard_function_{spec.logical_id}_{module_name}"
        loader_spec = importlib.util.spec_from_file_location(unique, path)
        assert loader_spec and loader_spec.loader, f"cannot load {path}"
        module = importlib.util.module_from_spec(loader_spec)
        loader_spec.loader.exec_module(module)
        _modules[key] = module
    return _modules[key]


def load_handler(spec: FunctionSpec) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    function_name = spec.handler.rsplit(".", 1)[1]
    handler: Callable[[dict[str, Any], Any], dict[str, Any]] = getattr(load_module(spec), function_name)
    return handler


def return_continuation(settings: Settings, continuation: Continuation) -> dict[str, Any]:
    """The local hand-off: the handler returns the continuation's payload, and ``invoke`` runs it next."""
    return continuation.payload()


@contextmanager
def handing_off(module: ModuleType, strategy: HandOff) -> Iterator[None]:
    """While in this block, the function's ``GuardrailApp`` (its module's ``APP``) hands off with ``strategy``.

    The handler reads ``APP`` from its module's globals at each call, so replacing it there is enough.
    Functions without one (they never hand off) are left as they are.
    """
    app = getattr(module, "APP", None)
    if not isinstance(app, GuardrailApp):
        yield
        return
    namespace = vars(module)
    namespace["APP"] = dataclasses.replace(app, hand_off=strategy)
    try:
        yield
    finally:
        namespace["APP"] = app


def start_with_no_metrics(handler: Callable[..., Any]) -> None:
    """Clear what an earlier invocation in this process left in the handler's Powertools Metrics.

    On Lambda each function has a process of its own and every flush clears its metrics. Here every
    function shares one process, Powertools' Metrics instances share their state, and a flush with metrics
    disabled (as in tests) clears nothing: the next ``add_dimension`` would warn of a duplicate.
    """
    metrics = inspect.unwrap(handler).__globals__.get("metrics")
    if isinstance(metrics, Metrics):
        metrics.clear_metrics()


@contextmanager
def function_environment(spec: FunctionSpec, resolver: Resolver, extra: Mapping[str, str]) -> Iterator[dict[str, str]]:
    env = {name: str(resolver.resolve(value)) for name, value in spec.environment.items()}
    env["AWS_LAMBDA_FUNCTION_NAME"] = str(resolver.refs.get(spec.logical_id, spec.logical_id))
    env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(spec.memory)
    env.update(extra)
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield env
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def reset_caches() -> None:
    """Forget cached clients and parameters, as a new Lambda execution environment would."""
    reset_clients()
    # Drops the cached SSM provider (and its boto3 client) along with its values.
    parameters.clear_caches()  # type: ignore[no-untyped-call]


def invoke(
    logical_id: str,
    event: dict[str, Any],
    resolver: Resolver,
    *,
    env: Mapping[str, str] | None = None,
    remaining_ms: Callable[[], int] | None = None,
    max_hops: int = 500,
    template: Mapping[str, Any] | None = None,
    hand_off: HandOff = return_continuation,
) -> list[dict[str, Any]]:
    """Run the handler for ``event``, then any continuations it hands off. Returns every result.

    ``hand_off``: how a sweep carries on; by default it returns its continuation, which runs here next.
    With ``ecoguard.invocation.invoke_own_function`` it invokes itself through the Lambda API, as deployed.
    """
    spec = functions(template or load_template())[logical_id]
    results: list[dict[str, Any]] = []
    # The module is first imported inside the function's environment, as Lambda would import it.
    with function_environment(spec, resolver, env or {}) as environment, handing_off(load_module(spec), hand_off):
        handler = load_handler(spec)
        # The first payload is delivered whatever it is (Lambda hands a handler even a JSON null).
        pending: list[Any] = [event]
        while pending:
            payload = pending.pop()
            if len(results) >= max_hops:
                raise RuntimeError(f"{logical_id} handed off more than {max_hops} times")
            context = LocalContext(
                function_name=environment["AWS_LAMBDA_FUNCTION_NAME"],
                memory_limit_in_mb=spec.memory,
                invoked_function_arn=resolver.attributes.get((logical_id, "Arn"), logical_id),
                timeout_s=spec.timeout,
                remaining_ms=remaining_ms,
            )
            writes: list[Write] = []
            INVOCATIONS.append(
                Invocation(
                    logical_id,
                    {k: v for k, v in environment.items() if k.startswith(("ECOGUARD_", "AWS_LAMBDA_"))},
                    isinstance(payload, dict)
                    and (payload.get("apply") is True or payload.get("detail-type") == "Scheduled Event"),
                    writes,
                )
            )
            start_with_no_metrics(handler)
            with recording_api_calls(logical_id, writes):
                result = handler(payload, context)
            results.append(result)
            continuation = result.get("continuation") if isinstance(result, dict) else None
            if continuation is not None:
                pending.append(continuation)
    return results
