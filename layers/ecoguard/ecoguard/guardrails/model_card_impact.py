"""Record a completed training job's energy and carbon in the model cards that reference it.

SageMaker Model Cards have no environmental field; ``additional_information.custom_details`` is a
string map (keys ``[a-zA-Z_][a-zA-Z0-9_]*``, values at most 1,024 characters). The keys follow the
Hugging Face ``co2_eq_emissions`` metadata (emissions in grams, source, training type, location,
hardware used), plus energy, PUE, grid-factor source and method. Everything else in the card is
kept exactly as it was.

Exempt everywhere (issue 27): a card tagged ``ecoguard:exempt=true``, or a card of a training job so tagged, is
skipped, never written (the card's tags and the job's are read when the job completes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ecoguard.decisions import Decision, Finding, Plan, PlannedAction, Resource, Skip, plan_of
from ecoguard.guardrails.tags import is_exempt
from ecoguard.impact import Estimate, compute_estimate, grid_factor
from ecoguard.instances import lookup

GUARDRAIL = "model-card-impact"
ACTION = "update-model-card"
KEY_PATTERN = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
MAX_VALUE_LENGTH = 1024
ARCHIVED = "Archived"


@dataclass(frozen=True)
class TrainingRun:
    name: str
    arn: str
    region: str
    instance_type: str
    instance_count: int
    billable_seconds: int | None  # None when SageMaker reports no billable or training time
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelCard:
    name: str
    arn: str
    status: str
    content: Mapping[str, Any]
    tags: Mapping[str, str] = field(default_factory=dict)


def hardware(run: TrainingRun) -> str:
    instance = lookup(run.instance_type)
    text = f"{run.instance_count} x {run.instance_type}"
    if instance and instance.accelerator_count:
        text += f" ({instance.accelerator_count} x {instance.accelerator_model} each)"
    return text


def custom_details(run: TrainingRun, estimate: Estimate) -> dict[str, str]:
    factor, listed = grid_factor(run.region)
    grams = "unknown" if estimate.kg_co2e is None else f"{estimate.kg_co2e * 1000:.3f}"
    details = {
        "co2_eq_emissions_emissions_grams": grams,
        "co2_eq_emissions_source": f"ecoguard estimate, method {estimate.method} (Cloud Carbon Footprint)",
        "co2_eq_emissions_training_type": "SageMaker training job",
        "co2_eq_emissions_geographical_location": run.region,
        "co2_eq_emissions_hardware_used": hardware(run),
        "energy_kwh": "unknown" if estimate.kwh is None else f"{estimate.kwh:.6f}",
        "pue": "1.135 (CCF AWS average)",
        "grid_factor_source": f"{factor.source} ({factor.data_year})" if listed else "CCF average (region not listed)",
        "estimation_method": estimate.basis,
        "ecoguard_training_job": run.arn,
    }
    if estimate.unknown:
        details["estimate_unknown_parts"] = "; ".join(estimate.unknown)
    return {k: v[:MAX_VALUE_LENGTH] for k, v in details.items() if KEY_PATTERN.match(k)}


def custom_details_of(content: Mapping[str, Any]) -> dict[str, str]:
    """The card's ``additional_information.custom_details`` (empty if it has none)."""
    return dict(content.get("additional_information", {}).get("custom_details", {}))


def references(card: ModelCard, run: TrainingRun) -> bool:
    details = card.content.get("training_details", {}).get("training_job_details", {})
    return isinstance(details, Mapping) and details.get("training_arn") == run.arn


def with_details(content: Mapping[str, Any], details: Mapping[str, str]) -> dict[str, Any]:
    """A copy of ``content`` whose custom details include ``details``; nothing else changes."""
    updated = json.loads(json.dumps(content))
    info = updated.setdefault("additional_information", {})
    info["custom_details"] = {**info.get("custom_details", {}), **details}
    return dict(updated)


def decide_card(card: ModelCard, run: TrainingRun, details: Mapping[str, str]) -> Decision:
    """Write the estimate into the card. The estimate is what the job used, not a saving, so it is
    kept in the card and the record's ``after``, never in ``impact`` (which the report sums)."""
    resource = Resource(card.arn, card.name, "AWS::SageMaker::ModelCard")
    current = custom_details_of(card.content)
    if card.status == ARCHIVED:
        return Finding(
            GUARDRAIL, resource, "archived-card", "model card is archived; estimate not written", dict(details)
        )
    if is_exempt(card.tags):
        return Skip(GUARDRAIL, resource, "model card tagged ecoguard:exempt=true", {"custom_details": current})
    if is_exempt(run.tags):
        reason = f"training job {run.name} tagged ecoguard:exempt=true; its card is not written"
        return Skip(GUARDRAIL, resource, reason, {"custom_details": current})
    if all(current.get(k) == v for k, v in details.items()):
        return Finding(GUARDRAIL, resource, "already-recorded", "model card already carries this estimate", {})
    return PlannedAction(
        GUARDRAIL,
        resource,
        ACTION,
        before={"custom_details": current},
        after={"custom_details": {**current, **details}},
        reason=f"record the energy and carbon of training job {run.name}",
    )


def unattached(run: TrainingRun, estimate: Mapping[str, Any]) -> Finding:
    """No card references the job: keep the estimate in the audit trail, to attach later."""
    resource = Resource(run.arn, run.name, "AWS::SageMaker::TrainingJob")
    return Finding(
        GUARDRAIL,
        resource,
        "training-impact-unattached",
        "no model card references this training job; its estimate is kept here to attach later",
        {"training_job_arn": run.arn, "hardware": hardware(run), "billable_seconds": run.billable_seconds, **estimate},
    )


def estimate_of(run: TrainingRun, utilization_pct: float | None = None) -> Estimate:
    """What the run used: its instances over its billable time (unknown when SageMaker reports none)."""
    if run.billable_seconds is None:
        return Estimate(None, None, None, "the training run", hardware(run), ("billable time not reported",))
    return compute_estimate(
        run.instance_type,
        count=run.instance_count,
        hours=run.billable_seconds / 3600,
        region=run.region,
        utilization_pct=utilization_pct,
        period="the training run",
    )


def decide(run: TrainingRun, cards: Iterable[ModelCard], estimate: Estimate) -> list[Plan]:
    """A plan per model card that references the run; without one, a plan that keeps the estimate in the
    audit trail (a finding about the training job)."""
    details = custom_details(run, estimate)
    plans = [plan_of(decide_card(card, run, details)) for card in cards if references(card, run)]
    return plans or [plan_of(unattached(run, estimate.to_dict()))]
