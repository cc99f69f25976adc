"""Plans with state (a grace mark, a cooldown, a sighting) carried out in batches like any other: every record
of a batch stored before its changes, each claim before the batch's records (a plan whose claim finds its state
changed left to the next run), each settle after its own plan's outcome, two plans on one key never in one
batch; side by side, the same records, order and state as one at a time; a plan deferred at a pause counted
once, where the sweep resumes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from ecoguard.deadline import DEADLINE_MARGIN_MS
from ecoguard.decisions import Mode, Outcome, Plan, PlannedAction, Put, Resource, StateChange
from ecoguard.executor import Executor
from ecoguard.paging import Page
from ecoguard.summary import RunSummary, Trigger
from ecoguard.sweep import Sweep
from ecoguard.units import FULLY_REVERSIBLE, ActionUnit
from tests.unit.fakes import MemoryAuditTrail, MemoryStateStore, clock
from tests.unit.test_executor_batches import BATCHES_OF_250

TRIGGER = Trigger("run-1", "scheduled sweep")
GUARDRAIL = "idle-endpoint"
NAMES = [f"ep{n:04d}" for n in range(250)]
MARK = Put({"since": "2026-12-07T00:00:00+00:00"}, timedelta(days=1))


def resource(name: str) -> Resource:
    return Resource(f"arn:aws:sagemaker:us-east-1:1:endpoint/{name}", name, "AWS::SageMaker::Endpoint")


class Marker(ActionUnit[None]):
    name = "mark"
    permissions = frozenset({"sagemaker:AddTags"})
    restore_permissions = frozenset({"sagemaker:DeleteTags"})
    irreversible = FULLY_REVERSIBLE

    def __init__(self, audit: MemoryAuditTrail, in_flight: Callable[[], None] = lambda: None) -> None:
        super().__init__(None)
        self.audit = audit
        self.in_flight = in_flight
        self.applied: list[str] = []
        self._lock = threading.Lock()

    def apply(self, action: PlannedAction) -> None:
        stored = self.audit.items.get((action.resource.arn, f"{TRIGGER.id}#mark"))
        assert stored is not None and stored.outcome is Outcome.PENDING, "its record is stored before the change"
        self.in_flight()
        with self._lock:
            self.applied.append(action.resource.name)


class SettledAfterOutcome(MemoryStateStore):
    """A state store that checks each write comes after its own plan's final record."""

    def __init__(self, audit: MemoryAuditTrail) -> None:
        super().__init__(GUARDRAIL, Mode.ENFORCE)
        self.audit = audit
        self.order: list[str] = []
        self._lock = threading.Lock()

    def put(self, key: str, value: dict[str, object], *, expected_version: int, expires_at: int) -> int:  # type: ignore[override]
        record = self.audit.items.get((resource(key).arn, f"{TRIGGER.id}#mark"))
        assert record is not None and record.outcome is Outcome.APPLIED, f"{key} settled before its outcome"
        with self._lock:
            self.order.append(key)
            return super().put(key, value, expected_version=expected_version, expires_at=expires_at)


def marking(name: str, state: MemoryStateStore, claim: bool = False) -> Plan:
    action = PlannedAction(GUARDRAIL, resource(name), "mark", {}, {"since": "now"}, "idle")
    version = state.get(name).version
    if claim:
        return Plan((action,), StateChange(name, version, claim=MARK, settle={Outcome.APPLIED: MARK}))
    return Plan((action,), StateChange(name, version, settle={Outcome.APPLIED: MARK}))


def executor(audit: MemoryAuditTrail, marker: Marker, state: MemoryStateStore, workers: int = 1) -> Executor:
    return Executor(
        audit=audit,
        mode=Mode.ENFORCE,
        trigger=TRIGGER,
        clock=clock,
        ttl_days=1,
        units={"mark": marker},
        summary=RunSummary(GUARDRAIL, Mode.ENFORCE),
        state=state,
        write_workers=workers,
    )


def listing(names: list[str]) -> Callable[[str | None], Page[str]]:
    def page(token: str | None) -> Page[str]:
        start = int(token or 0)
        return Page(names[start : start + 200], str(start + 200) if start + 200 < len(names) else None)

    return page


def sweep(
    audit: MemoryAuditTrail,
    marker: Marker,
    state: MemoryStateStore,
    *,
    names: list[str] = NAMES,
    workers: int = 1,
    claim: bool = False,
    remaining_ms: Callable[[], int] = lambda: 600_000,
) -> tuple[bool, RunSummary]:
    result = Sweep[str](GUARDRAIL, audit, clock, remaining_ms).run(
        TRIGGER,
        executor(audit, marker, state, workers),
        listing(names),
        lambda name, ex: ex.run(marking(name, state, claim)),
    )
    return result.finished, result.summary


def test_given_plans_that_settle_state_then_they_are_batched_and_each_key_settled_after_its_own_outcome() -> None:
    audit = MemoryAuditTrail()
    state = SettledAfterOutcome(audit)
    marker = Marker(audit)

    finished, summary = sweep(audit, marker, state)

    assert finished and summary.count(Outcome.APPLIED) == 250 and marker.applied == NAMES
    assert audit.batches == BATCHES_OF_250, "as plans without state"
    assert state.order == NAMES and all(state.get(name).version == 1 for name in NAMES)


