from __future__ import annotations

import pytest

from ecoguard.audit import AuditRecord
from ecoguard.audit_batch import item_size
from ecoguard.decisions import Finding, Mode, Outcome, PlannedAction, Resource, Skip
from ecoguard.errors import AccessDenied, Throttled
from ecoguard.executor import Executor
from ecoguard.summary import RunSummary, Trigger
from ecoguard.units import FULLY_REVERSIBLE, ActionUnit
from tests.unit.fakes import MemoryAuditTrail, clock

RESOURCE = Resource("arn:aws:logs:us-east-1:1:log-group:/aws/lambda/a", "/aws/lambda/a", "AWS::Logs::LogGroup")
ACTION = PlannedAction("log-retention", RESOURCE, "put", {"retentionInDays": None}, {"retentionInDays": 30}, "why")


class Applier(ActionUnit[None]):
    name = "put"
    permissions = frozenset({"logs:PutRetentionPolicy"})
    restore_permissions = frozenset({"logs:PutRetentionPolicy"})
    irreversible = FULLY_REVERSIBLE

    def __init__(self, audit: MemoryAuditTrail, error: Exception | None = None) -> None:
        super().__init__(None)
        self.audit = audit
        self.error = error
        self.calls: list[PlannedAction] = []
        self.journal_at_call: list[int] = []

    def apply(self, action: PlannedAction) -> None:
        self.calls.append(action)
        self.journal_at_call.append(len(self.audit.journal))
        if self.error:
            raise self.error


def executor(audit: MemoryAuditTrail, applier: Applier, mode: Mode = Mode.ENFORCE, trigger: str = "evt-1") -> Executor:
    return Executor(
        audit=audit,
        mode=mode,
        trigger=Trigger(trigger, "test"),
        clock=clock,
        ttl_days=400,
        units={"put": applier},
        summary=RunSummary("log-retention", mode),
    )


def test_given_dry_run_then_nothing_is_applied_and_a_would_apply_record_holds_before_and_after() -> None:
    audit = MemoryAuditTrail()
    applier = Applier(audit)
    assert executor(audit, applier, Mode.DRY_RUN).execute(ACTION) is Outcome.WOULD_APPLY
    assert applier.calls == []
    [(_, record)] = audit.journal
    assert record.outcome is Outcome.WOULD_APPLY
    assert record.before == {"retentionInDays": None} and record.after == {"retentionInDays": 30}


def test_given_enforce_then_the_audit_record_is_written_before_the_change_and_completed_after() -> None:
    audit = MemoryAuditTrail()
    applier = Applier(audit)
    assert executor(audit, applier).execute(ACTION) is Outcome.APPLIED
    assert applier.journal_at_call == [1]  # exactly one write, the pending record, before acting
    assert [(op, r.outcome) for op, r in audit.journal] == [("begin", Outcome.PENDING), ("finish", Outcome.APPLIED)]


def test_given_the_audit_table_is_unavailable_then_nothing_is_changed() -> None:
    audit = MemoryAuditTrail(unavailable=True)
    applier = Applier(audit)
    ex = executor(audit, applier)
    assert ex.execute(ACTION) is Outcome.FAILED
    assert applier.calls == []
    assert "audit unavailable" in (ex.summary.entries[0].error or "")


def test_given_a_duplicate_trigger_then_the_second_execution_changes_nothing() -> None:
    audit = MemoryAuditTrail()
    applier = Applier(audit)
    executor(audit, applier).execute(ACTION)
    assert executor(audit, applier).execute(ACTION) is Outcome.DUPLICATE
    assert len(applier.calls) == 1


def test_given_a_pending_record_left_by_a_stopped_invocation_then_it_is_taken_over() -> None:
    audit = MemoryAuditTrail()
    throttled = Applier(audit, Throttled("PutRetentionPolicy", "ThrottlingException", "slow down"))
    assert executor(audit, throttled).execute(ACTION) is Outcome.DEFERRED
    assert [r.outcome for r in audit.items.values()] == [Outcome.PENDING]
    assert executor(audit, Applier(audit)).execute(ACTION) is Outcome.APPLIED


def test_given_the_change_fails_then_the_failure_and_its_error_are_recorded() -> None:
    audit = MemoryAuditTrail()
    outcome = executor(
        audit, Applier(audit, AccessDenied("PutRetentionPolicy", "AccessDeniedException", "no"))
    ).execute(ACTION)
    assert outcome is Outcome.FAILED
    [record] = audit.items.values()
    assert record.outcome is Outcome.FAILED and "AccessDeniedException" in (record.error or "")


