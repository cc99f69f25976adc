"""Run the log-retention guardrail: a resumable sweep, or one newly created group."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache

from aws_lambda_powertools import Logger

from ecoguard.actions.log_retention import REGISTRY
from ecoguard.adapters.logs import LogsAdapter
from ecoguard.audit import AuditTrail
from ecoguard.decisions import OUT_OF_SCOPE, Mode, Outcome, Plan, Unreadable, plan_of
from ecoguard.errors import Throttled
from ecoguard.executor import RunSummary, Trigger
from ecoguard.guardrails.log_retention import GUARDRAIL, LogGroup, decide_retention, in_scope, is_candidate
from ecoguard.policy import Policy
from ecoguard.reading import GONE, Gone, read
from ecoguard.runners.base import GuardrailRunner
from ecoguard.sweep import Sweep, SweepResult

logger = Logger(child=True)


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
        super().__init__(audit=audit, policy=policy, mode=mode, clock=clock, units=REGISTRY.bind(logs))
        self._logs = logs
        self._sweep = Sweep[LogGroup](GUARDRAIL, audit, clock, remaining_ms)

    def on_created(self, name: str | None, trigger: Trigger) -> RunSummary:
        """Handle a CreateLogGroup event: decide for that one group at once."""
        executor = self._executor(trigger)
        if name is None or not in_scope(name, self._policy.log_retention):
            return executor.summary
        group = self._logs.find(name)
        if group is None:
            logger.info("log group no longer exists", extra={"log_group": name})
            return executor.summary
        if (
            executor.run(self._plan(group, lambda g: read(GUARDRAIL, g.resource, lambda: self._logs.tags(g))))
            is Outcome.DEFERRED
        ):
            # Let Lambda's retry (and then the dead-letter queue) take it; the daily sweep also catches up.
            raise Throttled("PutRetentionPolicy", "Throttling", f"deferred {name}")
        return executor.summary

    def sweep(self, trigger: Trigger) -> SweepResult:
        """Sweep every log group, resuming from this run's checkpoint if there is one.

        Tags come from one tagging-API listing per governing key, not one read per group, made once per
        invocation, on the first candidate. If that listing fails (other than throttling, which pauses the
        sweep), the invocation fails: no group can be decided safely without knowing which are exempt."""
        listed = cache(self._logs.governing_tags)

        def tags(group: LogGroup) -> Mapping[str, str]:
            return listed().get(group.arn, {})

        return self._sweep.run(
            trigger, self._executor(trigger), self._logs.page, lambda g, ex: ex.run(self._plan(g, tags))
        )

    def _plan(self, group: LogGroup, tags_of: Callable[[LogGroup], Mapping[str, str] | Gone | Unreadable]) -> Plan:
        policy = self._policy.log_retention
        if not is_candidate(group, policy):
            return Plan() if in_scope(group.name, policy) else OUT_OF_SCOPE
        tags = tags_of(group)
        if tags is GONE:
            return OUT_OF_SCOPE  # deleted since it was listed
        if isinstance(tags, Unreadable):
            return Plan(unreadable=tags)
        return plan_of(decide_retention(group, tags, policy))
