"""The model-card impact record against moto's SageMaker.

Shim: moto 5.2.5's DescribeTrainingJob returns no BillableTimeInSeconds;
tools/simulator/training_jobs.py::billable_time_shim adds it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ecoguard.actions.model_card_impact import ModelCardImpactRunner
from ecoguard.adapters.clients import client
from ecoguard.adapters.model_cards import ModelCardAdapter
from ecoguard.audit import AuditTrail
from ecoguard.clock import utc_now
from ecoguard.decisions import Mode, Outcome
from ecoguard.policy import build_policy
from ecoguard.restore import restore, unit_for
from ecoguard.settings import Settings
from ecoguard.summary import Trigger
from ecoguard.wiring import Wiring
from tests.builders.model_cards import card, model_card, training_job
from tests.builders.restore_checks import account_checks
from tests.conftest import Stack, record_calls
from tools.simulator.training_jobs import billable_time_shim


@pytest.fixture
def run(stack: Stack) -> Callable[[str, Mode], Any]:
    billable_time_shim(7200)

    def go(job: str, mode: Mode) -> Any:
        audit = AuditTrail(client("dynamodb"), stack.resolver.refs["AuditTable"])
        wiring = Wiring(Settings(mode=mode, audit_table=stack.resolver.refs["AuditTable"]), build_policy(), audit)
        runner = ModelCardImpactRunner(wiring, ModelCardAdapter(client("sagemaker")))
        return runner.on_training_completed(job, Trigger(f"evt-{job}-{mode.value}", "test"))

    return go


def test_given_a_card_for_the_job_when_enforced_then_a_new_version_carries_the_estimate_and_keeps_the_rest(
    stack: Stack, run: Callable[[str, Mode], Any]
) -> None:
    model_card("churn-card", training_job("churn-train"))
    summary = run("churn-train", Mode.ENFORCE)
    assert summary.count(Outcome.APPLIED) == 1
    after = card("churn-card")
    assert after["version"] == 2
    details = after["content"]["additional_information"]["custom_details"]
    assert details["team"] == "growth"
    assert float(details["co2_eq_emissions_emissions_grams"]) > 0
    assert details["co2_eq_emissions_hardware_used"] == "2 x ml.g5.xlarge (1 x NVIDIA A10G each)"
    assert after["content"]["model_overview"]["model_description"] == "owner text"
    assert after["content"]["additional_information"]["caveats_and_recommendations"] == "owner caveat"


def test_given_dry_run_then_the_card_is_not_written(stack: Stack, run: Callable[[str, Mode], Any]) -> None:
    model_card("churn-card", training_job("churn-train"))
    calls = record_calls("sagemaker")
    summary = run("churn-train", Mode.DRY_RUN)
    assert summary.count(Outcome.WOULD_APPLY) == 1
    assert "UpdateModelCard" not in calls.calls
    assert card("churn-card")["version"] == 1


def test_given_no_card_references_the_job_then_the_estimate_is_kept_as_a_finding(
    stack: Stack, run: Callable[[str, Mode], Any]
) -> None:
    training_job("orphan-train")
    summary = run("orphan-train", Mode.ENFORCE)
    [record] = [r for r in stack.records() if r.outcome is Outcome.FINDING]
    assert summary.count(Outcome.FINDING) == 1
    assert record.before["kwh"] > 0 and record.before["hardware"].startswith("2 x ml.g5.xlarge")
    assert record.impact is None


def test_given_an_applied_update_when_restored_then_the_previous_details_return(
    stack: Stack, run: Callable[[str, Mode], Any]
) -> None:
    model_card("churn-card", training_job("churn-train"))
    run("churn-train", Mode.ENFORCE)
    [applied] = [r for r in stack.records() if r.outcome is Outcome.APPLIED]
    audit = AuditTrail(client("dynamodb"), stack.resolver.refs["AuditTable"])
    result = restore(
        applied,
        unit=unit_for(applied, client),
        audit=audit,
        mode=Mode.ENFORCE,
        clock=utc_now,
        checks=account_checks(client),
    )
    assert result.outcome is Outcome.RESTORED
    restored = card("churn-card")
    assert restored["content"]["additional_information"]["custom_details"] == {"team": "growth"}
    assert restored["content"]["model_overview"]["model_description"] == "owner text"
