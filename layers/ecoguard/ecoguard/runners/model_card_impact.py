"""On a completed training job: estimate its energy and carbon, and write it into its model cards."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ecoguard.adapters.model_cards import ModelCardAdapter
from ecoguard.audit import AuditRecord, AuditTrail
from ecoguard.decisions import Mode, PlannedAction
from ecoguard.executor import Executor, RunSummary, Trigger
from ecoguard.guardrails.model_card_impact import (
    ACTION,
    GUARDRAIL,
    custom_details,
    custom_details_of,
    decide_card,
    hardware,
    references,
    unattached,
    with_details,
)
from ecoguard.impact import Estimate, compute_estimate


class ModelCardImpactRunner:
    def __init__(
        self, *, cards: ModelCardAdapter, audit: AuditTrail, mode: Mode, clock: Callable[[], datetime], ttl_days: int
    ) -> None:
        self._cards = cards
        self._audit = audit
        self._mode = mode
        self._clock = clock
        self._ttl_days = ttl_days

    def on_training_completed(
        self, job_name: str, trigger: Trigger, utilization_pct: float | None = None
    ) -> RunSummary:
        executor = Executor(
            audit=self._audit,
            mode=self._mode,
            trigger=trigger,
            clock=self._clock,
            ttl_days=self._ttl_days,
            appliers={ACTION: self._apply},
            summary=RunSummary(GUARDRAIL, self._mode),
        )
        run = self._cards.training_run(job_name)
        if run is None:
            return executor.summary  # not (or no longer) Completed: an out-of-order event
        executor.summary.evaluated += 1
        if run.billable_seconds is None:
            estimate = Estimate(None, None, None, "the training run", hardware(run), ("billable time not reported",))
        else:
            estimate = compute_estimate(
                run.instance_type,
                count=run.instance_count,
                hours=run.billable_seconds / 3600,
                region=run.region,
                utilization_pct=utilization_pct,
                period="the training run",
            )
        details = custom_details(run, estimate)
        cards = [card for card in self._cards.cards() if references(card, run)]
        if not cards:
            executor.execute(unattached(run, estimate.to_dict()))
        for card in cards:
            executor.execute(decide_card(card, run, details))
        return executor.summary

    def _apply(self, action: PlannedAction) -> None:
        # Re-read the card and merge only ecoguard's keys, so an edit made since is kept.
        card = self._cards.card(action.resource.name)
        if card is None:
            raise LookupError(f"model card {action.resource.name} no longer exists")
        before, after = action.before["custom_details"], action.after["custom_details"]
        ours = {k: v for k, v in after.items() if before.get(k) != v}
        self._cards.write_content(card.name, with_details(card.content, ours))


class ModelCardImpactRestorer:
    """Puts the card's custom details back as they were (SageMaker keeps every version anyway)."""

    def __init__(self, cards: ModelCardAdapter) -> None:
        self._cards = cards

    def current(self, record: AuditRecord) -> dict[str, Any] | None:
        card = self._cards.card(record.resource.name)
        if card is None:
            return None
        return {"custom_details": custom_details_of(card.content)}

    def apply(self, record: AuditRecord, state: Mapping[str, Any]) -> None:
        card = self._cards.card(record.resource.name)
        if card is None:
            raise LookupError(f"model card {record.resource.name} no longer exists")
        content = dict(card.content)
        info = dict(content.get("additional_information", {}))
        info["custom_details"] = dict(state["custom_details"])
        content["additional_information"] = info
        self._cards.write_content(card.name, content)
