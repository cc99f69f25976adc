from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from ecoguard.decisions import Finding, PlannedAction, Skip
from ecoguard.guardrails.model_card_impact import (
    KEY_PATTERN,
    MAX_VALUE_LENGTH,
    ModelCard,
    TrainingRun,
    custom_details,
    decide,
    decide_card,
    estimate_of,
    references,
    with_details,
)
from ecoguard.impact import compute_estimate

RUN = TrainingRun("j1", "arn:aws:sagemaker:us-east-1:1:training-job/j1", "us-east-1", "ml.g5.xlarge", 2, 7200)
CONTENT: dict[str, Any] = {
    "model_overview": {"model_id": "m", "model_description": "keep me"},
    "training_details": {"training_job_details": {"training_arn": RUN.arn}},
    "additional_information": {"caveats_and_recommendations": "keep", "custom_details": {"owner": "ml-team"}},
}


def details() -> dict[str, str]:
    estimate = compute_estimate(
        "ml.g5.xlarge", count=2, hours=2, region="us-east-1", utilization_pct=None, period="run"
    )
    return custom_details(RUN, estimate)


def test_custom_details_use_valid_keys_and_short_values_and_carry_the_hf_vocabulary() -> None:
    d = details()
    assert all(KEY_PATTERN.match(k) and len(v) <= MAX_VALUE_LENGTH for k, v in d.items())
    assert {"co2_eq_emissions_emissions_grams", "co2_eq_emissions_hardware_used", "energy_kwh", "pue"} <= set(d)
    assert d["co2_eq_emissions_hardware_used"] == "2 x ml.g5.xlarge (1 x NVIDIA A10G each)"
    assert float(d["co2_eq_emissions_emissions_grams"]) > 0


def test_an_unknown_estimate_is_written_as_unknown_with_the_reason() -> None:
    run = TrainingRun("j2", "arn:aws:sagemaker:us-east-1:1:training-job/j2", "us-east-1", "ml.p5.48xlarge", 1, 3600)
    estimate = compute_estimate(
        "ml.p5.48xlarge", count=1, hours=1, region="us-east-1", utilization_pct=None, period="r"
    )
    d = custom_details(run, estimate)
    assert d["co2_eq_emissions_emissions_grams"] == "unknown" and "not published" in d["estimate_unknown_parts"]


def test_with_details_keeps_every_other_part_of_the_card() -> None:
    updated = with_details(CONTENT, {"energy_kwh": "1.0"})
    assert updated["model_overview"] == CONTENT["model_overview"]
    assert updated["additional_information"]["caveats_and_recommendations"] == "keep"
    assert updated["additional_information"]["custom_details"] == {"owner": "ml-team", "energy_kwh": "1.0"}
    assert CONTENT["additional_information"]["custom_details"] == {"owner": "ml-team"}  # input untouched


def test_a_card_referencing_the_job_gets_a_planned_update_holding_its_previous_details() -> None:
    card = ModelCard("mc", "arn:mc", "Draft", CONTENT)
    assert references(card, RUN)
    decision = decide_card(card, RUN, details())
    assert isinstance(decision, PlannedAction)
    assert decision.before == {"custom_details": {"owner": "ml-team"}}
    assert decision.after["custom_details"]["owner"] == "ml-team"
    assert decision.impact is None  # what a job used is not a saving


@pytest.mark.parametrize(("status", "kind"), [("Archived", "archived-card")])
def test_an_archived_card_is_not_written(status: str, kind: str) -> None:
    decision = decide_card(ModelCard("mc", "arn:mc", status, CONTENT), RUN, details())
    assert isinstance(decision, Finding) and decision.kind == kind


def test_a_card_already_carrying_the_estimate_is_left_alone() -> None:
    d = details()
    card = ModelCard("mc", "arn:mc", "Draft", with_details(CONTENT, d))
    decision = decide_card(card, RUN, d)
    assert isinstance(decision, Finding) and decision.kind == "already-recorded"


def test_a_card_for_another_job_does_not_reference_it() -> None:
    other = {"training_details": {"training_job_details": {"training_arn": "arn:other"}}}
    assert not references(ModelCard("mc", "arn:mc", "Draft", other), RUN)
    assert not references(ModelCard("mc", "arn:mc", "Draft", {}), RUN)


def test_given_cards_then_there_is_one_plan_per_card_that_references_the_run() -> None:
    mine, archived = ModelCard("mc", "arn:mc", "Draft", CONTENT), ModelCard("old", "arn:old", "Archived", CONTENT)
    other = ModelCard("x", "arn:x", "Draft", {"training_details": {"training_job_details": {"training_arn": "arn:y"}}})
    plans = decide(RUN, [mine, other, archived], estimate_of(RUN))
    assert [p.decisions[0].resource.name for p in plans] == ["mc", "old"]
    update, kept = (p.decisions[0] for p in plans)
    assert isinstance(update, PlannedAction) and update.after["custom_details"] == {"owner": "ml-team", **details()}
    assert isinstance(kept, Finding) and kept.kind == "archived-card"
    assert [p.compliant for p in plans] == [False, True]


def test_given_no_card_for_the_run_then_one_plan_keeps_the_estimate_as_a_finding_about_the_job() -> None:
    [plan] = decide(RUN, [], estimate_of(RUN))
    [finding] = plan.decisions
    assert isinstance(finding, Finding) and finding.kind == "training-impact-unattached"
    assert finding.resource.arn == RUN.arn and finding.evidence["kwh"] > 0


def test_given_no_billable_time_then_the_estimate_is_unknown_and_says_why() -> None:
    run = TrainingRun("j3", "arn:aws:sagemaker:us-east-1:1:training-job/j3", "us-east-1", "ml.g5.xlarge", 1, None)
    estimate = estimate_of(run)
    assert estimate.kwh is None and estimate.unknown == ("billable time not reported",)


@pytest.mark.parametrize(
    ("card_tags", "run_tags"), [({"ecoguard:exempt": "true"}, {}), ({}, {"ecoguard:exempt": "True"})]
)
def test_given_an_exempt_card_or_job_then_the_card_is_skipped_never_written(
    card_tags: dict[str, str], run_tags: dict[str, str]
) -> None:
    card = ModelCard("c", "arn:aws:sagemaker:us-east-1:1:model-card/c", "Draft", CONTENT, card_tags)
    run = replace(RUN, tags=run_tags)
    decision = decide_card(card, run, details())
    assert isinstance(decision, Skip) and "ecoguard:exempt=true" in decision.reason
