"""Run the log-retention guardrail: a resumable sweep, or one newly created group."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from ecoguard.actions import Mode, Outcome, PlannedAction
from ecoguard.adapters.logs import LogsAdapter
from ecoguard.audit import AuditRecord, AuditTrail
from ecoguard.errors import AwsError, NotFound, Throttled
from ecoguard.events import LOG_GROUP_NAME, EventBridgeEvent, EventError, parse_cloudtrail
from ecoguard.executor import Applier, Executor, RunSummary, Trigger
from ecoguard.guardrails.log_retention import ACTION, GUARDRAIL, LogGroup, decide_retention, in_scope, is_candidate
from ecoguard.policy import Policy
from ecoguard.runners.base import GuardrailRunner
from ecoguard.sweep import Sweep, SweepResult

logger = Logger(child=True)


def created_log_group(event: EventBridgeEvent) -> str | None:
    """The group a CloudTrail ``CreateLogGroup`` event created; None for other or failed calls."""
    call = parse_cloudtrail(event)
    if call.eventName != "CreateLogGroup" or call.errorCode:
        logger.info("ignoring API call", extra={"event_name": call.eventName, "error_code": call.errorCode})
        return None
    name = (call.requestParameters or {}).get("logGroupName")
    if not isinstance(name, str) or not name:
        raise EventError("malformed CreateLogGroup event: requestParameters.logGroupName is missing")
    if not LOG_GROUP_NAME.fullmatch(name):
        raise EventError("malformed CreateLogGroup event: requestParameters.logGroupName is not a log group name")
    return name


@dataclass
class _SweepTags:
    """The governing tags of every log group, listed once per invocation, on the first candidate."""

    load: Callable[[], dict[str, dict[str, str]]]
    _tags: dict[str, dict[str, str]] | None = field(default=None)

    def of(self, group: LogGroup) -> dict[str, str]:
        if self._tags is None:
            self._tags = self.load()
        return self._tags.get(group.arn, {})


class LogRetentionRunner(GuardrailRunner):
    guardrail = GUARDRAIL

    def __init__(
        self,
        *,
        logs: LogsAdapter,
        audit: AuditTrail,
        policy: Policy,
        mode: Mode,
        clock: Callable[[], datetime],
        remaining_ms: Callable[[], int],
    ) -> None:
        super().__init__(audit=audit, policy=policy, mode=mode, clock=clock)
        self._logs = logs
        self._sweep = Sweep[LogGroup](GUARDRAIL, audit, clock, remaining_ms)

    def _appliers(self) -> Mapping[str, Applier]:
        return {ACTION: self._apply}

    def _apply(self, action: PlannedAction) -> None:
        self._logs.set_retention(action.resource.name, action.after["retentionInDays"])

    def on_created(self, name: str | None, trigger: Trigger) -> RunSummary:
        """Handle a CreateLogGroup event: decide for that one group at once."""
        executor = self._executor(trigger)
        if name is None or not in_scope(name, self._policy.log_retention):
            return executor.summary
        group = self._logs.find(name)
        if group is None:
            logger.info("log group no longer exists", extra={"log_group": name})
            return executor.summary
        if self._evaluate(group, executor) is Outcome.DEFERRED:
            # Let Lambda's retry (and then the dead-letter queue) take it; the daily sweep also catches up.
            raise Throttled("PutRetentionPolicy", "Throttling", f"deferred {name}")
        return executor.summary

    def sweep(self, trigger: Trigger) -> SweepResult:
        """Sweep every log group, resuming from this run's checkpoint if there is one.

        Tags come from one tagging-API listing per governing key, not one read per group. If that
        listing fails (other than throttling, which pauses the sweep), the invocation fails: no group
        can be decided safely without knowing which are exempt."""
        tags = _SweepTags(self._logs.governing_tags)
        return self._sweep.run(
            trigger, self._executor(trigger), self._logs.page, lambda g, ex: self._evaluate(g, ex, tags.of)
        )

    def _evaluate(
        self, group: LogGroup, executor: Executor, listed: Callable[[LogGroup], dict[str, str]] | None = None
    ) -> Outcome | None:
        policy = self._policy.log_retention
        executor.summary.evaluated += 1
        if not is_candidate(group, policy):
            if in_scope(group.name, policy):
                executor.summary.compliant += 1
            return None
        if listed is not None:
            tags = listed(group)
        else:
            try:
                tags = self._logs.tags(group)
            except Throttled:
                raise
            except NotFound:
                return None  # deleted since it was listed
            except AwsError as exc:
                return executor.fail(GUARDRAIL, group.resource, str(exc))
        decision = decide_retention(group, tags, policy)
        if decision is None:
            executor.summary.compliant += 1
            return None
        return executor.execute(decision)


class LogRetentionRestorer:
    """Puts a log group's retention back to what the audit record says it was."""

    def __init__(self, logs: LogsAdapter) -> None:
        self._logs = logs

    def current(self, record: AuditRecord) -> dict[str, int | None] | None:
        group = self._logs.find(record.resource.name)
        return None if group is None else {"retentionInDays": group.retention_days}

    def apply(self, record: AuditRecord, state: Mapping[str, Any]) -> None:
        self._logs.set_retention(record.resource.name, state.get("retentionInDays"))
