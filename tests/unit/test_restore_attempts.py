"""A restore you can count on: each attempt its own record, the latest decides, a failed attempt retried to
completion, a racing attempt told one is in progress, under the faults CloudWatch Logs documents.

PutRetentionPolicy / DeleteRetentionPolicy model ``ServiceUnavailableException`` (a fault: HTTP 500) and every
AWS API may answer ``ThrottlingException`` (HTTP 400; CloudWatch Logs API reference, "Common Errors"); a read
timeout says nothing of whether the call was carried out (botocore's ``ReadTimeoutError``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import Stubber

from ecoguard.actions.log_retention import PutRetentionPolicy
from ecoguard.adapters.logs import LogsAdapter
from ecoguard.attempts import LEASE, Attempts, Standing, trigger_of, undone_sk
from ecoguard.audit import FOLLOW_UPS, AuditRecord
from ecoguard.decisions import Mode, Outcome, Resource
from ecoguard.restore import left_for_later, restore
from ecoguard.units import FULLY_REVERSIBLE, ActionUnit, Registry
from tests.builders.restore_checks import untagged
from tests.unit.fakes import NOW, MemoryAuditTrail, clock

GROUP = "/aws/sagemaker/TrainingJobs"
ARN = f"arn:aws:logs:us-east-1:123456789012:log-group:{GROUP}"
APPLIED = AuditRecord(
    guardrail="log-retention",
    resource=Resource(arn=ARN, name=GROUP, kind="AWS::Logs::LogGroup"),
    action="put-retention-policy",
    trigger_id="run-1",
    trigger="sweep",
    outcome=Outcome.APPLIED,
    mode=Mode.ENFORCE,
    reason="no retention: 30 days",
    before={"retentionInDays": None},
    after={"retentionInDays": 30},
    recorded_at=NOW - timedelta(days=1),
    ttl_days=30,
)


def described(days: int | None) -> dict[str, Any]:
    group: dict[str, Any] = {"logGroupName": GROUP, "arn": f"{ARN}:*", "creationTime": 0, "storedBytes": 0}
    if days is not None:
        group["retentionInDays"] = days
    return {"logGroups": [group]}


@pytest.fixture
def logs() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("logs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


class TimesOutAfterTheCall(LogsAdapter):
    """moto_never_times_out: DeleteRetentionPolicy carried out, its answer lost (a read timeout)."""

    def set_retention(self, name: str, days: int | None) -> None:
        super().set_retention(name, days)
        raise ReadTimeoutError(endpoint_url="https://logs.us-east-1.amazonaws.com/")


def attempts(audit: MemoryAuditTrail) -> list[AuditRecord]:
    return sorted((r for r in audit.items.values() if r.action.startswith("restore:")), key=lambda r: r.trigger_id)


def read_group(stubber: Stubber, days: int | None) -> None:
    stubber.add_response("describe_log_groups", described(days), {"logGroupNamePrefix": GROUP, "limit": 50})


@pytest.mark.parametrize(
    ("code", "status"),
    [("ServiceUnavailableException", 500), ("ThrottlingException", 400)],
)
def test_given_the_undo_fails_with_a_service_error_when_restored_again_then_the_retry_completes_it(
    logs: tuple[Any, Stubber], code: str, status: int
) -> None:
    client, stubber = logs
    audit = MemoryAuditTrail()
    unit = PutRetentionPolicy(LogsAdapter(client))
    read_group(stubber, 30)
    stubber.add_client_error("delete_retention_policy", code, "injected", status, {"logGroupName": GROUP})
    first = restore(APPLIED, unit=unit, audit=audit, mode=Mode.ENFORCE, clock=clock, checks=untagged())
    assert first.outcome is Outcome.FAILED and code in first.message and "run the restore again" in first.message

    read_group(stubber, 30)
    stubber.add_response("delete_retention_policy", {}, {"logGroupName": GROUP})
    second = restore(APPLIED, unit=unit, audit=audit, mode=Mode.ENFORCE, clock=clock, checks=untagged())

    assert second.outcome is Outcome.RESTORED
    assert [(a.trigger_id, a.outcome) for a in attempts(audit)] == [
        (trigger_of(APPLIED, 1), Outcome.FAILED),
        (trigger_of(APPLIED, 2), Outcome.RESTORED),
    ]
    assert second.not_restored == unit.irreversible, "the answer says what the retention deleted for good"


def test_given_a_timeout_after_the_call_then_the_retry_sees_the_group_restored_and_records_it_without_calling(
    logs: tuple[Any, Stubber],
) -> None:
    client, stubber = logs
    audit = MemoryAuditTrail()
    read_group(stubber, 30)
    stubber.add_response("delete_retention_policy", {}, {"logGroupName": GROUP})
    first = restore(
        APPLIED,
        unit=PutRetentionPolicy(TimesOutAfterTheCall(client)),
        audit=audit,
        mode=Mode.ENFORCE,
        clock=clock,
        checks=untagged(),
    )
    assert first.outcome is Outcome.FAILED and "ReadTimeoutError" in first.message

    read_group(stubber, None)  # the delete was carried out; no second DeleteRetentionPolicy is stubbed
    second = restore(
        APPLIED,
        unit=PutRetentionPolicy(LogsAdapter(client)),
        audit=audit,
        mode=Mode.ENFORCE,
        clock=clock,
        checks=untagged(),
    )

    assert second.outcome is Outcome.RESTORED and "earlier attempt" in second.message
    assert [a.outcome for a in attempts(audit)] == [Outcome.FAILED, Outcome.RESTORED]


class StaleRead(MemoryAuditTrail):
    """Two restores racing: both read the attempts before either claimed one (``under`` answers what was
    there at the start), and DynamoDB's conditional put lets only one claim attempt 1."""

    def __init__(self) -> None:
        super().__init__()
        self.snapshot: list[AuditRecord] = []

    def under(self, pk: str, sk_prefix: str) -> list[AuditRecord]:
        return list(self.snapshot)


