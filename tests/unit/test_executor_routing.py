"""The executor's plan run, as the training guard uses it: decisions recorded under the trigger their kind is
routed to, advice kept when the resource cannot be read, and a confirmation whose re-read fails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from ecoguard.audit import AuditRecord
from ecoguard.confirm import Confirmation, Fresh
from ecoguard.decisions import Decision, Finding, Mode, Outcome, Plan, PlannedAction, Resource, Skip, Unreadable
from ecoguard.errors import AccessDenied
from ecoguard.executor import Executor
from ecoguard.summary import RunSummary, Trigger
from ecoguard.units import FULLY_REVERSIBLE, ActionUnit
from tests.unit.fakes import MemoryAuditTrail, clock

JOB = Resource("arn:aws:sagemaker:us-east-1:1:training-job/bert", "bert", "AWS::SageMaker::TrainingJob")
ADVICE = Finding("training-guard", JOB, "no-managed-spot", "spot is cheaper")
SKIP = Skip("training-guard", JOB, "exempt")
STOP = PlannedAction("training-guard", JOB, "stop", {"TrainingJobStatus": "InProgress"}, {}, "idle")
CONFIG = Trigger("config", "configuration review")
DAY = Trigger("skip-2026-11-26", "sweep")


class Stop(ActionUnit[list[str]]):
    name = "stop"
    permissions: ClassVar[frozenset[str]] = frozenset({"sagemaker:StopTrainingJob"})
    restore_permissions: ClassVar[frozenset[str]] = frozenset()
    confirm_first = True
    irreversible = FULLY_REVERSIBLE

    def apply(self, action: PlannedAction) -> None:
        self.ports.append(action.resource.name)

    def current(self, record: AuditRecord) -> dict[str, Any] | None:
        return None

    def undo(self, record: AuditRecord) -> None:
        raise NotImplementedError


def route(decision: Decision) -> Trigger | None:
    if isinstance(decision, Finding):
        return CONFIG
    return DAY if isinstance(decision, Skip) else None


def executor(audit: MemoryAuditTrail, stopped: list[str], monotonic: Callable[[], float] | None = None) -> Executor:
    return Executor(
        audit=audit,
        mode=Mode.ENFORCE,
        trigger=Trigger("run-1", "sweep"),
        clock=clock,
        ttl_days=400,
        units={"stop": Stop(stopped)},
        summary=RunSummary("training-guard", Mode.ENFORCE),
        monotonic=monotonic,
    )


def test_given_a_routed_executor_then_each_decision_is_recorded_under_its_trigger_and_counted_once() -> None:
    audit = MemoryAuditTrail()
    stopped: list[str] = []
    ex = executor(audit, stopped)
    assert ex.routed(route).run(Plan((ADVICE, SKIP))) is Outcome.SKIPPED
    assert ex.routed(route).run(Plan((ADVICE, STOP))) is Outcome.APPLIED
    assert [r.sk.split("#")[0] for _, r in audit.journal] == ["config", "skip-2026-11-26", "run-1", "run-1"]
    assert [r.outcome for _, r in audit.journal] == [Outcome.FINDING, Outcome.SKIPPED, Outcome.PENDING, Outcome.APPLIED]
    # The second finding is the first's key: a duplicate, recorded once per job.
    assert ex.summary.count(Outcome.DUPLICATE) == 1 and stopped == ["bert"]
    assert (ex.summary.evaluated, ex.summary.compliant) == (2, 0)


def test_given_an_unreadable_plan_with_advice_then_the_advice_is_recorded_then_the_failure() -> None:
    audit = MemoryAuditTrail()
    stopped: list[str] = []
    ex = executor(audit, stopped)
    failure = Unreadable("training-guard", JOB, "GetMetricData: AccessDenied")
    assert ex.routed(route).run(Plan((ADVICE,), unreadable=failure)) is Outcome.FAILED
    assert [(r.sk.split("#")[0], r.outcome) for _, r in audit.journal] == [
        ("config", Outcome.FINDING),
        ("run-1", Outcome.FAILED),
    ]
    assert (ex.summary.evaluated, ex.summary.compliant) == (1, 0)


def test_given_a_confirmation_whose_read_fails_then_nothing_is_stopped_and_the_advice_is_kept() -> None:
    audit = MemoryAuditTrail()
    stopped: list[str] = []

    def reread(snapshot: str) -> Fresh[str]:
        raise AccessDenied("DescribeTrainingJob", "AccessDeniedException", "no")

    def decide(snapshot: str) -> Plan:
        raise AssertionError("not decided again without a fresh read")

    confirmation = Confirmation("training-guard", "listed", reread, decide)
    ex = executor(audit, stopped)
    assert ex.routed(route).run(Plan((ADVICE, STOP)), confirmation) is Outcome.FAILED
    assert stopped == []
    [finding, failed] = [r for _, r in audit.journal]
    assert finding.outcome is Outcome.FINDING and failed.outcome is Outcome.FAILED
    assert "AccessDenied" in (failed.error or "")


def test_given_a_confirmation_then_the_fresh_plan_is_the_one_carried_out() -> None:
    audit = MemoryAuditTrail()
    stopped: list[str] = []
    reads: list[str] = []

    def reread(snapshot: str) -> Fresh[str]:
        reads.append(snapshot)
        return Fresh("exempt now", changed=True)

    confirmation = Confirmation("training-guard", "listed", reread, lambda s: Plan((ADVICE, SKIP)))
    ex = executor(audit, stopped)
    assert ex.routed(route).run(Plan((ADVICE, STOP)), confirmation) is Outcome.SKIPPED
    assert reads == ["listed"] and stopped == []
    assert [(r.sk.split("#")[0], r.outcome) for _, r in audit.journal] == [
        ("config", Outcome.FINDING),
        ("skip-2026-11-26", Outcome.SKIPPED),
    ]


def test_given_a_confirmation_that_finds_the_resource_no_longer_a_candidate_then_only_the_advice_is_recorded() -> None:
    audit = MemoryAuditTrail()
    stopped: list[str] = []
    confirmation = Confirmation("training-guard", "listed", lambda s: Fresh(None, changed=True), lambda s: Plan())
    ex = executor(audit, stopped)
    assert ex.routed(route).run(Plan((ADVICE, STOP)), confirmation) is Outcome.FINDING
    assert stopped == [] and [(r.sk.split("#")[0], r.outcome) for _, r in audit.journal] == [
        ("config", Outcome.FINDING)
    ]
    assert (ex.summary.evaluated, ex.summary.compliant) == (1, 0), "not governed now: not compliant either"
