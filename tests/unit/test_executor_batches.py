"""A sweep's plans carried out in batches: every record of a batch stored before any of its changes, the
outcomes written together after them, duplicates still no-ops, and an interruption leaving at most one
batch pending, at the item the next invocation resumes from."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ecoguard.batch import BATCH_RECORDS
from ecoguard.deadline import DEADLINE_MARGIN_MS
from ecoguard.decisions import Mode, Outcome, Plan, PlannedAction, Resource
from ecoguard.errors import Throttled
from ecoguard.executor import Executor
from ecoguard.paging import Page
from ecoguard.summary import RunSummary, Trigger
from ecoguard.sweep import Sweep
from ecoguard.units import FULLY_REVERSIBLE, ActionUnit
from tests.unit.fakes import MemoryAuditTrail, clock

TRIGGER = Trigger("run-1", "scheduled sweep")
NAMES = [f"g{n:04d}" for n in range(250)]
# 250 plans listed in pages of 200: batches of 100, 100 (page 1), 50 (page 2); one begin and one finish each.
BATCHES_OF_250 = [("begin", 100), ("finish", 100), ("begin", 100), ("finish", 100), ("begin", 50), ("finish", 50)]


class Killed(BaseException):
    """The Lambda runtime ending the invocation mid-batch (nothing after it runs, no checkpoint saved)."""


def resource(name: str) -> Resource:
    return Resource(f"arn:aws:logs:us-east-1:1:log-group:{name}", name, "AWS::Logs::LogGroup")


def plan(name: str) -> Plan:
    return Plan((PlannedAction("log-retention", resource(name), "put", {"days": None}, {"days": 30}, "why"),))


class Applier(ActionUnit[None]):
    name = "put"
    permissions = frozenset({"logs:PutRetentionPolicy"})
    restore_permissions = frozenset({"logs:PutRetentionPolicy"})
    irreversible = FULLY_REVERSIBLE

    def __init__(self, audit: MemoryAuditTrail, fail: Callable[[str], BaseException | None] = lambda _: None) -> None:
        super().__init__(None)
        self.audit = audit
        self.fail = fail
        self.applied: list[str] = []

    def apply(self, action: PlannedAction) -> None:
        # Write-ahead: this resource's pending record is stored before its change is made.
        stored = self.audit.items.get((action.resource.arn, f"{TRIGGER.id}#put"))
        assert stored is not None and stored.outcome is Outcome.PENDING
        error = self.fail(action.resource.name)
        if error is not None:
            raise error
        self.applied.append(action.resource.name)


def listing(token: str | None) -> Page[str]:
    start = int(token or 0)
    return Page(NAMES[start : start + 200], str(start + 200) if start + 200 < len(NAMES) else None)


def sweep(audit: MemoryAuditTrail, applier: Applier, mode: Mode = Mode.ENFORCE) -> tuple[bool, RunSummary]:
    executor = Executor(
        audit=audit,
        mode=mode,
        trigger=TRIGGER,
        clock=clock,
        ttl_days=1,
        units={"put": applier},
        summary=RunSummary("log-retention", mode),
    )
    result = Sweep[str]("log-retention", audit, clock, lambda: 600_000).run(
        TRIGGER, executor, listing, lambda name, ex: ex.run(plan(name))
    )
    return result.finished, result.summary


def test_given_250_actions_then_records_are_written_in_batches_of_100_before_their_changes() -> None:
    audit = MemoryAuditTrail()
    applier = Applier(audit)
    finished, summary = sweep(audit, applier)
    assert finished and summary.count(Outcome.APPLIED) == 250 and applier.applied == NAMES
    assert audit.batches == BATCHES_OF_250
    assert BATCH_RECORDS == 100
    # Every pending record of a batch is stored before the batch's first change (Applier asserts its own).
    kinds = [kind for kind, _ in audit.journal]
    assert kinds[:100] == ["begin"] * 100 and kinds[100:200] == ["finish"] * 100


def test_given_the_same_sweep_delivered_again_then_nothing_is_applied_again() -> None:
    audit = MemoryAuditTrail()
    sweep(audit, Applier(audit))
    audit.checkpoints.clear()  # a second delivery of the same run, from the start
    again = Applier(audit)
    finished, summary = sweep(audit, again)
    assert finished and again.applied == [] and summary.count(Outcome.DUPLICATE) == 250


def test_given_dry_run_then_the_records_are_batched_and_nothing_is_applied() -> None:
    audit = MemoryAuditTrail()
    applier = Applier(audit)
    finished, summary = sweep(audit, applier, Mode.DRY_RUN)
    assert finished and applier.applied == [] and summary.count(Outcome.WOULD_APPLY) == 250
    assert [kind for kind, _ in audit.batches] == ["begin"] * 3  # no outcome to write after a would-apply


def test_given_a_change_throttled_mid_batch_then_the_sweep_resumes_at_it_and_nothing_is_done_twice() -> None:
    audit = MemoryAuditTrail()
    throttled = {"g0130"}

    def once(name: str) -> BaseException | None:
        if name in throttled:
            throttled.discard(name)
            return Throttled("PutRetentionPolicy", "ThrottlingException", "Rate exceeded")
        return None

    first = Applier(audit, once)
    finished, _ = sweep(audit, first)
    assert not finished and first.applied == NAMES[:130]
    assert audit.checkpoints[("log-retention", "run-1")] == {"token": None, "offset": 130, "done": False}
    # The rest of the batch (g0130..g0199) is left pending, taken over on resuming.
    pending = [r.resource.name for r in audit.items.values() if r.outcome is Outcome.PENDING]
    assert pending == NAMES[130:200]
    second = Applier(audit)
    finished, _ = sweep(audit, second)
    assert finished and second.applied == NAMES[130:]
    assert not [r for r in audit.items.values() if r.outcome is not Outcome.APPLIED]


def test_given_the_invocation_killed_mid_batch_then_at_most_that_batch_is_left_pending() -> None:
    audit = MemoryAuditTrail()
    applier = Applier(audit, lambda name: Killed() if name == "g0150" else None)
    with pytest.raises(Killed):
        sweep(audit, applier)
    outcomes = {r.resource.name: r.outcome for r in audit.items.values()}
    assert all(outcomes[name] is Outcome.APPLIED for name in NAMES[:100])  # the first batch settled
    assert [n for n, o in outcomes.items() if o is Outcome.PENDING] == NAMES[100:200]  # one batch, pending
    assert not any(name in outcomes for name in NAMES[200:])  # nothing of a later batch written
    assert applier.applied == NAMES[:150]


def test_given_the_deadline_reached_mid_batch_then_the_changes_stop_and_the_sweep_resumes_there() -> None:
    audit = MemoryAuditTrail()
    applier = Applier(audit)
    calls = {"n": 0}

    def remaining_ms() -> int:
        calls["n"] += 1
        return 600_000 if calls["n"] <= 150 else DEADLINE_MARGIN_MS - 1

    executor = Executor(
        audit=audit,
        mode=Mode.ENFORCE,
        trigger=TRIGGER,
        clock=clock,
        ttl_days=1,
        units={"put": applier},
        summary=RunSummary("log-retention", Mode.ENFORCE),
    )
    result = Sweep[str]("log-retention", audit, clock, remaining_ms).run(
        TRIGGER, executor, listing, lambda name, ex: ex.run(plan(name))
    )
    assert not result.finished
    offset = audit.checkpoints[("log-retention", "run-1")]["offset"]
    # Stopped inside the first batch, during its changes: resumed at the first change not made.
    assert isinstance(offset, int) and 0 < offset < BATCH_RECORDS and applier.applied == NAMES[:offset]
    assert all(r.outcome is Outcome.PENDING for r in audit.items.values() if r.resource.name not in applier.applied)


def test_given_one_plan_outside_a_sweep_then_it_is_a_batch_of_one() -> None:
    audit = MemoryAuditTrail()
    applier = Applier(audit)
    executor = Executor(
        audit=audit,
        mode=Mode.ENFORCE,
        trigger=TRIGGER,
        clock=clock,
        ttl_days=1,
        units={"put": applier},
        summary=RunSummary("log-retention", Mode.ENFORCE),
    )
    assert executor.run(plan("g0001")) is Outcome.APPLIED
    assert audit.batches == [("begin", 1), ("finish", 1)]
