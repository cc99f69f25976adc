"""A sweep's final records written behind it (``ecoguard.finals_behind``): handed to a thread of their own, and
waited for by whatever must follow them: a checkpoint, a begin of the same record, the sweep's end. A final
record that cannot be written is logged and left pending, for the next run to settle."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace

import pytest

from ecoguard import finals_behind, records
from ecoguard.audit import AuditRecord, AuditUnavailable, Begun
from ecoguard.decisions import Outcome
from ecoguard.finals_behind import FinalsBehind
from tests.unit.fakes import MemoryAuditTrail
from tests.unit.test_audit_batch import record

WAIT_S = 5.0  # how long a step that should finish is given (a hang fails the test, it does not stall it)
BLOCKED_S = 0.2  # how long a step that should wait is watched not finishing


class GatedAudit(MemoryAuditTrail):
    """The in-memory audit trail whose final records are written only once ``gate`` is set."""

    def __init__(self, fail: BaseException | None = None) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.fail = fail
        self.writers: set[str] = set()

    def finish_many(self, records: Sequence[AuditRecord]) -> list[AuditUnavailable | None]:
        self.writers.add(threading.current_thread().name)
        assert self.gate.wait(WAIT_S), "the gate was never opened"
        if self.fail is not None:
            raise self.fail
        return super().finish_many(records)


def applied(n: int) -> AuditRecord:
    return record(n).with_outcome(Outcome.APPLIED)


def in_background(step: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=step, daemon=True)
    thread.start()
    return thread


def test_given_final_records_handed_on_then_they_are_written_behind_and_the_checkpoint_waits_for_them() -> None:
    audit = GatedAudit()
    with FinalsBehind(audit) as behind:
        assert behind.finish_many([applied(1), applied(2)]) == [None, None], "returned before they are written"
        saving = in_background(lambda: behind.save_checkpoint("log-retention", "run-1", {"offset": 3}, 0))
        saving.join(BLOCKED_S)
        assert saving.is_alive() and not audit.checkpoints, "the checkpoint waits for the final records"
        audit.gate.set()
        saving.join(WAIT_S)
    assert [(what, r.resource.name, r.outcome) for what, r in audit.journal] == [
        ("finish", "/g/1", Outcome.APPLIED),
        ("finish", "/g/2", Outcome.APPLIED),
    ]
    assert audit.checkpoints == {("log-retention", "run-1"): {"offset": 3}}
    assert audit.writers and threading.current_thread().name not in audit.writers, "written off the caller's thread"


def test_given_batches_of_final_records_then_they_are_written_in_the_order_handed_on() -> None:
    audit = GatedAudit()
    audit.gate.set()
    with FinalsBehind(audit) as behind:
        for n in range(0, 9, 3):
            behind.finish_many([applied(n), applied(n + 1), applied(n + 2)])
    assert [r.resource.name for _, r in audit.journal] == [f"/g/{n}" for n in range(9)]
    assert audit.batches == [("finish", 3)] * 3, "each batch still written together"


def test_given_a_begin_of_a_record_still_being_finished_then_it_waits_for_the_final_record() -> None:
    audit = GatedAudit()
    audit.begin_many([record(1)])
    with FinalsBehind(audit) as behind:
        behind.finish_many([applied(1)])
        other = in_background(lambda: behind.begin_many([record(7)]))
        other.join(WAIT_S)
        assert not other.is_alive(), "a begin of another record does not wait"
        results: list[object] = []
        again = in_background(lambda: results.extend(behind.begin_many([record(1), record(8)])))
        again.join(BLOCKED_S)
        assert again.is_alive(), "the same record's begin waits for its final record"
        audit.gate.set()
        again.join(WAIT_S)
    # Had it not waited, the begin would have found the record pending and taken it over (a change made twice).
    assert results == [Begun.DUPLICATE, Begun.FRESH]
    assert audit.items[(record(1).pk, record(1).sk)].outcome is Outcome.APPLIED


def test_given_the_sweep_ends_with_final_records_in_flight_then_they_are_written_before_it_returns() -> None:
    audit = GatedAudit()
    behind = FinalsBehind(audit)
    behind.finish_many([applied(1)])
    closing = in_background(behind.close)
    closing.join(BLOCKED_S)
    assert closing.is_alive(), "the end waits for the final records"
    audit.gate.set()
    closing.join(WAIT_S)
    assert not closing.is_alive()
    assert [r.outcome for _, r in audit.journal] == [Outcome.APPLIED]
    assert not [t for t in threading.enumerate() if t.name.startswith("ecoguard-finals")], "its thread ended"


@pytest.mark.parametrize(
    "failure", [AuditUnavailable("injected: DynamoDB unavailable"), RuntimeError("injected: unexpected")]
)
def test_given_a_final_record_that_cannot_be_written_then_it_is_logged_and_its_pending_record_stays(
    failure: BaseException, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged: list[tuple[str, str]] = []

    def log(message: str, extra: dict[str, str]) -> None:
        logged.append((message, extra["resource"]))

    monkeypatch.setattr(finals_behind.logger, "error", log)
    monkeypatch.setattr(records.logger, "error", log)
    audit: MemoryAuditTrail
    if isinstance(failure, AuditUnavailable):  # answered per record, as finish_many answers it
        audit = MemoryAuditTrail()
        audit.begin_many([record(1), record(2)])
        audit.unavailable = True
    else:  # raised by the write itself
        audit = GatedAudit(fail=failure)
        audit.begin_many([record(1), record(2)])
        audit.gate.set()
    with FinalsBehind(audit) as behind:
        behind.finish_many([applied(1), applied(2)])
        behind.join()  # raises nothing: the sweep goes on
    assert logged == [("could not record the outcome", record(1).pk), ("could not record the outcome", record(2).pk)]
    assert {r.outcome for r in audit.items.values()} == {Outcome.PENDING}, "left for the next run to settle"


class Checking(MemoryAuditTrail):
    def refusal(self, record: AuditRecord) -> str | None:
        return "the record's MAC does not verify" if record.reason == "forged" else None


def test_given_the_wrapped_trail_checks_records_then_its_refusals_are_kept() -> None:
    forged = replace(record(1), reason="forged")
    assert FinalsBehind(Checking()).refusal(forged) == "the record's MAC does not verify"
    assert FinalsBehind(Checking()).refusal(record(2)) is None
    assert FinalsBehind(MemoryAuditTrail()).refusal(forged) is None, "a trail that checks nothing refuses nothing"


def test_given_final_records_handed_on_then_they_are_written_once_the_next_batchs_records_are_stored() -> None:
    audit = GatedAudit()
    audit.gate.set()
    with FinalsBehind(audit) as behind:
        audit.begin_many([record(1)])
        behind.finish_many([applied(1)])
        assert not audit.writers, "held: not written while the next batch's records are signed and stored"
        behind.begin_many([record(2)])
        behind.join()
    assert [(what, r.resource.name) for what, r in audit.journal] == [
        ("begin", "/g/1"),
        ("begin", "/g/2"),
        ("finish", "/g/1"),
    ]
