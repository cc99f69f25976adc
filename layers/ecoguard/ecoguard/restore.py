"""Undo an applied action from its audit record.

A restore only goes ahead when the resource is still in the state ecoguard left it in, so it
never overwrites a change someone made since. It is itself audited, before it acts.

Each attempt is an audit record of its own, and the latest decides (``ecoguard.attempts``): a failed attempt
is retried, carrying on from what it left; of two attempts racing, exactly one acts and the other answers
``in-progress``; an attempt that left a step for later (an endpoint's autoscaling, once it is InService) is
finished by the next: RestoreFunction's schedule makes that attempt once the step is due
(``finish_pending_steps``), so nobody has to run the restore again. The answer says what the change destroyed
that no restore brings back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from ecoguard.actions import registry
from ecoguard.attempts import Attempts, Standing, prefix_of, trigger_of, undone_sk
from ecoguard.audit import FOLLOW_UPS, AuditLog, AuditRecord, AuditUnavailable, describe_error
from ecoguard.decisions import Mode, Outcome
from ecoguard.guardrails.tags import EXEMPT_TAG, is_exempt
from ecoguard.records import oversized
from ecoguard.refusals import REFUSED_PREFIX, refused_by
from ecoguard.units import ActionUnit, Clients, Phase, acting


class RestoreLog(AuditLog, Protocol):
    """The audit port a restore needs: its attempts read back, and a new one claimed (``AuditTrail``)."""

    def create(self, record: AuditRecord) -> bool: ...

    def under(self, pk: str, sk_prefix: str) -> list[AuditRecord]: ...


class FollowUpLog(RestoreLog, Protocol):
    """And the record an attempt restores, read by its key (``AuditTrail``)."""

    def get(self, pk: str, sk: str) -> AuditRecord | None: ...


def unit_for(record: AuditRecord, clients: Clients) -> ActionUnit[Any]:
    """The action unit that made the record's change, connected through ``clients``."""
    return registry(record.guardrail).unit(record.action, clients)


@dataclass(frozen=True)
class WriteChecks:
    """What a new write is checked against, checked again before a restore writes: the restore writes nothing
    a new write would be refused (docs/THREAT_MODEL.md)."""

    # The resource's tags now, by its ARN, from the service that owns it (``adapters.resource_tags``); None:
    # the resource no longer exists.
    tags_now: Callable[[str], Mapping[str, str] | None]
    # The policy's floor for settings that delete data (``Settings.destructive_floor_days``).
    floor_days: int


@dataclass(frozen=True)
class RestoreResult:
    outcome: Outcome
    message: str
    # What the change destroyed that this restore does not bring back (the unit's ``irreversible``).
    not_restored: str | None = None
    # A step left to the next restore of the same record (an endpoint's autoscaling until it is InService).
    pending_step: str | None = None


def restore(
    record: AuditRecord,
    *,
    unit: ActionUnit[Any],
    audit: RestoreLog,
    mode: Mode,
    clock: Callable[[], datetime],
    checks: WriteChecks,
) -> RestoreResult:
    """Restore the record's resource: enforce acts, dry-run says what it would do and writes nothing."""
    # 0. Authenticated records (ecoguard.record_mac): a record whose MAC does not verify is refused, and the
    #    refusal recorded.
    if (why := refused_by(audit, record, clock())) is not None:
        return RestoreResult(Outcome.FAILED, f"{REFUSED_PREFIX} {why}")
    # 1. The record is of a change made (or maybe made), and its unit can undo it.
    refused = _refused(record, unit)
    if refused is not None:
        return refused
    # 2. The latest attempt decides: none yet, one to retry or to finish, one acting now, or done.
    try:
        attempts = Attempts.among(record, audit.under(record.pk, prefix_of(record)))
    except AuditUnavailable as exc:
        return RestoreResult(Outcome.FAILED, f"audit unavailable, not restoring: {exc}")
    standing = attempts.standing(clock())
    if standing is Standing.IN_PROGRESS:
        return _in_progress(attempts)
    if standing is Standing.DONE:
        return RestoreResult(Outcome.DUPLICATE, "already restored", unit.irreversible)
    # 3. The resource now: still as ecoguard left it, or as an interrupted attempt left it.
    with acting(unit.name, Phase.RESTORE):
        current = unit.current(record)
    if current is None:
        return RestoreResult(Outcome.SKIPPED, f"{record.resource.name} no longer exists")
    refused = _changed_since(record, unit, current, standing) or _refused_write(record, unit, current, checks)
    if refused is not None:
        return refused
    # 4. What it does, said before it is done.
    said_done = standing is Standing.RETRY and unit.restored(record, current)
    with acting(unit.name, Phase.RESTORE):  # the steps may read the resource (what is gone since)
        reason = _reason(record, unit, attempts, standing, said_done)
    if mode is Mode.DRY_RUN:
        # A preview for the operator: nothing is changed, so nothing is recorded.
        return RestoreResult(Outcome.WOULD_APPLY, f"would {reason}", unit.irreversible, attempts.latest_step)
    # 5. Claim the next attempt, recorded before anything is done; a racing restore loses the claim.
    #    An attempt over DynamoDB's 400 KB an item is recorded small, saying so, and nothing is done.
    attempt = _attempt(record, current, trigger_of(record, attempts.next_number), reason, clock())
    small = oversized(attempt, needed=f"{record.resource.name}'s state before this restore")
    try:
        if not audit.create(small or attempt):
            return _in_progress(attempts)
    except AuditUnavailable as exc:
        return RestoreResult(Outcome.FAILED, f"audit unavailable, not restoring: {exc}")
    if small is not None:
        return RestoreResult(Outcome.FAILED, f"{small.error}; nothing restored", unit.irreversible)
    # 6. Act (nothing, when an earlier attempt's undo is seen to have taken effect), and record the outcome.
    return _act(record, unit, audit, attempt, standing=standing, said_done=said_done)


