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

A plan that settles state waits in the batch too, its settle written after its own outcome (two plans on one
state key never share a batch); so does one that claims state, its claim written when the batch is carried
out, before the batch's records: a plan whose claim finds its state changed by another invocation is left
out, for the next run. With ``write_workers`` (a runner whose changes to different resources are independent),
a batch's claims, changes and settles are each made side by side. A plan deferred at a pause is uncounted: it
is decided, and counted, again where the sweep resumes.

Its parts: the queue (``ecoguard.batch``), the records (``ecoguard.records``), the state claims
(``ecoguard.claims``), the run's outcomes (``ecoguard.summary``) and settling what is left pending
(``ecoguard.settle``). A duplicate (same trigger, resource and action already recorded) does nothing. A
plan whose resource could not be read records its advice, then the failure; nothing is acted on. ``routed``
records each decision under a trigger chosen by its kind (the training guard keys advice per job, skips per
day).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from ecoguard import confirm, last_look, overlap, settle
from ecoguard.audit import AuditLog, AuditRecord, AuditUnavailable, Began, Begun
from ecoguard.batch import Batch, Queued, Step
from ecoguard.claims import Claims
from ecoguard.confirm import Confirmation, last_looked, reconfirmed, still_fresh
from ecoguard.decisions import (
    OUT_OF_SCOPE,
    Decision,
    Finding,
    Mode,
    Outcome,
    Plan,
    PlannedAction,
    Resource,
    StateChange,
)
from ecoguard.errors import Throttled
from ecoguard.records import Recorder, finish
from ecoguard.state import StateConflict, StateStore
from ecoguard.summary import RunSummary, Trigger
from ecoguard.units import ActionUnit, Phase, acting, confirms_first

logger = Logger(child=True)

# What carrying out one step came to: its record, and whether it is a final record to write.
type Carried = tuple[AuditRecord, bool]


