"""The model-card-impact guardrail's AWS side: its one action, write a training run's energy and carbon into a
model card's custom details, and its runner: on a completed training job, estimate its energy and carbon and
write them into the model cards that reference it. It runs in TrainingGuardFunction (``TrainingRunners``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ecoguard.adapters.model_cards import ModelCardAdapter
from ecoguard.audit import AuditRecord
from ecoguard.decisions import PlannedAction
from ecoguard.guardrails.model_card_impact import (
    ACTION,
    GUARDRAIL,
    custom_details_of,
    decide,
    estimate_of,
    references,
    with_details,
)
from ecoguard.runner import GuardrailRunner
from ecoguard.summary import RunSummary, Trigger
from ecoguard.units import NOTHING_RESTARTS, ActionUnit, Clients, Registry
from ecoguard.wiring import Wiring

DETAILS = "custom_details"


class UpdateModelCard(ActionUnit[ModelCardAdapter]):
    """Merge ecoguard's keys into the card's custom details; undone by putting the recorded details back
    (SageMaker also keeps every version of the card)."""

    name = ACTION
    permissions = frozenset({"sagemaker:DescribeModelCard", "sagemaker:UpdateModelCard"})
    restore_permissions = frozenset({"sagemaker:DescribeModelCard", "sagemaker:UpdateModelCard", "sagemaker:ListTags"})
    # UpdateModelCard creates a new version of the card (SageMaker API reference, UpdateModelCard).
    irreversible = "the card gets a new version; a restore writes the previous details as one more version"
    interrupts = NOTHING_RESTARTS

    def apply(self, action: PlannedAction) -> None:
        # Re-read the card and merge only ecoguard's keys, so an edit made since is kept.
        card = self.ports.card(action.resource.name)
        if card is None:
            raise LookupError(f"model card {action.resource.name} no longer exists")
        before, after = action.before[DETAILS], action.after[DETAILS]
        ours = {k: v for k, v in after.items() if before.get(k) != v}
        self.ports.write_content(card.name, with_details(card.content, ours))

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        card = self.ports.card(record.resource.name)
        return None if card is None else {DETAILS: custom_details_of(card.content)}

    def undo(self, record: AuditRecord) -> None:
        card = self.ports.card(record.resource.name)
        if card is None:
            raise LookupError(f"model card {record.resource.name} no longer exists")
        content = dict(card.content)
        info = dict(content.get("additional_information", {}))
        info[DETAILS] = dict(record.before[DETAILS])
        content["additional_information"] = info
        self.ports.write_content(card.name, content)


def connect(clients: Clients) -> ModelCardAdapter:
    return ModelCardAdapter(clients("sagemaker"))


REGISTRY = Registry(GUARDRAIL, "TrainingGuardFunction", (UpdateModelCard,), connect)


class ModelCardImpactRunner(GuardrailRunner):
    guardrail = GUARDRAIL

    def __init__(self, wiring: Wiring, cards: ModelCardAdapter) -> None:
        super().__init__(wiring, REGISTRY.bind(cards))
        self._cards = cards

    @classmethod
    def build(cls, wiring: Wiring) -> ModelCardImpactRunner:
        return cls(wiring, connect(wiring.clients))

    def on_training_completed(
        self, job_name: str, trigger: Trigger, utilization_pct: float | None = None
    ) -> RunSummary:
        executor = self._executor(trigger)
        run = self._cards.training_run(job_name)
        if run is None:
            return executor.summary  # not (or no longer) Completed: an out-of-order event
        # Only the cards that reference the job are written, so only their tags are read.
        cards = [replace(c, tags=self._cards.tags(c.arn)) for c in self._cards.cards() if references(c, run)]
        for plan in decide(run, cards, estimate_of(run, utilization_pct)):
            executor.run(plan)
        return executor.summary
