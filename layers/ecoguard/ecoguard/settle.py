"""Settle a change whose outcome is not known: it raised (an error, a read timeout), or the invocation making
it ended (a Lambda timeout) and left its record pending.

Some changes cannot be made twice (``ActionUnit.unrepeatable``: DeleteEndpoint, StopTrainingJob,
StopNotebookInstance, StartPipelineExecution). When such a call fails or times out, the request may still
have been carried out: a retried DeleteEndpoint then gets ValidationException "Could not find endpoint"
(aws/amazon-sagemaker-examples#2402), and a read timeout says nothing of what happened. So the resource is
read again (``ActionUnit.current``) and, if the change took effect (``ActionUnit.took_effect``), it is
recorded as applied (restorable), the error kept in the record.

A record still pending once its invocation must have ended (older than the function's timeout) is settled
the same way by the guardrail's next run (a sweep's first invocation; the retraining gate's next judged
event): applied if the resource shows the change, else failed (not
made; the next run decides again). Nothing is changed on a governed resource here, only read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from ecoguard.audit import AuditLog, AuditRecord, AuditUnavailable, describe_error
from ecoguard.clock import utc_now
from ecoguard.decisions import Mode, Outcome
from ecoguard.records import finish
from ecoguard.refusals import refused_by
from ecoguard.units import ActionUnit, Phase, acting

logger = Logger(child=True)

# Records pending for longer than this are settled: Lambda's longest timeout (15 min, Lambda quotas) plus a
# minute, so no invocation that could still be making their changes is running. A sweep settles them on a
# run's first invocation; the event-driven retraining gate on each event it judges.
SETTLE_AFTER = timedelta(minutes=16)

NOT_MADE = "interrupted before the change took effect; not made (the next run decides again)"


def after_error(unit: ActionUnit[Any], record: AuditRecord, error: BaseException) -> AuditRecord:
    """The final record of a change that raised ``error``: applied if the resource was changed all the same
    (an unrepeatable action only), else failed."""
    failed = record.with_outcome(Outcome.FAILED, describe_error(error))
    if not unit.unrepeatable:
        return failed
    current = _read(unit, record)
    if current is not None and unit.took_effect(record, current):
        return record.with_outcome(Outcome.APPLIED, f"the change took effect despite: {describe_error(error)}")
    return failed


def pending(unit: ActionUnit[Any] | None, record: AuditRecord) -> AuditRecord | None:
    """The outcome of a record left pending by an invocation that ended (None: unknown, left pending)."""
    if unit is None:
        return None
    current = _read(unit, record)
    if current is None:
        return None
    if unit.took_effect(record, current):
        return record.with_outcome(Outcome.APPLIED, "settled by a later run: the change had taken effect")
    return record.with_outcome(Outcome.FAILED, NOT_MADE)


def _read(unit: ActionUnit[Any], record: AuditRecord) -> Mapping[str, Any] | None:
    try:
        with acting(unit.name, Phase.RESTORE):
            return unit.current(record)
    except Exception as exc:  # noqa: BLE001 - unknown stays unknown; logged
        logger.warning("could not read the resource again", extra={"resource": record.pk, "error": str(exc)})
        return None


def settle_pending(
    audit: AuditLog, units: Mapping[str, ActionUnit[Any]], guardrail: str, mode: Mode, before: datetime
) -> int:
    """Settle the guardrail's records left pending since before ``before`` (by invocations that must have
    ended), by reading each resource again; how many were settled. Enforce only: a dry run leaves nothing
    pending."""
    if mode is not Mode.ENFORCE:
        return 0
    try:
        stale = list(audit.pending(guardrail, before))
    except AuditUnavailable as exc:
        logger.error("could not look for pending records", extra={"error": str(exc)})
        return 0
    # Authenticated records (issue 27): a pending record whose MAC does not verify is refused, not settled.
    stale = [r for r in stale if not _refused(audit, r)]
    finals = [f for r in stale if (f := pending(units.get(r.action), r)) is not None]
    finish(audit, finals)
    for final in finals:
        logger.info("settled a pending record", extra={"resource": final.pk, "outcome": final.outcome.value})
    return len(finals)


def _refused(audit: AuditLog, record: AuditRecord) -> bool:
    why = refused_by(audit, record, utc_now())
    if why is not None:
        logger.error("refused a pending record", extra={"resource": record.pk, "sk": record.sk, "reason": why})
    return why is not None