class _FirstDeferred:
    """The number of the first plan deferred among those carried out side by side (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._number: int | None = None

    def note(self, number: int) -> None:
        with self._lock:
            self._number = number if self._number is None else min(self._number, number)

    def before(self, number: int) -> bool:
        with self._lock:
            return self._number is not None and self._number < number


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
        batch: Batch | None = None,
        write_workers: int = 1,
    ) -> None:
        self._audit = audit
        self._mode = mode
        self._trigger = trigger
        self._clock = clock
        self._units = units
        self._route = route
        self._monotonic = monotonic or confirm.read_clock
        self._batch = batch if batch is not None else Batch()
        # Plans carried out side by side in a flush: only for a runner whose changes to different resources
        # are independent of each other (``_side_by_side``).
        self._write_workers = write_workers
        self._records = Recorder(mode, clock, ttl_days, units, attribution_tags)
        self._claims = Claims(state, clock)
        self.summary = summary

    def routed(self, route: Callable[[Decision], Trigger | None]) -> Executor:
        """The same executor (outcomes counted in the same summary, plans queued in the same batch),
        recording each decision of a plan it runs under ``route(decision)`` when that is a trigger, under its
        own otherwise: the training guard records its advice once per job (``config``) and its skips once
        per day (``skip-<day>``)."""
        twin = copy.copy(self)  # shares the summary, the batch, the recorder and the claims
        twin._route = route
        return twin

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
    def changes_queued(self) -> int:
        """How many changes the queue holds (each checked with ``flush``'s ``stop`` before it is made)."""
        return self._batch.changes

    @property
    def due(self) -> bool:
        """Whether the queue should be carried out now (``Batch.due``)."""
        return self._batch.due(self._monotonic)

    def run[S](self, plan: Plan, confirmation: Confirmation[S] | None = None) -> Outcome | None:
        """Carry out one resource's plan; the outcome of its last decision (None without one). While
        ``batching``, the plan is queued instead, and None returned."""
        if self._batch.open and self._shares_a_key(plan.state_change):
            self.flush()  # two plans on one state key: the second is decided on the first one's settled state
        queued = self._prepare(plan, confirmation)
        self._batch.planned += 1
        self._batch.queued.append(queued)
        if self._batch.open:
            return None
        return self.flush()[-1]

    def _shares_a_key(self, change: StateChange | None) -> bool:
        return change is not None and any(
            q.change is not None and q.change.key == change.key for q in self._batch.queued
        )

    def run_claimed(self, decide: Callable[[], Plan], attempts: int) -> Outcome | None:
        """Decide, and claim the plan's state; should another invocation change that state since it was
        read (``StateConflict``), read and decide again, up to ``attempts`` times."""
        for _ in range(attempts):
            plan = decide()
            change = plan.state_change
            if change is None or change.claim is None:
                return self.run(plan)
            try:
                claimed = self._claims.claim(change)
            except StateConflict:
                logger.info("state changed under us; deciding again", extra={"key": change.key})
                continue
            return self.run(Plan(plan.decisions, replace(claimed, claim=None), plan.in_scope, plan.unreadable))
        raise StateConflict(f"{self.summary.guardrail}: still contended after {attempts} attempts")

    def execute(self, decision: Decision) -> Outcome:
        """Carry out one decision now, as a batch of its own (not counted as a plan evaluated)."""
        outcome = self._alone(Queued(self._batch.planned, Plan((decision,)), [self._step(decision)]))
        assert outcome is not None
        return outcome

    def fail(self, guardrail: str, resource: Resource, error: str) -> Outcome:
        """Record a resource that could not be evaluated (for example, its tags were unreadable)."""
        outcome = self._alone(
            Queued(
                self._batch.planned,
                OUT_OF_SCOPE,
                [],
                failure=self._records.failure(guardrail, resource, error, self._trigger),
            )
        )
        assert outcome is not None
        return outcome

    def _alone(self, queued: Queued[Any]) -> Outcome | None:
        waiting, self._batch.queued = self._batch.queued, [queued]
        try:
            return self.flush()[0]
        finally:
            self._batch.queued = waiting

    def _prepare[S](self, plan: Plan, confirmation: Confirmation[S] | None) -> Queued[S]:
        """Count the plan, confirm it on fresh state where it asks to be, claim its state, and build the
        records of its decisions."""
        read_at: float | None = None
        if confirmation is not None and self._confirm_first(plan):
            fresh = confirmation.read_at is not None and still_fresh(confirmation.read_at, self._monotonic)
            plan, confirmation = reconfirmed(plan, confirmation, self._monotonic)
            # The read the plan rests on: the snapshot's while it is fresh, else the one just made.
            read_at = confirmation.read_at if fresh else self._monotonic()
            if self._mode is not Mode.ENFORCE:
                # Nothing is changed in a dry run: the last look is made now (in enforce, when it is carried out).
                plan, confirmation = last_looked(plan, confirmation)
        self.summary.evaluated += 1  # after the reads: one throttled is evaluated again where the sweep resumes
        return self._queued(self._batch.planned, plan, confirmation, read_at)

    def _queued[S](
        self, number: int, plan: Plan, confirmation: Confirmation[S] | None, read_at: float | None
    ) -> Queued[S]:
        """Plan ``number`` queued with the records of its decisions (its state claimed)."""
        if plan.unreadable is not None:
            # Advice is recorded all the same: only acting needs the state that could not be read.
            findings = [self._step(d) for d in plan.decisions if isinstance(d, Finding)]
            failure = plan.unreadable
            return Queued(
                number,
                plan,
                findings,
                failure=self._records.failure(failure.guardrail, failure.resource, failure.error, self._trigger),
            )
        if plan.compliant:
            self.summary.compliant += 1
        change = plan.state_change
        claiming = change is not None and change.claim is not None
        if change is not None and claiming and not self._batch.open:
            change, claiming = self._claims.claim(change), False
        steps = [self._step(d) for d in plan.decisions]
        acts = any(isinstance(step.decision, PlannedAction) for step in steps) and self._mode is Mode.ENFORCE
        if not acts or not self._confirm_first(plan):
            confirmation, read_at = None, None
        queued_at = self._monotonic()
        return Queued(
            number,
            plan,
            steps,
            change,
            confirmation=confirmation,
            read_at=read_at,
            claiming=claiming,
            queued_at=queued_at,
        )

    def flush(self, stop: Callable[[], bool] | None = None) -> list[Outcome | None]:
        """Carry out the queued plans; the outcome of each, in order (``DEFERRED`` from the first one a
        throttled change, or ``stop()`` before a change, held back: it and every plan after it are left
        to the sweep's next invocation, their pending records to be taken over).

        With ``write_workers`` above 1, the plans that make a change are carried out side by side once every
        record of the batch is stored (``_side_by_side``); their outcomes are counted and their final records
        written in the queue's order, as one at a time."""
        waiting, self._batch.queued = self._batch.queued, []
        if not waiting:
            return []
        # Each plan's last look, side by side, before any record of the batch is built or stored; then the claims.
        queued = self._claimed(last_look.looked(waiting, self._write_workers, self._queued))
        records = [step.record for q in queued for step in q.steps]
        began = iter(self._audit.begin_many(records) if records else [])
        # Every record of the batch is stored (or known refused) here, before any change is made.
        begun = [[next(began) for _ in q.steps] for q in queued]
        made = self._side_by_side(queued, begun, stop)
        finals: list[AuditRecord] = []
        outcomes: list[Outcome | None] = []
        deferred = False
        for q, results in zip(queued, begun, strict=True):
            outcome: Outcome | None = None
            if q.number in made:
                carried = made[q.number]  # made already: counted even after an earlier plan was deferred
            else:
                carried = None if deferred else self._carried_steps(q, results, stop)
            for record, final in carried or []:
                if final:
                    finals.append(record)
                outcome = self.summary.note(record)
            if carried is None or outcome is Outcome.DEFERRED:
                deferred = True
                self._uncount(q.plan)  # decided again where the sweep resumes, and counted there
                if self._batch.deferred is None:
                    self._batch.deferred = q.number
                outcomes.append(Outcome.DEFERRED)
                continue
            if q.failure is not None:
                finals.append(q.failure)
                outcome = self.summary.note(q.failure)
            outcomes.append(outcome)
        finish(self._audit, finals)
        self._settle([(q.change, outcome) for q, outcome in zip(queued, outcomes, strict=True) if q.change is not None])
        by_number = {q.number: outcome for q, outcome in zip(queued, outcomes, strict=True)}
        return [by_number.get(q.number) for q in waiting]

    def _claimed(self, queued: list[Queued[Any]]) -> list[Queued[Any]]:
        """The queue with each waiting claim written (side by side with ``write_workers``: a batch's keys are
        different), before any record of the batch. A plan whose state another invocation changed since it
        was read is left out, nothing of it recorded or done: the next run decides it again (as
        ``run_claimed`` decides again)."""
        claiming = [q for q in queued if q.claiming]
        if not claiming:
            return queued

        def claim(q: Queued[Any]) -> StateChange | None:
            assert q.change is not None
            try:
                return self._claims.claim(q.change)
            except StateConflict:
                logger.info("state changed under us; the next run decides again", extra={"key": q.change.key})
                return None

        made = overlap.side_by_side(claim, claiming, self._write_workers)
        claimed = {q.number: change for q, change in zip(claiming, made, strict=True)}
        kept: list[Queued[Any]] = []
        for q in queued:
            change = claimed.get(q.number) if q.claiming else q.change
            if q.claiming and change is None:
                self._uncount(q.plan)
                continue
            kept.append(replace(q, change=change, claiming=False) if q.claiming else q)
        return kept

    def _settle(self, changes: list[tuple[StateChange, Outcome | None]]) -> None:
        """Settle each plan's state from its outcome (a deferred plan's is left: it is decided again). The keys
        of a batch are different (``_shares_a_key``), so with ``write_workers`` their writes go side by side."""
        settled = [(change, outcome) for change, outcome in changes if outcome is not Outcome.DEFERRED]

        def settle(item: tuple[StateChange, Outcome | None]) -> None:
            self._claims.settle(*item)

        overlap.side_by_side(settle, settled, self._write_workers)

    def _uncount(self, plan: Plan) -> None:
        self.summary.evaluated -= 1
        if plan.unreadable is None and plan.compliant:
            self.summary.compliant -= 1

    def _side_by_side(
        self, queued: list[Queued[Any]], begun: list[list[Began]], stop: Callable[[], bool] | None
    ) -> dict[int, list[Carried] | None]:
        """The plans that make a change, carried out on ``write_workers`` threads (none with one worker): what
        each step came to, by plan number (None: not started, as an earlier plan was deferred first). A plan
        is started only while no plan before it has been deferred; one started already is carried out."""
        acting = [
            (q, results)
            for q, results in zip(queued, begun, strict=True)
            if any(step.record.outcome is Outcome.PENDING for step in q.steps)
        ]
        if self._write_workers <= 1 or len(acting) <= 1:
            return {}
        first_deferred = _FirstDeferred()

        def carry(item: tuple[Queued[Any], list[Began]]) -> list[Carried] | None:
            q, results = item
            if first_deferred.before(q.number):
                return None
            carried = self._carried_steps(q, results, stop)
            if carried and carried[-1][0].outcome is Outcome.DEFERRED:
                first_deferred.note(q.number)
            return carried

        done = overlap.side_by_side(carry, acting, self._write_workers)
        return {q.number: carried for (q, _), carried in zip(acting, done, strict=True)}

    def _carried_steps(self, q: Queued[Any], results: list[Began], stop: Callable[[], bool] | None) -> list[Carried]:
        """Each step of ``q`` carried out in turn, up to the first deferred."""
        carried: list[Carried] = []
        for step, result in zip(q.steps, results, strict=True):
            carried.append(self._carry_out(q, step, result, stop))
            if carried[-1][0].outcome is Outcome.DEFERRED:
                break
        return carried

    def _carry_out[S](
        self,
        q: Queued[S],
        step: Step,
        began: Begun | AuditUnavailable,
        stop: Callable[[], bool] | None,
    ) -> Carried:
        """What one step comes to (counted by the caller): its record, and whether it is a final one to write.
        Only this plan's own resource is read or changed here, so plans may be carried out side by side."""
        record = step.record
        if isinstance(began, AuditUnavailable):
            logger.error("audit write failed; not acting", extra={"resource": record.pk, "error": str(began)})
            return record.with_outcome(Outcome.FAILED, f"audit unavailable, not acted: {began}"), False
        if began is Begun.DUPLICATE:
            return record.with_outcome(Outcome.DUPLICATE), False
        if record.outcome is not Outcome.PENDING:
            return record, False
        decision = step.decision
        assert isinstance(decision, PlannedAction)
        if stop is not None and stop():
            return record.with_outcome(Outcome.DEFERRED), False
        try:
            stale = q.stale(self._monotonic)
        except Throttled:
            return record.with_outcome(Outcome.DEFERRED), False
        final = record.with_outcome(Outcome.FAILED, stale) if stale is not None else self._apply(decision, record)
        if final is None:
            # The pending record is taken over when the sweep resumes at this resource.
            return record.with_outcome(Outcome.DEFERRED), False
        return final, True

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
        """Settle this guardrail's records left pending over ``older_than`` ago (``settle.settle_pending``)."""
        before = self._clock() - older_than
        return settle.settle_pending(self._audit, self._units, self.summary.guardrail, self._mode, before)

    def _step(self, decision: Decision) -> Step:
        return Step(decision, self._records.of(decision, self._trigger_of(decision)))

    def _trigger_of(self, decision: Decision) -> Trigger:
        routed = self._route(decision) if self._route is not None else None
        return routed or self._trigger

    def _confirm_first(self, plan: Plan) -> bool:
        return confirms_first(self._units, plan)