def test_given_two_restores_racing_then_exactly_one_acts_and_the_other_answers_in_progress(
    logs: tuple[Any, Stubber],
) -> None:
    client, stubber = logs
    audit = StaleRead()
    unit = PutRetentionPolicy(LogsAdapter(client))
    read_group(stubber, 30)
    stubber.add_response("delete_retention_policy", {}, {"logGroupName": GROUP})
    read_group(stubber, 30)  # the loser read the group before the winner's delete
    winner = restore(APPLIED, unit=unit, audit=audit, mode=Mode.ENFORCE, clock=clock, checks=untagged())
    loser = restore(APPLIED, unit=unit, audit=audit, mode=Mode.ENFORCE, clock=clock, checks=untagged())

    assert (winner.outcome, loser.outcome) == (Outcome.RESTORED, Outcome.IN_PROGRESS)
    assert [a.outcome for a in attempts(audit)] == [Outcome.RESTORED], "the loser wrote nothing over it"


def test_given_an_attempt_in_progress_then_another_restore_does_nothing_and_says_so(logs: tuple[Any, Stubber]) -> None:
    client, _ = logs  # no call stubbed: none may be made
    audit = MemoryAuditTrail()
    running = replace(
        APPLIED,
        action="restore:put-retention-policy",
        trigger_id=trigger_of(APPLIED, 1),
        outcome=Outcome.PENDING,
        recorded_at=NOW - timedelta(minutes=1),
    )
    assert audit.create(running)
    result = restore(
        APPLIED,
        unit=PutRetentionPolicy(LogsAdapter(client)),
        audit=audit,
        mode=Mode.ENFORCE,
        clock=clock,
        checks=untagged(),
    )
    assert result.outcome is Outcome.IN_PROGRESS and "in progress" in result.message
    assert len(attempts(audit)) == 1


