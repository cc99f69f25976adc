"""Turn plans into audited outcomes. The only place that knows the mode.

``run`` takes one resource's ``Plan``: it counts it (evaluated, compliant), confirms a destructive action
on fresh state (``ecoguard.confirm``, the same in every mode), writes its state claim, carries out its
decisions, then settles its state change from the outcome. For every decision, in this order:

1. write the audit record (``pending`` in enforce, ``would-apply`` in dry-run, ``skipped``);
   if that write fails, do nothing else;
2. in enforce mode only, make the change through the action's registered unit (``ecoguard.actions``);
3. write the final outcome (``applied`` or ``failed``) over the pending record.

A duplicate (same trigger, resource and action already recorded) does nothing. A plan whose resource
could not be read records its advice, then the failure; nothing is acted on. ``routed`` records each
decision under a trigger chosen by its kind (the training guard keys advice per job, skips per day).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from ecoguard.actions import ActionUnit, Phase, acting
from ecoguard.audit import AuditLog, AuditRecord, AuditUnavailable, describe_error
from ecoguard.confirm import Confirmation, confirmed
from ecoguard.decisions import (
    Decision,
    Finding,
    Mode,
    Outcome,
    Plan,
    PlannedAction,
    Put,
    Remove,
    Resource,
    Skip,
    StateChange,
)
from ecoguard.errors import Throttled
from ecoguard.state import StateConflict, StateStore

logger = Logger(child=True)


@dataclass(frozen=True)
class Trigger:
    """What caused this run: its id keys idempotency; the description goes in the audit."""

    id: str
    description: str


@dataclass(frozen=True)
class Entry:
    resource: str
    outcome: Outcome
    reason: str
    before: Mapping[str, object]
    after: Mapping[str, object]
    error: str | None = None
    impact: Mapping[str, Any] | None = None


@dataclass
class RunSummary:
    guardrail: str
    mode: Mode
    evaluated: int = 0
    compliant: int = 0
    entries: list[Entry] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for entry in self.entries if entry.outcome is outcome)

    def impact_total(self, outcomes: tuple[Outcome, ...], key: str) -> float:
        """The sum of the known ``key`` (kwh, kg_co2e, usd) of the entries with these outcomes."""
        return sum(
            float(entry.impact[key])
            for entry in self.entries
            if entry.outcome in outcomes and entry.impact and entry.impact.get(key) is not None
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "guardrail": self.guardrail,
            "mode": self.mode.value,
            "evaluated": self.evaluated,
            "compliant": self.compliant,
            **{outcome.value: self.count(outcome) for outcome in Outcome if self.count(outcome)},
        }


class Executor:
    def __init__(
        self,
        *,
        audit: AuditLog,
        mode: Mode,
        trigger: Trigger,
        clock: Callable[[], datetime],
        ttl_days: int,
        units: Mapping[str, ActionUnit[Any]],
        summary: RunSummary,
        state: StateStore | None = None,
        route: Callable[[Decision], Trigger | None] | None = None,
        attribution_tags: tuple[str, ...] = (),
    ) -> None:
        self._audit = audit
        self._mode = mode
        self._trigger = trigger
        self._clock = clock
        self._ttl_days = ttl_days
        self._units = units
        self._state = state
        self._route = route
        self._attribution_tags = attribution_tags
        self.summary = summary

    def routed(self, route: Callable[[Decision], Trigger | None]) -> Executor:
        """The same executor (outcomes counted in the same summary), recording each decision of a plan it
        runs under ``route(decision)`` when that is a trigger, under its own otherwise: the training guard
        records its advice once per job (``config``) and its skips once per day (``skip-<day>``)."""
        return self._like(self._trigger, route)

    def _like(self, trigger: Trigger, route: Callable[[Decision], Trigger | None] | None) -> Executor:
        return Executor(
            audit=self._audit,
            mode=self._mode,
            trigger=trigger,
            clock=self._clock,
            ttl_days=self._ttl_days,
            units=self._units,
            summary=self.summary,
            state=self._state,
            route=route,
            attribution_tags=self._attribution_tags,
        )

    def run[S](self, plan: Plan, confirmation: Confirmation[S] | None = None) -> Outcome | None:
        """Carry out one resource's plan; the outcome of its last decision (None without one)."""
        self.summary.evaluated += 1
        if confirmation is not None and self._confirm_first(plan):
            plan = confirmed(plan, confirmation)
        if plan.unreadable is not None:
            # Advice is recorded all the same: only acting needs the state that could not be read.
            for finding in plan.decisions:
                if isinstance(finding, Finding):
                    self._executing(finding).execute(finding)
            failure = plan.unreadable
            return self.fail(failure.guardrail, failure.resource, failure.error)
        if plan.compliant:
            self.summary.compliant += 1
        change = plan.state_change
        if change is not None and change.claim is not None:
            change = self._claim(change)
        outcome: Outcome | None = None
        for decision in plan.decisions:
            outcome = self._executing(decision).execute(decision)
            if outcome is Outcome.DEFERRED:
                return outcome
        if change is not None:
            self._settle(change, outcome)
        return outcome

    def run_claimed(self, decide: Callable[[], Plan], attempts: int) -> Outcome | None:
        """Decide, and claim the plan's state; should another invocation change that state since it was
        read (``StateConflict``), read and decide again, up to ``attempts`` times."""
        for _ in range(attempts):
            plan = decide()
            change = plan.state_change
            if change is None or change.claim is None:
                return self.run(plan)
            try:
                claimed = self._claim(change)
            except StateConflict:
                logger.info("state changed under us; deciding again", extra={"key": change.key})
                continue
            return self.run(Plan(plan.decisions, replace(claimed, claim=None), plan.in_scope, plan.unreadable))
        raise StateConflict(f"{self.summary.guardrail}: still contended after {attempts} attempts")

    def _executing(self, decision: Decision) -> Executor:
        trigger = self._route(decision) if self._route is not None else None
        return self if trigger is None else self._like(trigger, None)

    def _said(self, action: PlannedAction) -> str:
        """The action's reason, saying what cannot be undone, in the record written before the change."""
        unit = self._units.get(action.action)
        caveat = unit.irreversible if unit is not None else None
        return action.reason if caveat is None else f"{action.reason} (not fully reversible: {caveat})"

    def _confirm_first(self, plan: Plan) -> bool:
        return any(self._units[action.action].confirm_first for action in plan.actions)

    def _claim(self, change: StateChange) -> StateChange:
        assert self._state is not None and change.claim is not None
        version = self._state.put(
            change.key, change.claim.value, expected_version=change.version, expires_at=self._expiry(change.claim)
        )
        return replace(change, version=version)

    def _settle(self, change: StateChange, outcome: Outcome | None) -> None:
        write = change.settled(outcome)
        if write is None:
            return
        assert self._state is not None
        try:
            if isinstance(write, Put):
                self._state.put(
                    change.key, write.value, expected_version=change.version, expires_at=self._expiry(write)
                )
            elif isinstance(write, Remove) and change.version:
                self._state.delete(change.key, expected_version=change.version)
        except StateConflict:
            logger.info("state changed concurrently; the next run decides again", extra={"key": change.key})

    def _expiry(self, write: Put) -> int:
        return int((self._clock() + write.ttl).timestamp())

    def execute(self, decision: Decision) -> Outcome:
        if isinstance(decision, Finding):
            record = self._record(
                decision,
                action=f"finding:{decision.kind}",
                outcome=Outcome.FINDING,
                reason=decision.reason,
                before=decision.evidence,
                after={},
            )
        elif isinstance(decision, Skip):
            record = self._record(
                decision,
                action="skip",
                outcome=Outcome.SKIPPED,
                reason=decision.reason,
                before=decision.before,
                after={},
            )
        else:
            initial = Outcome.PENDING if self._mode is Mode.ENFORCE else Outcome.WOULD_APPLY
            record = self._record(
                decision,
                action=decision.action,
                outcome=initial,
                reason=self._said(decision),
                before=decision.before,
                after=decision.after,
            )

        try:
            fresh = self._audit.begin(record)
        except AuditUnavailable as exc:
            logger.error("audit write failed; not acting", extra={"resource": record.pk, "error": str(exc)})
            return self._note(record.with_outcome(Outcome.FAILED, f"audit unavailable, not acted: {exc}"))
        if not fresh:
            return self._note(record.with_outcome(Outcome.DUPLICATE))
        if record.outcome is not Outcome.PENDING:
            return self._note(record)

        assert isinstance(decision, PlannedAction)
        try:
            with acting(decision.action, Phase.APPLY):
                self._units[decision.action].apply(decision)
        except Throttled:
            # The pending record is taken over when the sweep resumes at this resource.
            return self._note(record.with_outcome(Outcome.DEFERRED))
        except Exception as exc:  # noqa: BLE001 - any failure is recorded, and the sweep goes on
            final = record.with_outcome(Outcome.FAILED, describe_error(exc))
        else:
            final = record.with_outcome(Outcome.APPLIED)
        try:
            self._audit.finish(final)
        except AuditUnavailable as exc:
            # The pending record already holds the state before the change.
            logger.error("could not record the final outcome", extra={"resource": record.pk, "error": str(exc)})
        return self._note(final)

    def fail(self, guardrail: str, resource: Resource, error: str) -> Outcome:
        """Record a resource that could not be evaluated (for example, its tags were unreadable)."""
        record = AuditRecord(
            guardrail=guardrail,
            resource=resource,
            action="evaluate",
            trigger_id=self._trigger.id,
            trigger=self._trigger.description,
            outcome=Outcome.FAILED,
            mode=self._mode,
            reason="could not evaluate",
            before={},
            after={},
            recorded_at=self._clock(),
            ttl_days=self._ttl_days,
            error=error,
            attribution=attributed(resource, self._attribution_tags),
        )
        try:
            self._audit.finish(record)
        except AuditUnavailable as exc:
            logger.error("could not record a failure", extra={"resource": record.pk, "error": str(exc)})
        return self._note(record)

    def _record(
        self,
        decision: Decision,
        *,
        action: str,
        outcome: Outcome,
        reason: str,
        before: Mapping[str, object],
        after: Mapping[str, object],
    ) -> AuditRecord:
        return AuditRecord(
            guardrail=decision.guardrail,
            resource=decision.resource,
            action=action,
            trigger_id=self._trigger.id,
            trigger=self._trigger.description,
            outcome=outcome,
            mode=self._mode,
            reason=reason,
            before=before,
            after=after,
            recorded_at=self._clock(),
            ttl_days=self._ttl_days,
            impact=decision.impact,
            attribution=attributed(decision.resource, self._attribution_tags),
        )

    def _note(self, record: AuditRecord) -> Outcome:
        self.summary.entries.append(
            Entry(
                record.resource.name,
                record.outcome,
                record.reason,
                record.before,
                record.after,
                record.error,
                record.impact,
            )
        )
        log = logger.warning if record.outcome is Outcome.FAILED else logger.info
        log(
            "decision",
            extra={
                "guardrail": record.guardrail,
                "resource": record.pk,
                "outcome": record.outcome.value,
                "reason": record.reason,
                "before": dict(record.before),
                "after": dict(record.after),
                "error": record.error,
            },
        )
        return record.outcome


def attributed(resource: Resource, keys: tuple[str, ...]) -> dict[str, str] | None:
    """The cost-allocation tags among the resource's, as ecoguard saw them when it decided (None without any)."""
    found = {key: resource.tags[key] for key in keys if key in resource.tags}
    return found or None