def left_for_later(found: Iterable[AuditRecord]) -> list[tuple[str, str]]:
    """The records (pk, sk) whose restore left a step for later, from the attempts that say so (pure; a record
    attempted again since is listed once, and its latest attempt decides in ``restore``)."""
    return sorted({(attempt.pk, undone_sk(attempt.trigger_id)) for attempt in found if attempt.pending_step})


def finish_pending_steps(
    audit: FollowUpLog, clients: Clients, clock: Callable[[], datetime], checks: WriteChecks
) -> list[tuple[AuditRecord, RestoreResult]]:
    """Finish, with a new attempt each, the steps restores left for later that are due now (an endpoint's
    autoscaling once it is InService: ``ActionUnit.follow_up_due``). Found through the sparse index
    ``by-pending`` (``FOLLOW_UPS``); a step not yet due is left, and nothing written. Each record is restored
    as ``restore`` does (its MAC checked, its latest attempt deciding: one finished since answers duplicate)."""
    now = clock()
    finished: list[tuple[AuditRecord, RestoreResult]] = []
    for pk, sk in left_for_later(audit.pending(FOLLOW_UPS, now)):
        record = audit.get(pk, sk)
        if record is None:
            continue
        if Attempts.among(record, audit.under(pk, prefix_of(record))).standing(now) is not Standing.FOLLOW_UP:
            continue  # finished since (the index keeps an attempt until its record expires)
        unit = unit_for(record, clients)
        try:
            with acting(unit.name, Phase.RESTORE):
                due = unit.follow_up_due(record)
        except Exception as exc:  # noqa: BLE001 - this record waits for the next run; the others go on
            finished.append((record, RestoreResult(Outcome.FAILED, f"step not read: {describe_error(exc)}")))
            continue
        if due:
            finished.append(
                (record, restore(record, unit=unit, audit=audit, mode=Mode.ENFORCE, clock=clock, checks=checks))
            )
    return finished


def _refused(record: AuditRecord, unit: ActionUnit[Any]) -> RestoreResult | None:
    # An unrepeatable change whose outcome is not known (pending: its invocation ended; failed: its call
    # raised) may have been made all the same (ecoguard.settle): restorable if the resource shows it.
    if record.outcome is not Outcome.APPLIED and not _unsettled(record, unit):
        return RestoreResult(Outcome.SKIPPED, f"nothing to restore: the record's outcome is {record.outcome.value}")
    if not unit.restorable:
        return RestoreResult(Outcome.SKIPPED, f"cannot be restored: {unit.irreversible}", unit.irreversible)
    return None


def _refused_write(
    record: AuditRecord, unit: ActionUnit[Any], current: Mapping[str, Any], checks: WriteChecks
) -> RestoreResult | None:
    """Refused as a new write would be: the resource exempted since (its tag read now, from its service), or
    what the undo writes under the policy's floor."""
    why = unit.refused_write(record, checks.floor_days)
    if why is not None:
        return RestoreResult(Outcome.SKIPPED, f"not restoring {record.resource.name}: {why}", unit.irreversible)
    for arn in unit.exemption_arns(record, current):
        try:
            with acting(unit.name, Phase.RESTORE):
                tags = checks.tags_now(arn)
        except Exception as exc:  # noqa: BLE001 - unknown exemption: nothing is written
            return RestoreResult(Outcome.FAILED, f"tags of {arn} not read ({describe_error(exc)}); nothing restored")
        if tags is not None and is_exempt(tags):
            which = record.resource.name if arn == record.resource.arn else f"{record.resource.name}'s {arn}"
            return RestoreResult(
                Outcome.SKIPPED,
                f"{which} is tagged {EXEMPT_TAG}=true now, and ecoguard writes nothing to an exempt resource, a "
                "restore included: remove the tag to restore it, or put the record's state before back by hand "
                "(`ecoguard audit --json` shows it)",
                unit.irreversible,
            )
    return None