def test_given_a_pending_attempt_older_than_its_lease_then_it_is_retried() -> None:
    stale = replace(
        APPLIED,
        action="restore:put-retention-policy",
        trigger_id=trigger_of(APPLIED, 3),
        outcome=Outcome.PENDING,
        recorded_at=NOW - LEASE - timedelta(seconds=1),
    )
    found = Attempts.among(APPLIED, [stale])
    assert found.standing(NOW) is Standing.RETRY and found.next_number == 4
    assert Attempts.among(APPLIED, [stale]).standing(NOW - timedelta(minutes=10)) is Standing.IN_PROGRESS


def test_an_attempt_names_the_record_it_restores_and_a_record_from_before_attempts_counts_as_attempt_0() -> None:
    assert undone_sk(trigger_of(APPLIED, 12)) == APPLIED.sk
    legacy = replace(
        APPLIED, action="restore:put-retention-policy", trigger_id=f"restore:{APPLIED.sk}", outcome=Outcome.FAILED
    )
    found = Attempts.among(APPLIED, [legacy])
    assert found.standing(NOW) is Standing.RETRY and found.next_number == 1
    assert undone_sk(legacy.trigger_id) == APPLIED.sk


def test_given_a_dry_run_then_it_says_what_it_would_do_and_what_cannot_be_undone_and_writes_nothing(
    logs: tuple[Any, Stubber],
) -> None:
    client, stubber = logs
    audit = MemoryAuditTrail()
    read_group(stubber, 30)
    unit = PutRetentionPolicy(LogsAdapter(client))
    result = restore(APPLIED, unit=unit, audit=audit, mode=Mode.DRY_RUN, clock=clock, checks=untagged())
    assert result.outcome is Outcome.WOULD_APPLY and "{'retentionInDays': None}" in result.message
    assert result.not_restored is not None and "deleted" in result.not_restored
    assert audit.journal == []


def test_a_unit_that_does_not_state_what_cannot_be_undone_is_refused_by_its_registry() -> None:
    class Silent(ActionUnit[None]):
        name = "silent"
        permissions = frozenset({"x:Act"})
        restore_permissions = frozenset({"x:Undo", "sagemaker:ListTags"})

    class Stated(Silent):
        name = "stated"
        irreversible = FULLY_REVERSIBLE

    with pytest.raises(TypeError, match="Silent"):
        Registry("g", "F", (Silent,), lambda _: None)
    assert Registry("g", "F", (Stated,), lambda _: None).unit_class("stated") is Stated


def test_a_restorable_unit_that_declares_no_tag_read_is_refused_by_its_registry() -> None:
    # The restore reads the exemption tag again before it writes: a unit whose restore cannot read it would fail
    # least privilege only at run time, so its registry refuses it at import.
    class Blind(ActionUnit[None]):
        name = "blind"
        permissions = frozenset({"x:Act"})
        restore_permissions = frozenset({"x:Undo"})
        irreversible = FULLY_REVERSIBLE

    class Unrestorable(Blind):
        name = "unrestorable"
        restorable = False

    with pytest.raises(TypeError, match=r"Blind.*no tag read"):
        Registry("g", "F", (Blind,), lambda _: None)
    assert Registry("g", "F", (Unrestorable,), lambda _: None).unit_class("unrestorable") is Unrestorable


def test_an_attempt_with_a_step_left_is_in_the_follow_up_index_and_listed_once_per_record() -> None:
    first = replace(
        APPLIED,
        action="restore:put-retention-policy",
        trigger_id=trigger_of(APPLIED, 1),
        outcome=Outcome.RESTORED,
        pending_step="scaling pending: x is Creating",
    )
    second = replace(first, trigger_id=trigger_of(APPLIED, 2))
    done = replace(first, trigger_id=trigger_of(APPLIED, 3), pending_step=None)
    assert first.to_item()["pending_guardrail"] == {"S": FOLLOW_UPS}
    assert "pending_guardrail" not in done.to_item(), "finished: out of the sparse index"
    assert left_for_later([first, second, done]) == [(APPLIED.pk, APPLIED.sk)]
    assert left_for_later([done]) == []
