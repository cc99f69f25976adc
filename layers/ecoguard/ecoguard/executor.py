"""Turn plans into audited outcomes. The only place that knows the mode.

``run`` takes one resource's ``Plan``: it counts it (evaluated, compliant), confirms a destructive action
on fresh state (``ecoguard.confirm``, the same in every mode), writes its state claim, carries out its
decisions, then settles its state change from the outcome. For every decision, in this order:

1. write the audit record (``pending`` in enforce, ``would-apply`` in dry-run, ``skipped``);
   if that write fails, do nothing else;
2. in enforce mode only, make the change through the action's registered unit (``ecoguard.actions``);
3. write the final outcome (``applied`` or ``failed``) over the pending record.

In a sweep (``batching``), plans are queued, and carried out together (``flush``): every record of the
batch is written first (``AuditLog.begin_many``: one transaction of up to 100 conditional puts), then the
changes are made, then their outcomes written together (``finish_many``). No change is made before its
own record is stored; an invocation that stops mid-batch leaves at most that batch's records pending, which
the sweep resuming at the batch takes over, or the next run settles (``ecoguard.settle``). A destructive
action confirmed on a read more than ``confirm.FRESH_FOR`` old by the time it would be made is confirmed
again first. Outside a sweep each plan is a batch of one.

A duplicate (same trigger, resource and action already recorded) does nothing. A plan whose resource
could not be read records its advice, then the failure; nothing is acted on. ``routed`` records each
decision under a trigger chosen by its kind (the training guard keys advice per job, skips per day).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from ecoguard import confirm, settle
from ecoguard.audit import AuditLog, AuditRecord, AuditUnavailable, Begun
from ecoguard.confirm import FRESH_FOR, Confirmation, confirmed, still_fresh
from ecoguard.decisions import (
    OUT_OF_SCOPE,
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
from ecoguard.summary import Entry, RunSummary, Trigger
from ecoguard.units import ActionUnit, Phase, acting

logger = Logger(child=True)

# A sweep's batch is carried out once its records would fill a transaction (``audit_batch.MAX_ITEMS``).
BATCH_RECORDS = 100


@dataclass
class _Step:
    """One decision of a queued plan, its record, and the executor (trigger) it is recorded under."""

    decision: Decision
    record: AuditRecord


@dataclass
class _Queued[S]:
    number: int  # plans are numbered in the order they are queued
    plan: Plan
    steps: list[_Step]
    change: StateChange | None = None
    failure: AuditRecord | None = None  # the plan's resource could not be read
    confirmation: Confirmation[S] | None = None
    read_at: float | None = None  # when its confirming read was made (``monotonic``)


@dataclass
class _Batch:
    open: bool = False
    queued: list[_Queued[Any]] = field(default_factory=list)
    planned: int = 0
    deferred: int | None = None  # the number of the first plan deferred since the batching began

    @property
    def records(self) -> int:
        return sum(len(q.steps) + (q.failure is not None) for q in self.queued)


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
        monotonic: Callable[[], float] | None = None,
        batch: _Batch | None = None,
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
        self._monotonic = monotonic or confirm.read_clock
        self._batch = batch if batch is not None else _Batch()
        self.summary = summary

    def routed(self, route: Callable[[Decision], Trigger | None]) -> Executor:
        """The same executor (outcomes counted in the same summary, plans queued in the same batch),
        recording each decision of a plan it runs under ``route(decision)`` when that is a trigger, under its
        own otherwise: the training guard records its advice once per job (``config``) and its skips once
        per day (``skip-<day>``)."""
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
            monotonic=self._monotonic,
            batch=self._batch,
        )

    @contextmanager
    def batching(self) -> Iterator[Executor]:
        """While open, ``run`` queues each plan (and returns None); ``flush`` carries out the queue. The
        caller flushes before it closes (what is still queued when it closes is carried out then)."""
        self._batch.open = True
        self._batch.deferred = None
        try:
            yield self
        finally:
            self._batch.open = False
        self.flush()

    @property
    def planned(self) -> int:
        """How many plans have been queued: the number the next one gets."""
        return self._batch.planned

    def first_deferred(self) -> int | None:
        """The number of the first plan deferred since ``batching`` began (None: none)."""
        return self._batch.deferred

    @property
    def due(self) -> bool:
        """Whether the queue should be carried out now: its records would fill a transaction, or a
        destructive action's confirming read is half of ``FRESH_FOR`` old."""
        batch = self._batch
        if batch.records >= BATCH_RECORDS:
            return True
        oldest = min((q.read_at for q in batch.queued if q.read_at is not None), default=None)
        return oldest is not None and self._monotonic() - oldest > FRESH_FOR.total_seconds() / 2

    def run[S](self, plan: Plan, confirmation: Confirmation[S] | None = None) -> Outcome | None:
        """Carry out one resource's plan; the outcome of its last decision (None without one). While
        ``batching``, the plan is queued instead, and None returned."""
        queued = self._prepare(plan, confirmation)
        self._batch.planned += 1
        self._batch.queued.append(queued)
        if self._batch.open and queued.change is None:
            return None
        # A plan that claims or settles state is carried out at once: its state write follows its outcome.
        return self.flush()[-1]

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

    def execute(self, decision: Decision) -> Outcome:
        """Carry out one decision now, as a batch of its own (not counted as a plan evaluated)."""
        outcome = self._alone(_Queued(self._batch.planned, Plan((decision,)), [self._step(decision)]))
        assert outcome is not None
        return outcome

    def fail(self, guardrail: str, resource: Resource, error: str) -> Outcome:
        """Record a resource that could not be evaluated (for example, its tags were unreadable)."""
        outcome = self._alone(
            _Queued(self._batch.planned, OUT_OF_SCOPE, [], failure=self._failure(guardrail, resource, error))
        )
        assert outcome is not None
        return outcome

    def _alone(self, queued: _Queued[Any]) -> Outcome | None:
        waiting, self._batch.queued = self._batch.queued, [queued]
        try:
            return self.flush()[0]
        finally:
            self._batch.queued = waiting

    def _prepare[S](self, plan: Plan, confirmation: Confirmation[S] | None) -> _Queued[S]:
        """Count the plan, confirm it on fresh state where it asks to be, claim its state, and build the
        records of its decisions."""
        self.summary.evaluated += 1
        read_at: float | None = None
        if confirmation is not None and self._confirm_first(plan):
            fresh = confirmation.read_at is not None and still_fresh(confirmation.read_at, self._monotonic)
            plan = confirmed(plan, confirmation, self._monotonic)
            # The read the plan rests on: the snapshot's while it is fresh, else the one just made.
            read_at = confirmation.read_at if fresh else self._monotonic()
        if plan.unreadable is not None:
            # Advice is recorded all the same: only acting needs the state that could not be read.
            findings = [self._step(d) for d in plan.decisions if isinstance(d, Finding)]
            failure = plan.unreadable
            return _Queued(
                self._batch.planned,
                plan,
                findings,
                failure=self._failure(failure.guardrail, failure.resource, failure.error),
            )
        if plan.compliant:
            self.summary.compliant += 1
        change = plan.state_change
        if change is not None and change.claim is not None:
            change = self._claim(change)
        steps = [self._step(d) for d in plan.decisions]
        acts = any(isinstance(step.decision, PlannedAction) for step in steps) and self._mode is Mode.ENFORCE
        if not acts or not self._confirm_first(plan):
            confirmation, read_at = None, None
        return _Queued(self._batch.planned, plan, steps, change, confirmation=confirmation, read_at=read_at)

    def flush(self, stop: Callable[[], bool] | None = None) -> list[Outcome | None]:
        """Carry out the queued plans; the outcome of each, in order (``DEFERRED`` from the first one a
        throttled change, or ``stop()`` before a change, held back: it and every plan after it are left
        to the sweep's next invocation, their pending records to be taken over)."""
        queued, self._batch.queued = self._batch.queued, []
        if not queued:
            return []
        records = [step.record for q in queued for step in q.steps]
        began = iter(self._audit.begin_many(records) if records else [])
        finals: list[AuditRecord] = []
        outcomes: list[Outcome | None] = []
        deferred = False
        for q in queued:
            outcome: Outcome | None = None
            for step in q.steps:
                result = next(began)
                if not deferred:
                    outcome = self._carry_out(q, step, result, finals, stop)
                    deferred = outcome is Outcome.DEFERRED
            if deferred:
                if self._batch.deferred is None:
                    self._batch.deferred = q.number
                outcomes.append(Outcome.DEFERRED)
                continue
            if q.failure is not None:
                finals.append(q.failure)
                outcome = self._note(q.failure)
            outcomes.append(outcome)
        self._finish(finals)
        for q, outcome in zip(queued, outcomes, strict=True):
            if q.change is not None and outcome is not Outcome.DEFERRED:
                self._settle(q.change, outcome)
        return outcomes

    def _carry_out[S](
        self,
        q: _Queued[S],
        step: _Step,
        began: Begun | AuditUnavailable,
        finals: list[AuditRecord],
        stop: Callable[[], bool] | None,
    ) -> Outcome:
        record = step.record
        if isinstance(began, AuditUnavailable):
            logger.error("audit write failed; not acting", extra={"resource": record.pk, "error": str(began)})
            return self._note(record.with_outcome(Outcome.FAILED, f"audit unavailable, not acted: {began}"))
        if began is Begun.DUPLICATE:
            return self._note(record.with_outcome(Outcome.DUPLICATE))
        if record.outcome is not Outcome.PENDING:
            return self._note(record)
        decision = step.decision
        assert isinstance(decision, PlannedAction)
        if stop is not None and stop():
            return self._note(record.with_outcome(Outcome.DEFERRED))
        try:
            stale = self._stale(q)
        except Throttled:
            return self._note(record.with_outcome(Outcome.DEFERRED))
        final = record.with_outcome(Outcome.FAILED, stale) if stale is not None else self._apply(decision, record)
        if final is None:
            # The pending record is taken over when the sweep resumes at this resource.
            return self._note(record.with_outcome(Outcome.DEFERRED))
        finals.append(final)
        return self._note(final)

    def _stale[S](self, q: _Queued[S]) -> str | None:
        """Why a destructive action must not be made now: its confirming read is over ``FRESH_FOR`` old,
        and reading again finds the plan changed (None: it may be made)."""
        if q.confirmation is None or q.read_at is None or still_fresh(q.read_at, self._monotonic):
            return None
        again = confirmed(q.plan, replace(q.confirmation, read_at=None), self._monotonic)
        q.read_at = self._monotonic()
        if again.actions == q.plan.actions and again.unreadable is None:
            return None
        return "the resource changed between the read and the change; not changed now (the next run decides again)"

    def _apply(self, decision: PlannedAction, record: AuditRecord) -> AuditRecord | None:
        """Make the change; its final record (None: throttled, deferred)."""
        try:
            with acting(decision.action, Phase.APPLY):
                self._units[decision.action].apply(decision)
        except Throttled:
            return None
        except Exception as exc:  # noqa: BLE001 - any failure is recorded, and the sweep goes on
            # An unrepeatable change may have been made all the same: read again (ecoguard.settle).
            return settle.after_error(self._units[decision.action], record, exc)
        return record.with_outcome(Outcome.APPLIED)

    def settle_pending(self, older_than: timedelta) -> int:
        """Settle this guardrail's records left pending over ``older_than`` ago (by invocations that must have
        ended), by reading each resource again (``ecoguard.settle``); how many were settled. Enforce only:
        a dry run leaves nothing pending."""
        if self._mode is not Mode.ENFORCE:
            return 0
        try:
            stale = list(self._audit.pending(self.summary.guardrail, self._clock() - older_than))
        except AuditUnavailable as exc:
            logger.error("could not look for pending records", extra={"error": str(exc)})
            return 0
        finals = [f for r in stale if (f := settle.pending(self._units.get(r.action), r)) is not None]
        self._finish(finals)
        for final in finals:
            logger.info("settled a pending record", extra={"resource": final.pk, "outcome": final.outcome.value})
        return len(finals)

    def _finish(self, finals: list[AuditRecord]) -> None:
        if not finals:
            return
        for record, error in zip(finals, self._audit.finish_many(finals), strict=True):
            if error is not None:
                # A pending record already holds the state before the change; the next run settles it.
                logger.error("could not record the outcome", extra={"resource": record.pk, "error": str(error)})

    def _step(self, decision: Decision) -> _Step:
        return _Step(decision, self._executing(decision)._record_of(decision))

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

    def _record_of(self, decision: Decision) -> AuditRecord:
        if isinstance(decision, Finding):
            return self._record(
                decision,
                action=f"finding:{decision.kind}",
                outcome=Outcome.FINDING,
                reason=decision.reason,
                before=decision.evidence,
                after={},
            )
        if isinstance(decision, Skip):
            return self._record(
                decision,
                action="skip",
                outcome=Outcome.SKIPPED,
                reason=decision.reason,
                before=decision.before,
                after={},
            )
        initial = Outcome.PENDING if self._mode is Mode.ENFORCE else Outcome.WOULD_APPLY
        return self._record(
            decision,
            action=decision.action,
            outcome=initial,
            reason=self._said(decision),
            before=decision.before,
            after=decision.after,
        )

    def _failure(self, guardrail: str, resource: Resource, error: str) -> AuditRecord:
        """The record of a resource that could not be evaluated (for example, its tags were unreadable)."""
        return AuditRecord(
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
                record.action,
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
