"""A run's impact metrics are monthly figures: each estimate's rate over a month within its horizon
(``ecoguard.savings``), so estimates stated per idle day, per day and per month add up, and one that states no
rate is left out, never added as it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ecoguard.audit import AuditRecord
from ecoguard.decisions import Mode, Outcome
from ecoguard.invocation import run_metrics
from ecoguard.savings import HOURS_PER_MONTH
from ecoguard.summary import RunSummary
from tests.unit.fakes import entry as record

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)
DAYS_PER_MONTH = HOURS_PER_MONTH / 24


def entry(outcome: Outcome, impact: dict[str, object] | None, action: str = "delete-endpoint") -> AuditRecord:
    return record("r", outcome, impact=impact, action=action)


def summary(*entries: AuditRecord) -> RunSummary:
    run = RunSummary("idle-endpoint", Mode.ENFORCE)
    run.entries = list(entries)
    return run


def test_given_rates_of_different_periods_then_each_becomes_a_month_before_they_are_added() -> None:
    run = summary(
        entry(Outcome.APPLIED, {"kg_co2e": 1.0, "usd": 2.0, "period": "per idle day"}),
        entry(Outcome.APPLIED, {"kg_co2e": 5.0, "usd": None, "period": "per month"}),
        entry(Outcome.APPLIED, {"kg_co2e": 100.0, "usd": 100.0, "period": "the training run"}),  # no rate
        entry(Outcome.APPLIED, None),
        entry(Outcome.WOULD_APPLY, {"kg_co2e": 7.0, "period": "per day"}),
    )
    applied = (Outcome.APPLIED,)
    assert run.monthly(applied, NOW).get("kg_co2e") == pytest.approx(DAYS_PER_MONTH + 5.0)
    assert run.monthly(applied, NOW).get("usd") == pytest.approx(2.0 * DAYS_PER_MONTH)  # unknown left out
    potential = (Outcome.WOULD_APPLY,)
    assert run.monthly(potential, NOW).get("kg_co2e") == pytest.approx(7.0 * DAYS_PER_MONTH)


def test_given_a_stopped_training_job_then_its_month_ends_at_its_max_runtime() -> None:
    ends = (NOW + timedelta(hours=10)).isoformat()
    stop = {"kg_co2e": 24.0, "period": "per day", "horizon_ends_at": ends}
    run = summary(entry(Outcome.APPLIED, stop, "stop-training-job"))
    assert run.monthly((Outcome.APPLIED,), NOW).get("kg_co2e") == pytest.approx(10.0)
    unknown = summary(entry(Outcome.APPLIED, {"kg_co2e": 24.0, "period": "per day"}, "stop-training-job"))
    assert unknown.monthly((Outcome.APPLIED,), NOW).get("kg_co2e") == 0.0, "horizon unknown: left out"


def test_given_a_figure_some_actions_leave_unknown_then_only_its_known_part_is_published_with_the_count() -> None:
    """Issue 31: the run's metrics never publish the known part of a figure as if it were the whole."""
    run = summary(
        entry(Outcome.APPLIED, {"kwh": 1.0, "kg_co2e": 1.0, "usd": 2.0, "period": "per day"}),
        entry(Outcome.APPLIED, {"kwh": 1.0, "kg_co2e": 1.0, "usd": None, "period": "per day"}),
        entry(Outcome.WOULD_APPLY, {"kwh": None, "kg_co2e": None, "usd": None, "period": "per day"}),
        entry(Outcome.FINDING, {"kwh": 3.0, "kg_co2e": 3.0, "usd": 3.0, "period": "per day"}),
    )
    published = run_metrics(run, NOW)
    assert published["RunRateAddedMonthlyKgCO2e"] == pytest.approx(2 * DAYS_PER_MONTH)  # every action knows it
    assert "RunRateAddedMonthlyUsd" not in published, "a part is never published as the whole"
    assert published["RunRateAddedMonthlyUsdKnownPart"] == pytest.approx(2.0 * DAYS_PER_MONTH)
    assert published["RunRateAddedMonthlyUnknownActions"] == 1
    # No action knows the dry-run's figures: neither a figure nor a known part, only the count.
    assert not {k for k in published if k.startswith("PotentialFoundMonthly") and not k.endswith("UnknownActions")}
    assert published["PotentialFoundMonthlyUnknownActions"] == 1
    # Advice never acted on is its own figure, never part of the potential.
    assert published["AdvisoryFoundMonthlyUsd"] == pytest.approx(3.0 * DAYS_PER_MONTH)
    assert published["AdvisoryFoundMonthlyUnknownActions"] == 0


def test_given_no_action_then_every_figure_is_a_true_zero() -> None:
    published = run_metrics(summary(), NOW)
    assert published["RunRateAddedMonthlyUsd"] == 0.0 and published["RunRateAddedMonthlyUnknownActions"] == 0
