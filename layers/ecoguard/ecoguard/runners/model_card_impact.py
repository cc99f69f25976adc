"""On a completed training job: estimate its energy and carbon, and write it into its model cards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ecoguard.actions.model_card_impact import REGISTRY
from ecoguard.adapters.model_cards import ModelCardAdapter
from ecoguard.audit import AuditTrail
from ecoguard.decisions import Mode
from ecoguard.executor import RunSummary, Trigger
from ecoguard.guardrails.model_card_impact import GUARDRAIL, decide, estimate_of
from ecoguard.policy import AuditPolicy, Policy
from ecoguard.runner import GuardrailRunner


class ModelCardImpactRunner(GuardrailRunner):
    guardrail = GUARDRAIL

    def __init__(
        self, *, cards: ModelCardAdapter, audit: AuditTrail, mode: Mode, clock: Callable[[], datetime], ttl_days: int
    ) -> None:
        # The record has no policy section of its own: only its audit records' lifetime.
        policy = Policy(version=1, audit=AuditPolicy(ttl_days=ttl_days))
        super().__init__(audit=audit, policy=policy, mode=mode, clock=clock, units=REGISTRY.bind(cards))
        self._cards = cards

    def on_training_completed(
        self, job_name: str, trigger: Trigger, utilization_pct: float | None = None
    ) -> RunSummary:
        executor = self._executor(trigger)
        run = self._cards.training_run(job_name)
        if run is None:
            return executor.summary  # not (or no longer) Completed: an out-of-order event
        for plan in decide(run, self._cards.cards(), estimate_of(run, utilization_pct)):
            executor.run(plan)
        return executor.summary
