"""Refusing a record that does not authenticate (``ecoguard.record_mac``): the restore and the settle call
``refused_by`` first, before they read or act on anything the record says."""

from __future__ import annotations

import os
from contextlib import suppress
from datetime import datetime
from typing import Protocol, runtime_checkable

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from ecoguard.audit import AuditRecord, AuditUnavailable
from ecoguard.decisions import Mode, Outcome


@runtime_checkable
class Authenticating(Protocol):
    """An audit log that checks records (``AuditTrail``) and records a refusal."""

    def refusal(self, record: AuditRecord) -> str | None: ...

    def finish(self, record: AuditRecord) -> None: ...


REFUSED_PREFIX = "refused:"
# One datapoint per refused record, in the namespace every function publishes to (template.yaml,
# POWERTOOLS_METRICS_NAMESPACE); RecordsRefusedAlarm sums it over every dimension.
REFUSED_METRIC = "RecordsRefused"
NAMESPACE = "ecoguard"


def count_refusal(guardrail: str) -> None:
    """Publish one ``RecordsRefused`` (embedded metric format, in the log of the function that refused). Only in
    a Lambda function: CloudWatch extracts EMF from a function's log (CloudWatch User Guide, "Embedded metric
    format"); in `ecoguard restore` the line would reach no metric, only the operator's terminal."""
    if not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return
    with single_metric(
        name=REFUSED_METRIC,
        unit=MetricUnit.Count,
        value=1,
        namespace=NAMESPACE,
        default_dimensions={"guardrail": guardrail},
    ):
        pass


def refused_by(audit: object, record: AuditRecord, at: datetime) -> str | None:
    """Why ``record`` is refused (None: acted on as before); a refusal is itself recorded (failed, keyed by the
    refused record). An audit log that does not authenticate (a test's fake) refuses nothing."""
    if not isinstance(audit, Authenticating):
        return None
    why = audit.refusal(record)
    if why is None:
        return None
    refusal_record = AuditRecord(
        guardrail=record.guardrail,
        resource=record.resource,
        action=f"{REFUSED_PREFIX}{record.action}"[:200],
        trigger_id=f"{REFUSED_PREFIX}{record.sk}"[:900],
        trigger="a record that does not verify",
        outcome=Outcome.FAILED,
        mode=Mode.ENFORCE,
        reason=why,
        before={},
        after={},
        recorded_at=at,
        ttl_days=max(1, min(record.ttl_days, 3650)),
        error=why,
    )
    with suppress(AuditUnavailable):  # the refusal stands without its record; the caller logs it
        audit.finish(refusal_record)
    count_refusal(record.guardrail)
    return why
