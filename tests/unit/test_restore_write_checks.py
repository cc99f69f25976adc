"""A restore writes nothing a new write would be refused (issue 27, deliver 2): the exemption tag is read again,
from the resource's own service, just before it acts; ecoguard's lifecycle rules it would put back are held to
the policy's floor for settings that delete data. Pure: fakes only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from ecoguard.actions.storage_lifecycle import MergeLifecycle
from ecoguard.audit import AuditRecord
from ecoguard.decisions import Mode, Outcome, Resource
from ecoguard.guardrails.lifecycle_merge import under_floor
from ecoguard.restore import WriteChecks, restore
from ecoguard.units import FULLY_REVERSIBLE, ActionUnit
from tests.unit.fakes import NOW, MemoryAuditTrail, clock

ARN = "arn:aws:logs:us-east-1:111122223333:log-group:/aws/team-b/app"
RECORD = AuditRecord(
    guardrail="log-retention",
    resource=Resource(ARN, "/aws/team-b/app", "AWS::Logs::LogGroup"),
    action="put-retention-policy",
    trigger_id="run-1",
    trigger="sweep",
    outcome=Outcome.APPLIED,
    mode=Mode.ENFORCE,
    reason="no retention",
    before={"retentionInDays": None},
    after={"retentionInDays": 30},
    recorded_at=NOW - timedelta(hours=1),
    ttl_days=30,
)


class Retention(ActionUnit[list[str]]):
    name = "put-retention-policy"
    permissions = frozenset({"logs:PutRetentionPolicy"})
    restore_permissions = frozenset({"logs:DeleteRetentionPolicy", "logs:ListTagsForResource"})
    irreversible = FULLY_REVERSIBLE

    def current(self, record: AuditRecord) -> Mapping[str, Any]:
        return record.after

    def undo(self, record: AuditRecord) -> None:
        self.ports.append("undo")


def tags(found: Mapping[str, str] | None, reads: list[str]) -> WriteChecks:
    def read(arn: str) -> Mapping[str, str] | None:
        reads.append(arn)
        return found

    return WriteChecks(read, 30)


@pytest.mark.parametrize("mode", [Mode.ENFORCE, Mode.DRY_RUN])
def test_given_a_resource_exempted_since_the_change_then_the_restore_writes_nothing(mode: Mode) -> None:
    audit, calls, reads = MemoryAuditTrail(), [], []  # type: ignore[var-annotated]
    result = restore(
        RECORD,
        unit=Retention(calls),
        audit=audit,
        mode=mode,
        clock=clock,
        checks=tags({"ecoguard:exempt": "TRUE"}, reads),
    )
    assert result.outcome is Outcome.SKIPPED
    assert "is tagged ecoguard:exempt=true now" in result.message and "remove the tag" in result.message
    assert reads == [ARN], "read by the resource's ARN, just before acting"
    assert calls == [] and audit.journal == [], "no undo, and no attempt recorded"


def test_given_tags_that_cannot_be_read_then_nothing_is_restored_and_the_restore_can_be_run_again() -> None:
    def unreadable(arn: str) -> Mapping[str, str] | None:
        raise RuntimeError("AccessDeniedException")

    audit, calls = MemoryAuditTrail(), []  # type: ignore[var-annotated]
    result = restore(
        RECORD, unit=Retention(calls), audit=audit, mode=Mode.ENFORCE, clock=clock, checks=WriteChecks(unreadable, 30)
    )
    assert result.outcome is Outcome.FAILED and f"tags of {ARN} not read" in result.message
    assert calls == [] and audit.journal == []


@pytest.mark.parametrize("found", [{}, {"ecoguard:exempt": "false"}, None])
def test_given_a_resource_not_exempt_or_gone_then_the_restore_goes_ahead(found: Mapping[str, str] | None) -> None:
    audit, calls, reads = MemoryAuditTrail(), [], []  # type: ignore[var-annotated]
    result = restore(
        RECORD, unit=Retention(calls), audit=audit, mode=Mode.ENFORCE, clock=clock, checks=tags(found, reads)
    )
    assert result.outcome is Outcome.RESTORED and calls == ["undo"]


def rule(rule_id: str, **actions: Any) -> dict[str, Any]:
    return {"ID": rule_id, "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, **actions}


def bucket_record(before_rules: list[dict[str, Any]]) -> AuditRecord:
    return replace(
        RECORD,
        guardrail="storage-lifecycle",
        resource=Resource("arn:aws:s3:::team-b-data", "team-b-data", "AWS::S3::Bucket"),
        action="merge-lifecycle",
        before={"lifecycle": {"Rules": before_rules}, "intelligent_tiering": {}},
        after={"lifecycle": None, "intelligent_tiering": {}},
    )


def test_given_ecoguard_rules_under_the_floor_then_each_is_named() -> None:
    config = {
        "Rules": [
            rule("ecoguard-tmp", Expiration={"Days": 1}),
            rule("ecoguard-versions", NoncurrentVersionExpiration={"NoncurrentDays": 29}),
            rule("ecoguard-dated", Expiration={"Date": "2026-12-08T00:00:00Z"}),
            rule("ecoguard-kept", Expiration={"Days": 30}, NoncurrentVersionExpiration={"NoncurrentDays": 30}),
            rule("owner-scratch", Expiration={"Days": 1}),
        ]
    }
    assert under_floor(config, 30) == [
        "rule ecoguard-tmp expires objects after 1 days",
        "rule ecoguard-versions expires noncurrent versions after 29 days",
        "rule ecoguard-dated expires objects on a date (2026-12-08T00:00:00Z)",
    ]
    assert under_floor(config, 1) == ["rule ecoguard-dated expires objects on a date (2026-12-08T00:00:00Z)"]
    assert under_floor(None, 30) == []


def test_given_a_record_that_would_put_back_an_ecoguard_rule_under_the_floor_then_nothing_is_read_or_written() -> None:
    class Unreachable:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"S3 called: {name}")

    record = bucket_record([rule("ecoguard-tmp", Expiration={"Days": 1})])
    reads: list[str] = []
    audit = MemoryAuditTrail()
    result = restore(
        record,
        unit=_Current(Unreachable(), record.after),
        audit=audit,
        mode=Mode.ENFORCE,
        clock=clock,
        checks=tags({}, reads),
    )
    assert result.outcome is Outcome.SKIPPED
    assert "rule ecoguard-tmp expires objects after 1 days, under the floor of 30 days" in result.message
    assert audit.journal == []


def test_given_the_owner_rules_alone_under_the_floor_then_the_lifecycle_restore_is_not_refused() -> None:
    record = bucket_record([rule("owner-scratch", Expiration={"Days": 1})])
    assert MergeLifecycle(None).refused_write(record, 30) is None  # type: ignore[arg-type]
    lowered = bucket_record([rule("ecoguard-tmp", Expiration={"Days": 7})])
    assert MergeLifecycle(None).refused_write(lowered, 7) is None  # type: ignore[arg-type]
    assert MergeLifecycle(None).refused_write(lowered, 8) is not None  # type: ignore[arg-type]


class _Current(MergeLifecycle):
    """``MergeLifecycle`` whose bucket is read as the change left it (no S3)."""

    def __init__(self, ports: Any, state: Mapping[str, Any]) -> None:
        super().__init__(ports)
        self._state = state

    def current(self, record: AuditRecord) -> Mapping[str, Any]:
        return self._state
