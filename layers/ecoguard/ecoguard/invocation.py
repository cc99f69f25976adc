"""What every handler does around its guardrail: settings, policy, continuation, metrics, notice."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol, Self

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard import savings
from ecoguard.adapters.clients import client
from ecoguard.adapters.parameters import fetch_policy_override
from ecoguard.clock import utc_now
from ecoguard.decisions import Outcome
from ecoguard.events import MAX_EVENT_ID, SCHEDULED_EVENT, EventBridgeEvent, EventError, check_aws_source, parse_event
from ecoguard.notify import Notifier
from ecoguard.policy import Policy, build_policy
from ecoguard.settings import Settings, load_settings
from ecoguard.summary import RunSummary, Trigger
from ecoguard.sweep import SweepResult
from ecoguard.wiring import Wiring

logger = Logger(child=True)

CONTINUATION_KEY = "ecoguard-continuation"
# A sweep that is still throttled after this many hand-offs stops and alarms (Errors metric)
# rather than loop for ever; the next scheduled sweep starts afresh.
MAX_HOPS = 200
# A rejection's reason quotes parts of the event (a detail-type, a field name): keep the log line bounded.
MAX_REASON = 1000


@dataclass(frozen=True)
class Continuation:
    guardrail: str
    trigger: Trigger
    hop: int

    def next(self) -> Continuation:
        return Continuation(self.guardrail, self.trigger, self.hop + 1)

    def payload(self) -> dict[str, Any]:
        return {
            CONTINUATION_KEY: {
                "guardrail": self.guardrail,
                "run_id": self.trigger.id,
                "description": self.trigger.description,
                "hop": self.hop,
            }
        }


def parse_continuation(event: object, guardrail: str) -> Continuation | None:
    if not isinstance(event, dict) or CONTINUATION_KEY not in event:
        return None
    body = event[CONTINUATION_KEY]
    try:
        continuation = Continuation(
            guardrail=str(body["guardrail"]),
            trigger=Trigger(id=str(body["run_id"]), description=str(body["description"])),
            hop=int(body["hop"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise EventError(f"malformed continuation: {exc}") from exc
    if not 0 < len(continuation.trigger.id) <= MAX_EVENT_ID or len(continuation.trigger.description) > MAX_REASON:
        raise EventError("malformed continuation: field run_id or description: too long or empty")
    if continuation.guardrail != guardrail:
        raise EventError(f"continuation for {continuation.guardrail} sent to the {guardrail} function")
    return continuation


def load_configuration() -> tuple[Settings, Policy]:
    """Settings from the environment, then the policy. Either may raise; nothing has been done yet."""
    settings = load_settings()
    policy = build_policy(
        override_text=fetch_policy_override(settings.policy_parameter),
        override_source=f"SSM parameter {settings.policy_parameter}",
        log_retention_days=settings.log_retention_days,
        floor_days=settings.destructive_floor_days,
    )
    return settings, policy


# How an unfinished sweep carries on in a new invocation. What it returns goes into the handler's
# result as ``continuation`` (for a caller that runs the next invocation itself); None: nothing to run.
type HandOff = Callable[[Settings, Continuation], dict[str, Any] | None]


def invoke_own_function(settings: Settings, continuation: Continuation) -> None:
    """Lambda's hand-off: invoke this same function again, asynchronously, with the continuation."""
    if not settings.function_name:
        raise RuntimeError("AWS_LAMBDA_FUNCTION_NAME is not set; cannot continue the sweep")
    payload = json.dumps(continuation.payload())
    client("lambda").invoke(FunctionName=settings.function_name, InvocationType="Event", Payload=payload)


def hand_off(settings: Settings, continuation: Continuation, strategy: HandOff) -> dict[str, Any] | None:
    """Carry an unfinished sweep on with ``strategy``, unless it has already been handed off too often."""
    if continuation.hop > MAX_HOPS:
        raise RuntimeError(f"sweep {continuation.trigger.id} still unfinished after {MAX_HOPS} invocations")
    return strategy(settings, continuation)


# Per run, per guardrail: the monthly run rate its applied actions added, what its dry-run records would avoid a
# month if enforced, and, apart and never added to it, what its skipped and advisory records would (findings
# ecoguard never acts on). Each published by ``savings.published``: a figure, its known part, or neither, and the
# count of actions whose figure is unknown.
RUN_METRICS = {
    "RunRateAddedMonthly": (Outcome.APPLIED,),
    "PotentialFoundMonthly": (Outcome.WOULD_APPLY,),
    "AdvisoryFoundMonthly": (Outcome.SKIPPED, Outcome.FINDING),
}