def _unsettled(record: AuditRecord, unit: ActionUnit[Any]) -> bool:
    return record.outcome in (Outcome.PENDING, Outcome.FAILED) and unit.unrepeatable


def _changed_since(
    record: AuditRecord, unit: ActionUnit[Any], current: Mapping[str, Any], standing: Standing
) -> RestoreResult | None:
    """Why not to act over ``current`` (None: go ahead)."""
    if standing is Standing.FOLLOW_UP:
        return None  # the undo is done; the unit's follow-up reads what it needs
    if unit.reached(record, current):
        return None
    if standing is Standing.RETRY and (unit.restored(record, current) or unit.resumable(record, current)):
        return None  # as an interrupted attempt left it
    if _unsettled(record, unit):
        return RestoreResult(
            Outcome.SKIPPED,
            f"nothing to restore: the record's outcome is {record.outcome.value}, and {record.resource.name} "
            "is not in the state the change would have left",
        )
    changed = sorted(k for k in {*current, *record.after} if current.get(k) != record.after.get(k))
    detail = ", ".join(f"{k}: {_short(record.after.get(k))} -> {_short(current.get(k))}" for k in changed)
    return RestoreResult(
        Outcome.SKIPPED,
        f"{record.resource.name} changed since ecoguard acted ({detail}); not restoring over it",
    )


def _reason(record: AuditRecord, unit: ActionUnit[Any], attempts: Attempts, standing: Standing, said_done: bool) -> str:
    if standing is Standing.FOLLOW_UP:
        return f"finish the restore: {attempts.latest_step}"
    if said_done:
        return "record the restore an earlier attempt made (the resource shows it; its answer was lost)"
    steps = "; ".join(unit.undo_steps(record))
    return f"restore {steps}" + (" (carrying on from an earlier attempt)" if standing is Standing.RETRY else "")


def _attempt(
    record: AuditRecord, current: Mapping[str, Any], trigger_id: str, reason: str, now: datetime
) -> AuditRecord:
    return AuditRecord(
        guardrail=record.guardrail,
        resource=record.resource,
        action=f"restore:{record.action}",
        trigger_id=trigger_id,
        trigger=f"restore of {record.pk} {record.sk}",
        outcome=Outcome.PENDING,
        mode=Mode.ENFORCE,
        reason=reason,
        before=current,
        after=record.before,
        recorded_at=now,
        ttl_days=record.ttl_days,
    )


def _act(
    record: AuditRecord,
    unit: ActionUnit[Any],
    audit: RestoreLog,
    attempt: AuditRecord,
    *,
    standing: Standing,
    said_done: bool,
) -> RestoreResult:
    try:
        with acting(unit.name, Phase.RESTORE):
            if said_done:
                left = None
            elif standing is Standing.FOLLOW_UP:
                left = unit.follow_up(record)
            else:
                left = unit.undo(record)
    except Exception as exc:  # noqa: BLE001 - recorded and reported; the next restore retries
        error = describe_error(exc)
        _finish(audit, attempt.with_outcome(Outcome.FAILED, error))
        return RestoreResult(Outcome.FAILED, f"{error} (run the restore again to retry)", unit.irreversible)
    final = replace(attempt.with_outcome(Outcome.RESTORED), pending_step=left)
    unrecorded = _finish(audit, final)
    message = attempt.reason + (f"; pending: {left} (run the restore again to finish)" if left else "")
    if unrecorded:
        message += f"; its outcome could not be recorded ({unrecorded}): a restore after 16 min records it"
    return RestoreResult(Outcome.RESTORED, message, unit.irreversible, left)


def _finish(audit: RestoreLog, final: AuditRecord) -> str | None:
    """Write the attempt's outcome; None once written, else why not (the attempt stays pending, and a restore
    after its lease reads the resource and records what it finds)."""
    try:
        audit.finish(final)
    except AuditUnavailable as exc:
        return str(exc)
    return None


def _in_progress(attempts: Attempts) -> RestoreResult:
    latest = attempts.latest
    since = f" since {latest.recorded_at.isoformat()}" if latest is not None else ""
    return RestoreResult(Outcome.IN_PROGRESS, f"another restore of this record is in progress{since}; nothing done")


def _short(value: object, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
