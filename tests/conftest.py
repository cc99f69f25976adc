"""Shared fixtures: the event corpus, a simulated account with the stack provisioned, and
botocore hooks that count or fail API calls."""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ClientError

from ecoguard import pacing
from ecoguard.adapters.clients import client
from ecoguard.audit import AuditRecord, AuditTrail
from ecoguard.record_mac import KmsRecordMac, Matching
from tests.response_shapes import ResponseChecks
from tools.simulator.account import provision, simulated_aws
from tools.simulator.identity import ACCOUNT, REGION
from tools.simulator.invoke import invoke, reset_caches
from tools.simulator.template import Resolver, load_template

# The shared builders assert too (a sweep finished, a mark exists): their failures read like a test's.
pytest.register_assert_rewrite("tests.builders")

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
# A copy of ../shared/reference/aws-events (AWS-authored events; provenance in its SOURCES.md),
# so the tests need nothing outside the repository.
REFERENCE_EVENTS = ROOT / "tests" / "fixtures" / "aws-events"


def load_event(relative: str) -> dict[str, Any]:
    """An event from events/, e.g. ``load_event("log_retention/scheduled-sweep.json")``."""
    event: dict[str, Any] = json.loads((EVENTS / relative).read_text())
    return event


def event_files() -> list[Path]:
    return sorted(EVENTS.glob("*/*.json"))


def eventbridge_files() -> list[Path]:
    """Sample events that are EventBridge events (others are direct invocations, like a restore)."""
    return [p for p in event_files() if "detail-type" in json.loads(p.read_text())]


class PacingClock:
    """Real time plus every pacing wait, which is counted and not slept: pacing is exercised by every test
    (its turns, its halving on throttling), and no test sleeps for it."""

    def __init__(self) -> None:
        self.waited = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.waited

    def sleep(self, seconds: float) -> None:
        self.waited += max(seconds, 0.0)


@pytest.fixture(autouse=True)
def paced_without_sleeping(monkeypatch: pytest.MonkeyPatch) -> pacing.Limiter:
    clock = PacingClock()
    limiter = pacing.Limiter(clock=clock, sleep=clock.sleep)
    monkeypatch.setattr(pacing, "LIMITER", limiter)
    return limiter


@pytest.fixture(autouse=True)
def responses_as_aws_models_them() -> Iterator[ResponseChecks]:
    """Every response a test receives (moto's, a shim's, a ``before-call`` fake's, a ``Stubber``'s) is
    checked against botocore's output shape for its operation (``tests/response_shapes.py``): a member the
    model does not define, a value outside its enum, or a required member absent fails the test."""
    with ResponseChecks().installed() as checks:
        yield checks
    if checks.found:
        shown = "\n  ".join(sorted(set(checks.found))[:20])
        pytest.fail(f"{len(checks.found)} response(s) AWS could not have sent:\n  {shown}", pytrace=False)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with simulated_aws():
        reset_caches()
        yield
    reset_caches()


@dataclass
class Stack:
    """The stack's resources in the simulated account, and a way to invoke its functions."""

    resolver: Resolver
    template: dict[str, Any]
    env: dict[str, str] = field(default_factory=lambda: {"POWERTOOLS_METRICS_DISABLED": "true"})

    @property
    def record_key(self) -> str | None:
        """The stack's AuditRecordKey ARN, which `ecoguard restore --record-key` takes."""
        return self.resolver.attributes.get(("AuditRecordKey", "Arn"))

    @property
    def audit(self) -> AuditTrail:
        # Signed as the stack's functions sign (ecoguard.record_mac): a record a test writes "as ecoguard" verifies.
        key = self.record_key
        mac = Matching(KmsRecordMac(boto3.client("kms", region_name=REGION), key)) if key else None
        return AuditTrail(boto3.client("dynamodb", region_name=REGION), self.resolver.refs["AuditTable"], mac)

    def records(self) -> list[AuditRecord]:
        return list(self.audit.records())

    def use_policy(self, policy: str | dict[str, Any]) -> None:
        """Store ``policy`` (YAML text, or a mapping) in the stack's policy parameter, as a user would."""
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=self.resolver.refs["PolicyParameter"],
            Value=policy if isinstance(policy, str) else json.dumps(policy),
            Type="String",
            Overwrite=True,
        )

    def invoke(self, function: str, event: dict[str, Any], **kwargs: Any) -> list[dict[str, Any]]:
        env = {**self.env, **kwargs.pop("env", {})}
        return invoke(function, event, self.resolver, env=env, template=self.template, **kwargs)


@pytest.fixture
def stack(aws: None) -> Stack:
    template = load_template()
    return Stack(provision(template), template)


@dataclass
class CallLog:
    """Counts the API operations made by ecoguard's cached clients."""

    calls: Counter[str] = field(default_factory=Counter)
    params: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.calls[model.name] += 1
        self.params.append((model.name, params))


