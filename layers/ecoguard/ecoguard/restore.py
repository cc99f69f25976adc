"""Undo an applied action from its audit record.

A restore only goes ahead when the resource is still in the state ecoguard left it in, so it
never overwrites a change someone made since. It is itself audited, before it acts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ecoguard.actions import registry
from ecoguard.audit import AuditLog, AuditRecord, AuditUnavailable, describe_error
from ecoguard.decisions import Mode, Outcome
from ecoguard.refusals import REFUSED_PREFIX, refused_by
from ecoguard.units import ActionUnit, Clients, Phase, acting


def unit_for(record: AuditRecord, clients: Clients) -> ActionUnit[Any]:
    """The action unit that made the record's change, connected through ``clients``."""
    return registry(record.guardrail).unit(record.action, clients)


@dataclass(frozen=True)
class RestoreResult:
    outcome: Outcome
    message: str


def restore(
    record: AuditRecord,
    *,
    unit: ActionUnit[Any],
    audit: AuditLog,
    mode: Mode,
    clock: Callable[[], datetime],
) -> RestoreResult:
    # An unrepeatable change whose outcome is not known (pending: its invocation ended; failed: its call
    # raised) may have been made all the same (ecoguard.settle): restorable if the resource shows it.
    # Authenticated records (issue 27): a record whose MAC does not verify is refused, and the refusal recorded.
    if (why := refused_by(audit, record, clock())) is not None:
        return RestoreResult(Outcome.FAILED, f"{REFUSED_PREFIX} {why}")
    unsettled = record.outcome in (Outcome.PENDING, Outcome.FAILED) and unit.unrepeatable
    if record.outcome is not Outcome.APPLIED and not unsettled:
        return RestoreResult(Outcome.SKIPPED, f"nothing to restore: the record's outcome is {record.outcome.value}")
    if not unit.restorable:
        return RestoreResult(Outcome.SKIPPED, f"cannot be restored: {unit.irreversible}")
    with acting(unit.name, Phase.RESTORE):
        current = unit.current(record)
    if current is None:
        return RestoreResult(Outcome.SKIPPED, f"{record.resource.name} no longer exists")
    if unsettled and not unit.reached(record, current):
        return RestoreResult(
            Outcome.SKIPPED,
            f"nothing to restore: the record's outcome is {record.outcome.value}, and {record.resource.name} "
            "is not in the state the change would have left",
        )
    if not unit.reached(record, current):
        changed = sorted(k for k in {*current, *record.after} if current.get(k) != record.after.get(k))
        detail = ", ".join(f"{k}: {_short(record.after.get(k))} -> {_short(current.get(k))}" for k in changed)
        return RestoreResult(
            Outcome.SKIPPED,
            f"{record.resource.name} changed since ecoguard acted ({detail}); not restoring over it",
        )
    reason = f"restore {_short(dict(record.after))} -> {_short(dict(record.before))}"
    if mode is Mode.DRY_RUN:
        # A preview for the operator: nothing is changed, so nothing is recorded.
        return RestoreResult(Outcome.WOULD_APPLY, f"would {reason}")
    undo = AuditRecord(
        guardrail=record.guardrail,
        resource=record.resource,
        action=f"restore:{record.action}",
        trigger_id=f"restore:{record.sk}",
        trigger=f"restore of {record.pk} {record.sk}",
        outcome=Outcome.PENDING,
        mode=mode,
        reason=reason,
        before=current,
        after=record.before,
        recorded_at=clock(),
        ttl_days=record.ttl_days,
    )
    try:
        if not audit.begin(undo):
            return RestoreResult(Outcome.DUPLICATE, "already restored")
    except AuditUnavailable as exc:
        return RestoreResult(Outcome.FAILED, f"audit unavailable, not restoring: {exc}")
    try:
        with acting(unit.name, Phase.RESTORE):
            unit.undo(record)
    except Exception as exc:  # noqa: BLE001 - recorded and reported
        audit.finish(undo.with_outcome(Outcome.FAILED, describe_error(exc)))
        return RestoreResult(Outcome.FAILED, describe_error(exc))
    audit.finish(undo.with_outcome(Outcome.RESTORED))
    return RestoreResult(Outcome.RESTORED, undo.reason)


def _short(value: object, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
