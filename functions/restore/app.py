"""RestoreFunction: undo one applied action from its audit record.

Invoked directly (not by EventBridge), for example::

    aws lambda invoke --function-name <stack>-restore \
      --payload '{"action_id": "3f2a9c0d1e4b5a6c", "apply": true}' out.json

Without ``"apply": true`` it only reports what it would do. The restore goes ahead only if the
resource is still as ecoguard left it, and is itself audited before it acts. A failed restore is retried
by invoking it again; while another restore of the same record acts, the answer is ``in-progress``.
``not_restored`` says what the change destroyed that no restore brings back.

Its schedule (a ``Scheduled Event``) finishes what applied restores left for later once it is due (a
re-created endpoint's autoscaling, once the endpoint is InService: ``ecoguard.restore.finish_pending_steps``).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ecoguard.adapters.clients import client
from ecoguard.adapters.resource_tags import ResourceTags
from ecoguard.audit import AuditTrail
from ecoguard.clock import utc_now
from ecoguard.decisions import Mode
from ecoguard.events import SCHEDULED_EVENT, EventError, check_aws_source, parse_event
from ecoguard.invocation import run_or_reject
from ecoguard.record_mac import KmsRecordMac
from ecoguard.refusals import REFUSED_PREFIX
from ecoguard.restore import WriteChecks, finish_pending_steps, restore, unit_for
from ecoguard.settings import load_settings
from ecoguard.validation import first_error

logger = Logger()


class RestoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    action_id: str = Field(pattern=r"^[0-9a-f]{16}$")
    apply: bool = False


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if isinstance(event, dict) and "detail-type" in event:
        return run_or_reject("restore", lambda: finish_steps(event))
    return run_or_reject("restore", lambda: restore_action(event))


def audit_trail() -> AuditTrail:
    settings = load_settings()
    # Records are checked with VerifyMac (ecoguard.record_mac): a forged one is refused before anything is read.
    key = settings.record_key
    return AuditTrail(client("dynamodb"), settings.audit_table, KmsRecordMac(client("kms"), key) if key else None)


def write_checks() -> WriteChecks:
    # A restore writes nothing a new write would be refused: the exemption tag read now, the policy's floor.
    return WriteChecks(ResourceTags(client).of, load_settings().destructive_floor_days)


def finish_steps(event: dict[str, Any]) -> dict[str, Any]:
    scheduled = parse_event(event)
    check_aws_source(scheduled)
    if scheduled.detail_type != SCHEDULED_EVENT:
        raise EventError(f"malformed event: field detail-type: {scheduled.detail_type!r} is not a schedule's")
    finished = finish_pending_steps(audit_trail(), client, utc_now, write_checks())
    for record, result in finished:
        logger.info("pending step", extra={"action_id": record.action_id, "outcome": result.outcome.value})
    return {
        "finished": [{"action_id": r.action_id, "outcome": x.outcome.value, "message": x.message} for r, x in finished]
    }


def restore_action(event: dict[str, Any]) -> dict[str, Any]:
    try:
        request = RestoreRequest.model_validate(event)
    except ValidationError as exc:
        error = first_error(exc)
        raise EventError(f"malformed restore request: field {error.field}: {error.message}") from exc
    audit = audit_trail()
    record = audit.find(request.action_id)
    if record is None:
        return {"outcome": "not-found", "message": f"no audit record with action id {request.action_id}"}
    result = restore(
        record,
        unit=unit_for(record, client),
        audit=audit,
        mode=Mode.ENFORCE if request.apply else Mode.DRY_RUN,
        clock=utc_now,
        checks=write_checks(),
    )
    logger.info("restore", extra={"action_id": request.action_id, "outcome": result.outcome.value})
    if result.message.startswith(REFUSED_PREFIX):  # forged or altered: RecordsRefused alarms on this line
        logger.error("record refused", extra={"action_id": request.action_id, "refused": result.message})
    return {
        "outcome": result.outcome.value,
        "message": result.message,
        "resource": record.resource.name,
        "not_restored": result.not_restored,
        "pending_step": result.pending_step,
    }