def record_calls(*services: str) -> CallLog:
    log = CallLog()
    for service in services:
        client(service).meta.events.register("provide-client-params", lambda params, model, **kw: log(model, params))
    return log


def fail_calls(
    service: str,
    operation: str,
    code: str,
    *,
    rate: float = 1.0,
    seed: int = 7,
    when: Callable[[dict[str, Any]], bool] | None = None,
) -> Counter[str]:
    """Make ``operation`` fail with ``code`` (after the SDK's retries would have given up).

    Raising from ``before-call`` skips botocore's retry loop, so each injected error reaches
    ecoguard exactly as an exhausted retry would. Returns a counter of injected failures.
    """
    rng = random.Random(seed)
    injected: Counter[str] = Counter()
    event_service = client(service).meta.service_model.service_id.hyphenize()
    lock = threading.Lock()  # the calls of a sweep's read and write threads are counted alike

    def hook(params: dict[str, Any], model: Any, **_: Any) -> None:
        body = params.get("body", {})
        payload = json.loads(body) if isinstance(body, (bytes, str)) and body else {}
        with lock:
            failing = (when is None or when(payload)) and rng.random() < rate
            if failing:
                injected[model.name] += 1
        if failing:
            raise ClientError({"Error": {"Code": code, "Message": f"injected {code}"}}, model.name)

    client(service).meta.events.register(f"before-call.{event_service}.{operation}", hook)
    return injected


def assert_rejected(result: dict[str, Any], reason: str) -> None:
    """The handler's answer to a malformed event (``ecoguard.invocation.reject``): a rejection naming why."""
    assert result.get("rejected") is True, f"expected a rejection, got {result}"
    assert re.search(reason, result["reason"]), f"{reason!r} not in {result['reason']!r}"


__all__ = [
    "ACCOUNT",
    "REGION",
    "CallLog",
    "Stack",
    "assert_rejected",
    "event_files",
    "eventbridge_files",
    "fail_calls",
    "load_event",
    "record_calls",
]


def lambda_async_invoke_shim() -> list[dict[str, Any]]:
    """moto 5.2.5 runs Lambda Invoke in Docker, which is not here: answer an asynchronous invoke
    as Lambda does (202, empty body) and keep the request, so the hand-off can be checked."""
    requests: list[dict[str, Any]] = []

    def answer(params: dict[str, Any], model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        requests.append(params)
        return AWSResponse("", 202, HTTPHeaders(), None), {"StatusCode": 202, "Payload": b""}

    client("lambda").meta.events.register("before-call.lambda.Invoke", answer)
    return requests


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail a passing run if any dry-run invocation wrote to a governed resource, and, with
    ECOGUARD_LEAST_PRIVILEGE=1 (``make test``), on any IAM mismatch."""
    if exitstatus != 0:
        return
    check_dry_run_writes(session)
    if os.environ.get("ECOGUARD_LEAST_PRIVILEGE") == "1":
        check_least_privilege(session)


def check_dry_run_writes(session: pytest.Session) -> None:
    from tests.dry_run_writes import governed_writes_in_dry_run, is_dry_run
    from tools.simulator.invoke import INVOCATIONS

    problems = governed_writes_in_dry_run(INVOCATIONS)
    dry_runs = sum(1 for invocation in INVOCATIONS if is_dry_run(invocation))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and INVOCATIONS:
        reporter.write_line(
            f"dry-run writes: {len(problems)} governed write(s) in {dry_runs} dry-run invocation(s) "
            f"of {len(INVOCATIONS)} handler invocation(s)"
        )
        for problem in sorted(set(problems)):
            reporter.write_line(f"  {problem}", red=True)
    if problems:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def check_least_privilege(session: pytest.Session) -> None:
    from tests.least_privilege import allowed_actions, expanded_policies, iam_action, mismatches, unit_mismatches
    from tools.simulator.invoke import API_CALLS, UNIT_CALLS

    used = {fn: {iam_action(service, op) for service, op in calls} for fn, calls in API_CALLS.items()}
    by_unit = {unit: {iam_action(service, op) for service, op in calls} for unit, calls in UNIT_CALLS.items()}
    granted = {fn: allowed_actions(statements) for fn, statements in expanded_policies().items()}
    problems = mismatches(used, granted) + unit_mismatches(by_unit, granted)
    report = ROOT / "dist" / "least-privilege.json"
    report.parent.mkdir(exist_ok=True)
    report.write_text(
        json.dumps(
            {
                "used": {k: sorted(v) for k, v in used.items()},
                "used_by_action": {f"{a}:{p}": sorted(v) for (a, p), v in by_unit.items()},
                "problems": problems,
            },
            indent=2,
            sort_keys=True,
        )
    )
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"least privilege: {len(problems)} mismatch(es); details in {report.relative_to(ROOT)}")
        for problem in problems:
            reporter.write_line(f"  {problem}", red=True)
    if problems:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