def publish_results(metrics: Metrics, settings: Settings, summary: RunSummary) -> None:
    metrics.add_dimension(name="guardrail", value=summary.guardrail)
    metrics.add_metric(name="ResourcesEvaluated", unit=MetricUnit.Count, value=summary.evaluated)
    metrics.add_metric(
        name="ActionsPlanned",
        unit=MetricUnit.Count,
        value=summary.count(Outcome.WOULD_APPLY) + summary.count(Outcome.APPLIED),
    )
    metrics.add_metric(name="ActionsApplied", unit=MetricUnit.Count, value=summary.count(Outcome.APPLIED))
    metrics.add_metric(name="ActionsFailed", unit=MetricUnit.Count, value=summary.count(Outcome.FAILED))
    metrics.add_metric(name="ResourcesSkipped", unit=MetricUnit.Count, value=summary.count(Outcome.SKIPPED))
    metrics.add_metric(name="Findings", unit=MetricUnit.Count, value=summary.count(Outcome.FINDING))
    # Monthly figures only: estimates stated per idle day, per day or per month are never added as they are.
    # What was avoided to date is the impact report's to say (AvoidedToDate*), from the whole audit trail.
    for name, value in run_metrics(summary, utc_now()).items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    Notifier(client("sns"), settings.topic_arn).publish(summary)
    logger.info("run summary", extra={"summary": summary.as_dict()})


def run_metrics(summary: RunSummary, now: datetime) -> dict[str, float]:
    """A run's monthly impact metrics (``RUN_METRICS``), as ``savings.published`` names them."""
    out: dict[str, float] = {}
    for name, outcomes in RUN_METRICS.items():
        out.update(savings.published(name, summary.monthly(outcomes, now)))
    return out


REJECTED = "event rejected"


def reject(function: str, error: EventError, metrics: Metrics | None = None) -> dict[str, Any]:
    """The one answer to a malformed or unexpected event: one structured error log and a returned rejection.

    It is returned, not raised: Lambda retries a failed asynchronous invocation and then dead-letters it,
    but the same event never becomes valid, so retrying a poison event only repeats the error. The
    ``EventsRejected`` metric and the log line (``reason`` names the field) are how it is seen.
    """
    reason = str(error)[:MAX_REASON]
    logger.error(REJECTED, extra={"function": function, "reason": reason})
    if metrics is not None:
        metrics.add_dimension(name="guardrail", value=function)
        metrics.add_metric(name="EventsRejected", unit=MetricUnit.Count, value=1)
    return {"rejected": True, "function": function, "reason": reason}


def run_or_reject(function: str, run: Callable[[], dict[str, Any]], metrics: Metrics | None = None) -> dict[str, Any]:
    """Run a handler's body; an ``EventError`` from it becomes a rejection (``reject``).

    Every ``EventError`` is raised while parsing, before any write: settings, policy and AWS errors
    are not rejections and still fail the invocation (retries, dead-letter queue, Errors alarm).
    """
    try:
        return run()
    except EventError as exc:
        return reject(function, exc, metrics)


type Route[R] = Callable[[R, EventBridgeEvent, Trigger], RunSummary]


class Runner(Protocol):
    """A guardrail's runner, as a function runs it: it names its guardrail and builds itself."""

    guardrail: ClassVar[str]

    @classmethod
    def build(cls, wiring: Wiring) -> Self: ...


@dataclass(frozen=True)
class GuardrailApp[R: Runner]:
    """The shape every guardrail function shares.

    ``runner`` is built from the invocation's ``Wiring`` (settings, policy, context, clients); ``sweep``
    handles the schedule (and its continuations); ``routes`` maps other detail-types to the runner. Anything
    else is rejected (``reject``): logged once, not raised. Validation of the event, the settings and the
    policy all happen before any write. ``hand_off`` carries an unfinished sweep on: on Lambda, an
    asynchronous invocation of the function itself; a local runner injects its own.
    """

    runner: type[R]
    routes: Mapping[str, Route[R]] = field(default_factory=dict)
    sweep: Callable[[R, Trigger], SweepResult] | None = None
    hand_off: HandOff = invoke_own_function

    @property
    def guardrail(self) -> str:
        return self.runner.guardrail

    def handle(self, event: dict[str, Any], context: LambdaContext, metrics: Metrics) -> dict[str, Any]:
        return run_or_reject(self.guardrail, lambda: self._handle(event, context, metrics), metrics)

    def _handle(self, event: dict[str, Any], context: LambdaContext, metrics: Metrics) -> dict[str, Any]:
        continuation = parse_continuation(event, self.guardrail)
        parsed = parse_event(event) if continuation is None else None
        if parsed is not None:
            check_aws_source(parsed)
            route = self.routes.get(parsed.detail_type)
            if route is None and not (parsed.detail_type == SCHEDULED_EVENT and self.sweep):
                raise EventError(f"the {self.guardrail} function does not handle {parsed.detail_type!r} events")
        settings, policy = load_configuration()
        runner = self.runner.build(Wiring.of(settings, policy, context))
        if parsed is not None:
            trigger = Trigger(parsed.id, f"{parsed.detail_type} {parsed.id}")
            if parsed.detail_type != SCHEDULED_EVENT or not self.sweep:
                summary = self.routes[parsed.detail_type](runner, parsed, trigger)
                publish_results(metrics, settings, summary)
                return summary.as_dict()
            continuation = Continuation(self.guardrail, trigger, hop=0)
        assert continuation is not None and self.sweep is not None
        result = self.sweep(runner, continuation.trigger)
        publish_results(metrics, settings, result.summary)
        next_step = None if result.finished else hand_off(settings, continuation.next(), self.hand_off)
        return {**result.summary.as_dict(), "finished": result.finished, "continuation": next_step}
