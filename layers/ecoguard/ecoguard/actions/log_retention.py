"""The log-retention guardrail's AWS side: how it reads log groups, and the one change it makes.

- ``LogGroups``: the port (``adapters.logs.LogsAdapter`` implements it);
- ``LogRetentionRunner``: collects ``ObservedGroup`` snapshots (a resumable sweep of every group, or the
  group a ``CreateLogGroup`` event names) and runs the guardrail's plan for each. On a runtime whose SDK
  cannot read ``retentionPolicyName`` (``adapters.sdk_support``: it parses it away, so a group under an
  account-level retention policy would look like one without) it lists and acts on no group, said once per
  run ("not supported by this runtime's SDK: ..."); on one without ListTagsForResource it leaves a
  ``CreateLogGroup`` event's group to the daily sweep (whose tags come from the tagging API);
- ``PutRetentionPolicy``: sets a retention, and puts the previous one back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from ecoguard.adapters.logs import LogsAdapter
from ecoguard.adapters.tagging import TaggingAdapter
from ecoguard.audit import AuditRecord
from ecoguard.decisions import Outcome, Plan, PlannedAction, Unreadable
from ecoguard.errors import Throttled
from ecoguard.guardrails.log_retention import (
    ACTION,
    GUARDRAIL,
    LogGroup,
    ObservedGroup,
    in_scope,
    is_candidate,
    plan_retention,
)
from ecoguard.paging import Page
from ecoguard.reading import GONE, read
from ecoguard.runner import GuardrailRunner
from ecoguard.summary import RunSummary, Trigger
from ecoguard.sweep import SweepResult
from ecoguard.units import NOTHING_RESTARTS, ActionUnit, Clients, Registry
from ecoguard.wiring import Wiring

logger = Logger(child=True)

RETENTION = "retentionInDays"


class LogGroups(Protocol):
    def page(self, token: str | None) -> Page[LogGroup]: ...

    def find(self, name: str) -> LogGroup | None: ...

    def tags(self, group: LogGroup) -> dict[str, str]: ...

    def listed_tags(self, attribution: Sequence[str]) -> dict[str, dict[str, str]]: ...

    def set_retention(self, name: str, days: int | None) -> None: ...

    def sdk_gaps(self) -> Mapping[str, tuple[str, ...]]: ...


# The part of the guardrail every decision needs, and the one a CreateLogGroup event's decision needs
# (``sdk_support.NEEDS["log-retention"]``).
ACCOUNT_POLICY = "account-policy"
EVENT_TAGS = "event-tags"


class PutRetentionPolicy(ActionUnit[LogGroups]):
    """Give a log group a retention; undone by putting the previous one back (or none: DeleteRetentionPolicy)."""

    name = ACTION
    permissions = frozenset({"logs:PutRetentionPolicy"})
    restore_permissions = frozenset(
        {"logs:DescribeLogGroups", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:ListTagsForResource"}
    )
    # "CloudWatch Logs ... deletes log events older than the retention setting" (CloudWatch Logs API reference,
    # PutRetentionPolicy): deletion, not hiding.
    irreversible = (
        "log events older than the new retention are deleted by CloudWatch Logs for good; a restore puts the "
        "previous retention back, not the deleted events"
    )
    interrupts = NOTHING_RESTARTS  # older events expire; writing and reading the group go on

    def apply(self, action: PlannedAction) -> None:
        self.ports.set_retention(action.resource.name, action.after[RETENTION])

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        group = self.ports.find(record.resource.name)
        return None if group is None else {RETENTION: group.retention_days}

    def undo(self, record: AuditRecord) -> None:
        self.ports.set_retention(record.resource.name, record.before.get(RETENTION))


def connect(clients: Clients) -> LogGroups:
    return LogsAdapter(clients("logs"))


REGISTRY = Registry(GUARDRAIL, "LogRetentionFunction", (PutRetentionPolicy,), connect)


class LogRetentionRunner(GuardrailRunner):
    guardrail = GUARDRAIL
    finals_behind = True  # its plans settle no state
    pages_ahead = True  # a retention is not in what DescribeLogGroups pages by (the group's name)

    def __init__(self, wiring: Wiring, logs: LogGroups) -> None:
        super().__init__(wiring, REGISTRY.bind(logs))
        self._logs = logs
        self._gaps: Mapping[str, tuple[str, ...]] | None = None

    def readable(self, *parts: str) -> bool:
        """Whether this runtime's SDK reads what every decision needs (``retentionPolicyName``) and ``parts``;
        asked, and said when it does not, once per run."""
        if self._gaps is None:
            self._gaps = dict(self._logs.sdk_gaps())
        return not {ACCOUNT_POLICY, *parts} & set(self._gaps)

    @classmethod
    def build(cls, wiring: Wiring) -> LogRetentionRunner:
        clients = wiring.clients
        return cls(wiring, LogsAdapter(clients("logs"), TaggingAdapter(clients("resourcegroupstaggingapi"))))

    def plan(self, observed: ObservedGroup) -> Plan:
        return plan_retention(observed, self._policy.log_retention, self._clock())

    def on_created(self, name: str | None, trigger: Trigger) -> RunSummary:
        """Handle a CreateLogGroup event: decide for that one group at once, its tags read directly."""
        executor = self._executor(trigger)
        if name is None or not in_scope(name, self._policy.log_retention) or not self.readable(EVENT_TAGS):
            return executor.summary
        group = self._logs.find(name)
        if group is None:
            logger.info("log group no longer exists", extra={"log_group": name})
            return executor.summary
        if not is_candidate(group, self._policy.log_retention):
            executor.run(self.plan(ObservedGroup(group)))
            return executor.summary
        tags = read(GUARDRAIL, group.resource, lambda: self._logs.tags(group))
        if tags is GONE:
            return executor.summary
        plan = Plan(unreadable=tags) if isinstance(tags, Unreadable) else self.plan(ObservedGroup(group, tags))
        if executor.run(plan) is Outcome.DEFERRED:
            # Let Lambda's retry (and then the dead-letter queue) take it; the daily sweep also catches up.
            raise Throttled("PutRetentionPolicy", "Throttling", f"deferred {name}")
        return executor.summary

    def sweep(self, trigger: Trigger) -> SweepResult:
        """Sweep every log group, resuming from this run's checkpoint if there is one.

        Tags come from one tagging-API listing per governing key and per attribution key (the policy's
        ``report.attribution_tags``: a group tagged only ``team`` gets its attribution, and is decided as one
        without a governing tag), not one read per group, made once per invocation, on the first candidate.
        If that listing fails (other than throttling, which pauses the sweep), the invocation fails: no group
        can be decided safely without knowing which are exempt. On a runtime whose SDK cannot read
        ``retentionPolicyName`` the sweep lists nothing (``readable``)."""
        attribution = tuple(self._policy.report.attribution_tags)
        listed = cache(lambda: self._logs.listed_tags(attribution))
        policy = self._policy.log_retention

        def observed(token: str | None) -> Page[ObservedGroup]:
            if not self.readable():
                return Page([], None)
            page = self._logs.page(token)
            return Page(
                [ObservedGroup(g, listed().get(g.arn, {}) if is_candidate(g, policy) else None) for g in page.items],
                page.next_token,
            )

        return self.run_sweep(trigger, observed, self.plan)
