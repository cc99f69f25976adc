"""A destructive action confirmed ahead of its turn (``confirm.ahead``, on a read thread): the plan decided on the
fresh read is the one carried out, not read again while the read is fresh, read again once it is not."""

from __future__ import annotations

from ecoguard.confirm import FRESH_FOR, Confirmation, Fresh, ahead
from ecoguard.decisions import Outcome, Plan
from tests.unit.fakes import MemoryAuditTrail
from tests.unit.test_executor_routing import ADVICE, SKIP, STOP, executor


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def reading(reads: list[str], fresh: str) -> Confirmation[str]:
    def reread(snapshot: str) -> Fresh[str]:
        reads.append(snapshot)
        return Fresh(fresh, changed=snapshot != fresh)

    def decide(snapshot: str) -> Plan:
        return Plan((ADVICE, SKIP)) if snapshot == "exempt now" else Plan((ADVICE, STOP))

    return Confirmation("training-guard", "listed", reread, decide)


def test_given_a_stop_confirmed_ahead_then_it_is_not_read_again_while_fresh() -> None:
    reads: list[str] = []
    now = Clock()
    plan, confirmation = ahead(Plan((ADVICE, STOP)), reading(reads, "listed"), now)
    assert confirmation.snapshot == "listed" and confirmation.read_at == 100.0

    now.now += FRESH_FOR.total_seconds() - 0.5
    stopped: list[str] = []
    assert executor(MemoryAuditTrail(), stopped, now).run(plan, confirmation) is Outcome.APPLIED
    assert reads == ["listed"] and stopped == ["bert"], "the read made ahead stands: not made again"


def test_given_a_stop_confirmed_ahead_whose_read_grew_old_then_it_is_read_again_before_the_stop() -> None:
    reads: list[str] = []
    now = Clock()
    plan, confirmation = ahead(Plan((ADVICE, STOP)), reading(reads, "listed"), now)

    now.now += FRESH_FOR.total_seconds() + 0.5
    stopped: list[str] = []
    assert executor(MemoryAuditTrail(), stopped, now).run(plan, confirmation) is Outcome.APPLIED
    assert reads == ["listed", "listed"] and stopped == ["bert"]


def test_given_a_job_exempted_before_the_read_made_ahead_then_the_fresh_plan_skips_it() -> None:
    reads: list[str] = []
    now = Clock()
    plan, confirmation = ahead(Plan((ADVICE, STOP)), reading(reads, "exempt now"), now)
    assert plan.actions == ()

    stopped: list[str] = []
    audit = MemoryAuditTrail()
    assert executor(audit, stopped, now).run(plan, confirmation) is Outcome.SKIPPED
    assert stopped == [] and reads == ["listed"]
    assert [r.outcome for _, r in audit.journal] == [Outcome.FINDING, Outcome.SKIPPED]