class ClaimedBeforeRecords(MemoryStateStore):
    """A state store that checks each key's claim is written before its plan's records, and its settle after
    its plan's final record."""

    def __init__(self, audit: MemoryAuditTrail) -> None:
        super().__init__(GUARDRAIL, Mode.ENFORCE)
        self.audit = audit

    def put(self, key: str, value: dict[str, object], *, expected_version: int, expires_at: int) -> int:  # type: ignore[override]
        record = self.audit.items.get((resource(key).arn, f"{TRIGGER.id}#mark"))
        if self.get(key).version == 0:
            assert record is None, f"{key}'s claim written after its record"
        else:
            assert record is not None and record.outcome is Outcome.APPLIED, f"{key} settled before its outcome"
        return super().put(key, value, expected_version=expected_version, expires_at=expires_at)


def test_given_plans_that_claim_state_then_each_claim_is_written_before_the_batchs_records() -> None:
    audit = MemoryAuditTrail()
    state = ClaimedBeforeRecords(audit)

    finished, summary = sweep(audit, Marker(audit), state, names=NAMES[:5], claim=True)

    assert finished and summary.count(Outcome.APPLIED) == 5
    assert audit.batches == [("begin", 5), ("finish", 5)], "one batch, not five"
    assert all(state.get(name).version == 2 for name in NAMES[:5]), "claimed, then settled"


@pytest.mark.parametrize("workers", [1, 8])
def test_given_a_claim_that_finds_its_state_changed_then_that_plan_alone_is_left_to_the_next_run(workers: int) -> None:
    audit = MemoryAuditTrail()
    state = MemoryStateStore(GUARDRAIL, Mode.ENFORCE)
    marker = Marker(audit)
    run = executor(audit, marker, state, workers)

    with run.batching():
        for name in NAMES[:5]:
            run.run(marking(name, state, claim=True))
        # Another invocation changes ep0002's state after this one read it, before the batch is carried out.
        state.put("ep0002", {"since": "elsewhere"}, expected_version=0, expires_at=0)

    assert marker.applied == [n for n in NAMES[:5] if n != "ep0002"]
    assert not [r for r in audit.items.values() if r.resource.name == "ep0002"], "nothing of it recorded"
    assert state.get("ep0002").value == {"since": "elsewhere"}, "the other invocation's state stands"
    assert run.summary.evaluated == 4 and run.summary.count(Outcome.APPLIED) == 4


def test_given_two_plans_on_one_key_then_the_second_is_decided_on_the_first_ones_settled_state() -> None:
    audit = MemoryAuditTrail()
    state = MemoryStateStore(GUARDRAIL, Mode.ENFORCE)
    marker = Marker(audit)
    run = executor(audit, marker, state)
    versions: list[int] = []

    with run.batching():
        run.run(marking("ep0001", state))
        run.run(marking("ep0002", state))
        # ep0001 again (an endpoint listed twice): the queue is carried out before it is decided.
        versions.append(state.get("ep0001").version)
        plan = Plan(
            (PlannedAction(GUARDRAIL, resource("ep0001"), "mark", {}, {}, "again"),),
            StateChange("ep0001", 0, settle={Outcome.APPLIED: MARK}),
        )
        run.run(plan)
        versions.append(state.get("ep0001").version)

    assert versions == [0, 1], "the first settle is made before the second plan on its key is queued"
    assert audit.batches[:2] == [("begin", 2), ("finish", 2)]


def test_given_side_by_side_then_the_records_their_order_and_the_state_are_those_of_one_at_a_time() -> None:
    seen: list[tuple[object, ...]] = []
    peak = {"n": 0}
    running = {"n": 0}
    lock = threading.Lock()

    def in_flight() -> None:
        with lock:
            running["n"] += 1
            peak["n"] = max(peak["n"], running["n"])
        time.sleep(0.002)
        with lock:
            running["n"] -= 1

    for workers in (1, 8):
        audit = MemoryAuditTrail()
        state = SettledAfterOutcome(audit)
        marker = Marker(audit, in_flight)
        finished, summary = sweep(audit, marker, state, workers=workers)
        assert finished
        seen.append(
            (
                [(kind, record.resource.name, record.outcome) for kind, record in audit.journal],
                audit.batches,
                sorted(marker.applied),
                {key: item.version for key, item in state.items.items()},
                summary.count(Outcome.APPLIED),
            )
        )
    assert seen[0] == seen[1]
    assert peak["n"] > 1, "with eight workers the changes were seen in flight at once"


@pytest.mark.parametrize("workers", [1, 8])
def test_given_a_pause_mid_batch_then_each_plan_is_counted_once_across_invocations(workers: int) -> None:
    audit = MemoryAuditTrail()
    state = MemoryStateStore(GUARDRAIL, Mode.ENFORCE)
    marker = Marker(audit)
    reads = {"n": 0}

    def remaining_ms() -> int:
        reads["n"] += 1
        return DEADLINE_MARGIN_MS - 1 if reads["n"] % 170 == 0 else 600_000

    evaluated = 0
    invocations = 0
    finished = False
    while not finished:
        finished, summary = sweep(audit, marker, state, workers=workers, remaining_ms=remaining_ms)
        evaluated += summary.evaluated
        invocations += 1
        assert invocations < 20
    assert invocations > 1, "paused at least once"
    assert evaluated == len(NAMES), "a plan deferred at a pause is counted where the sweep resumes, not twice"
    assert sorted(marker.applied) == NAMES, "each marked once"
    assert all(state.get(name).version == 1 for name in NAMES), "each key settled once"
