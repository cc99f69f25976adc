"""Training job state changes go to two places: a running job to the training guard, a completed
one to the model-card impact record. One function receives both (one EventBridge rule)."""

from __future__ import annotations

from dataclasses import dataclass

from ecoguard.events import EventBridgeEvent, status_key
from ecoguard.events.sagemaker import parse_training_event
from ecoguard.executor import RunSummary, Trigger
from ecoguard.runners.model_card_impact import ModelCardImpactRunner
from ecoguard.runners.training_guard import TrainingGuardRunner
from ecoguard.runners.training_rightsizing import TrainingRightsizingRunner
from ecoguard.sweep import SweepResult


@dataclass(frozen=True)
class TrainingRunners:
    guard: TrainingGuardRunner
    impact: ModelCardImpactRunner
    rightsizing: TrainingRightsizingRunner | None = None  # advice on a completed job (serving_advisor policy)

    def on_state_change(self, event: EventBridgeEvent, trigger: Trigger) -> RunSummary:
        detail = parse_training_event(event)
        if status_key(detail.TrainingJobStatus) == "completed":
            if self.rightsizing is not None:
                self.rightsizing.on_training_completed(detail.TrainingJobName, trigger)
            return self.impact.on_training_completed(detail.TrainingJobName, trigger)
        return self.guard.on_state_change(event, trigger)

    def sweep(self, trigger: Trigger) -> SweepResult:
        return self.guard.sweep(trigger)