@pytest.mark.parametrize("mode", list(Mode))
def test_given_a_skip_then_it_is_recorded_with_its_reason_in_any_mode(mode: Mode) -> None:
    audit = MemoryAuditTrail()
    applier = Applier(audit)
    skip = Skip("log-retention", RESOURCE, "tagged ecoguard:exempt=true", {"retentionInDays": None})
    assert executor(audit, applier, mode).execute(skip) is Outcome.SKIPPED
    assert applier.calls == []
    [record] = audit.items.values()
    assert record.reason == "tagged ecoguard:exempt=true"


def test_the_audit_record_keys_make_duplicates_collide_and_distinct_triggers_not() -> None:
    audit = MemoryAuditTrail()
    executor(audit, Applier(audit), trigger="evt-1").execute(ACTION)
    executor(audit, Applier(audit), trigger="evt-2").execute(ACTION)
    assert sorted(sk for _, sk in audit.items) == ["evt-1#put", "evt-2#put"]


@pytest.mark.parametrize("mode", list(Mode))
def test_given_a_finding_then_it_is_recorded_with_its_evidence_and_nothing_is_applied(mode: Mode) -> None:
    audit = MemoryAuditTrail()
    applier = Applier(audit)
    finding = Finding(
        "training-guard", RESOURCE, "no-managed-spot", "eligible for Managed Spot", {"instance": "ml.p3.2xlarge"}
    )
    assert executor(audit, applier, mode).execute(finding) is Outcome.FINDING
    assert applier.calls == []
    [record] = audit.items.values()
    assert record.sk == "evt-1#finding:no-managed-spot"
    assert record.before == {"instance": "ml.p3.2xlarge"}


class Irreversible(Applier):
    irreversible = "a stopped job cannot be resumed"


def test_given_an_action_that_cannot_be_fully_undone_then_its_record_says_so_before_the_change() -> None:
    audit = MemoryAuditTrail()
    unit = Irreversible(audit)
    ex = Executor(
        audit=audit,
        mode=Mode.ENFORCE,
        trigger=Trigger("evt-1", "test"),
        clock=clock,
        ttl_days=400,
        units={"put": unit},
        summary=RunSummary("log-retention", Mode.ENFORCE),
    )
    assert ex.execute(ACTION) is Outcome.APPLIED
    [(op, pending), _] = audit.journal
    assert op == "begin" and pending.outcome is Outcome.PENDING
    assert pending.reason == "why (not fully reversible: a stopped job cannot be resumed)"
    assert unit.journal_at_call == [1]


def test_given_attribution_tags_then_the_record_keeps_the_resources_values_of_those_tags_only() -> None:
    audit = MemoryAuditTrail()
    tagged = Resource(RESOURCE.arn, RESOURCE.name, RESOURCE.kind, tags={"team": "growth", "owner": "ana", "env": "p"})
    ex = Executor(
        audit=audit,
        mode=Mode.DRY_RUN,
        trigger=Trigger("evt-1", "test"),
        clock=clock,
        ttl_days=400,
        units={"put": Applier(audit)},
        summary=RunSummary("log-retention", Mode.DRY_RUN),
        attribution_tags=("team", "cost-center"),
    )
    ex.execute(PlannedAction("log-retention", tagged, "put", {}, {"retentionInDays": 30}, "why"))
    ex.execute(Skip("log-retention", RESOURCE, "exempt"))  # no tags read: no attribution
    [(_, first), (_, second)] = audit.journal
    assert first.attribution == {"team": "growth"}
    assert second.attribution is None
    assert first.resource == RESOURCE  # tags are not part of a resource's identity
    assert AuditRecord.from_item(first.to_item()).attribution == {"team": "growth"}


@pytest.mark.parametrize("mode", [Mode.ENFORCE, Mode.DRY_RUN])
def test_given_a_record_over_dynamodbs_item_limit_then_a_small_failed_record_says_so_and_nothing_is_applied(
    mode: Mode,
) -> None:
    """DynamoDB refuses an item over 400 KB (DynamoDB Developer Guide, "Service, account, and table quotas")."""
    audit = MemoryAuditTrail()
    applier = Applier(audit)
    huge = PlannedAction(
        "log-retention",
        RESOURCE,
        "put",
        {"retentionInDays": None, "blob": "x" * 500_000},
        {"retentionInDays": 30},
        "why",
    )
    assert executor(audit, applier, mode).execute(huge) is Outcome.FAILED
    assert applier.calls == []
    [record] = audit.items.values()
    assert record.outcome is Outcome.FAILED and record.reason == "why" and record.before == {}
    assert record.error is not None and "over DynamoDB's 400 KB an item" in record.error
    assert item_size(record.to_item()) < 2_000
