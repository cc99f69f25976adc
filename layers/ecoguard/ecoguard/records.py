"""The audit records the executor writes: one per decision, built before anything is done, and the final
outcomes written over them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from ecoguard.audit import NOT_REVERSIBLE, OVERSIZED, AuditLog, AuditRecord
from ecoguard.audit_batch import MAX_ITEM_BYTES, item_size
from ecoguard.decisions import Decision, Finding, Mode, Outcome, PlannedAction, Resource, Skip
from ecoguard.summary import Trigger
from ecoguard.units import ActionUnit

logger = Logger(child=True)


@dataclass(frozen=True)
class Recorder:
    """Builds the records of one run's decisions."""

    mode: Mode
    clock: Callable[[], datetime]
    ttl_days: int
    units: Mapping[str, ActionUnit[Any]]
    attribution_tags: tuple[str, ...] = ()

    def of(self, decision: Decision, trigger: Trigger) -> AuditRecord:
        """A finding's record, a skip's, or an action's before it is made (``pending`` in enforce)."""
        if isinstance(decision, Finding):
            action = f"finding:{decision.kind}"
            return self._record(decision, trigger, action, Outcome.FINDING, decision.reason, decision.evidence, {})
        if isinstance(decision, Skip):
            return self._record(decision, trigger, "skip", Outcome.SKIPPED, decision.reason, decision.before, {})
        initial = Outcome.PENDING if self.mode is Mode.ENFORCE else Outcome.WOULD_APPLY
        reason = self._said(decision)
        record = self._record(decision, trigger, decision.action, initial, reason, decision.before, decision.after)
        return oversized(record) or record

    def failure(self, guardrail: str, resource: Resource, error: str, trigger: Trigger) -> AuditRecord:
        """The record of a resource that could not be evaluated (for example, its tags were unreadable)."""
        return AuditRecord(
            guardrail=guardrail,
            resource=resource,
            action="evaluate",
            trigger_id=trigger.id,
            trigger=trigger.description,
            outcome=Outcome.FAILED,
            mode=self.mode,
            reason="could not evaluate",
            before={},
            after={},
            recorded_at=self.clock(),
            ttl_days=self.ttl_days,
            error=error,
            attribution=attributed(resource, self.attribution_tags),
        )

    def _said(self, action: PlannedAction) -> str:
        """The action's reason, saying what cannot be undone, in the record written before the change."""
        unit = self.units.get(action.action)
        caveat = unit.irreversible if unit is not None else None
        return action.reason if caveat is None else f"{action.reason}{NOT_REVERSIBLE}{caveat})"

    def _record(  # noqa: PLR0917 - one record's fields, in the order of AuditRecord's
        self,
        decision: Decision,
        trigger: Trigger,
        action: str,
        outcome: Outcome,
        reason: str,
        before: Mapping[str, object],
        after: Mapping[str, object],
    ) -> AuditRecord:
        return AuditRecord(
            guardrail=decision.guardrail,
            resource=decision.resource,
            action=action,
            trigger_id=trigger.id,
            trigger=trigger.description,
            outcome=outcome,
            mode=self.mode,
            reason=reason,
            before=before,
            after=after,
            recorded_at=self.clock(),
            ttl_days=self.ttl_days,
            impact=decision.impact,
            attribution=attributed(decision.resource, self.attribution_tags),
        )


# Of a reason kept in an oversized action's small record.
KEPT_REASON = 1000


def oversized(record: AuditRecord, needed: str = "the state a restore needs") -> AuditRecord | None:
    """The small record written in place of an action's record over DynamoDB's 400 KB an item (which
    DynamoDB refuses, DynamoDB Developer Guide, "Service, account, and table quotas"): the same key, failed,
    saying why, so that the report and ``ecoguard audit`` show it. The change is not made: the record that
    must come first, with ``needed`` (for an action, the state a restore needs; for a restore attempt, the
    state it restores over), could not be written. None if the record fits."""
    size = item_size(record.to_item())
    if size <= MAX_ITEM_BYTES:
        return None
    return replace(
        record,
        outcome=Outcome.FAILED,
        reason=record.reason[:KEPT_REASON],
        before={},
        after={},
        impact=None,
        error=(f"{OVERSIZED} {size} bytes, over DynamoDB's 400 KB an item, so {needed} could not be recorded first"),
    )


def attributed(resource: Resource, keys: tuple[str, ...]) -> dict[str, str] | None:
    """The cost-allocation tags among the resource's, as ecoguard saw them when it decided (None without any)."""
    found = {key: resource.tags[key] for key in keys if key in resource.tags}
    return found or None


def finish(audit: AuditLog, finals: list[AuditRecord]) -> None:
    """Write final outcomes over their pending records, together."""
    if not finals:
        return
    for record, error in zip(finals, audit.finish_many(finals), strict=True):
        if error is not None:
            # A pending record already holds the state before the change; the next run settles it.
            logger.error("could not record the outcome", extra={"resource": record.pk, "error": str(error)})
