"""Savings with a meaning: avoided to date, monthly run rate and potential, by horizon, from rates alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ecoguard.savings import (
    HOURS_PER_MONTH,
    MAX_RUNTIME_HORIZON,
    OPEN_HORIZON,
    Amounts,
    Effect,
    avoided,
    avoided_between,
    monthly,
    period_hours,
    rate_of,
    run_rate,
)

T0 = datetime(2026, 11, 1, tzinfo=UTC)
DAY = {"kwh": 24.0, "kg_co2e": 12.0, "usd": 48.0, "period": "per idle day"}  # 1 kWh, 0.5 kg, 2 USD per hour


def test_given_a_per_idle_day_estimate_then_its_rate_is_per_hour_and_lasts_until_restored() -> None:
    rate = rate_of("delete-endpoint", DAY)
    assert rate is not None and rate.horizon == OPEN_HORIZON
    assert rate.per_hour == {"kwh": 1.0, "kg_co2e": 0.5, "usd": 2.0}


def test_given_an_action_in_effect_for_ten_hours_then_avoided_to_date_is_ten_hours_of_its_rate() -> None:
    rate = rate_of("delete-endpoint", DAY)
    assert rate is not None
    figures = avoided(rate, Effect(T0), T0 + timedelta(hours=10))
    assert figures == {"kwh": pytest.approx(10.0), "kg_co2e": pytest.approx(5.0), "usd": pytest.approx(20.0)}
    assert run_rate(rate, Effect(T0), T0 + timedelta(hours=10))["usd"] == pytest.approx(2.0 * HOURS_PER_MONTH)


def test_given_a_restored_action_then_it_counts_until_the_restore_and_runs_at_zero_after() -> None:
    rate = rate_of("stop-notebook", DAY)
    assert rate is not None
    effect = Effect(T0, ended=T0 + timedelta(hours=3))
    now = T0 + timedelta(days=5)
    assert avoided(rate, effect, now)["usd"] == pytest.approx(6.0)
    assert run_rate(rate, effect, now) == {"kwh": 0.0, "kg_co2e": 0.0, "usd": 0.0}


def test_given_a_stopped_training_job_then_its_saving_ends_where_max_runtime_would_have_stopped_it() -> None:
    impact = {**DAY, "period": "per day the job would have run at that utilization"}
    ends = T0 + timedelta(hours=30)
    rate = rate_of("stop-training-job", {**impact, "horizon_ends_at": ends.isoformat()})
    assert rate is not None and rate.horizon == MAX_RUNTIME_HORIZON
    # Five days on, only the 30 hours left of MaxRuntime count; nothing runs any more.
    now = T0 + timedelta(days=5)
    assert avoided(rate, Effect(T0), now)["kwh"] == pytest.approx(30.0)
    assert run_rate(rate, Effect(T0), now)["kwh"] == pytest.approx(0.0)
    # Ten hours on, the run rate is the 20 hours left, not a month.
    assert run_rate(rate, Effect(T0), T0 + timedelta(hours=10))["kwh"] == pytest.approx(20.0)


def test_given_a_stopped_job_without_its_max_runtime_then_its_figures_are_unknown_not_a_day() -> None:
    rate = rate_of("stop-training-job", {**DAY, "period": "per day the job would have run at that utilization"})
    assert rate is not None
    assert avoided(rate, Effect(T0), T0 + timedelta(hours=1)) == {"kwh": None, "kg_co2e": None, "usd": None}
    assert monthly(rate, T0)["usd"] is None


def test_given_an_estimate_that_is_not_a_rate_then_it_has_no_rate() -> None:
    assert rate_of("update-model-card", {**DAY, "period": "the training run"}) is None
    assert rate_of("put-retention-policy", None) is None
    assert period_hours("per day, upper bound (bytes stored now)") == 24.0
    assert period_hours("the retraining run") is None


def test_given_an_unknown_price_then_usd_stays_unknown_and_is_counted() -> None:
    rate = rate_of("delete-endpoint", {**DAY, "usd": None})
    assert rate is not None
    totals = Amounts()
    totals.add(monthly(rate, T0))
    totals.add(monthly(rate, T0))
    assert totals.usd == 0.0 and totals.unknown == {"kwh": 0, "kg_co2e": 0, "usd": 2}
    assert totals.kwh == pytest.approx(2 * HOURS_PER_MONTH)


def test_given_a_week_then_only_the_part_in_effect_inside_it_counts() -> None:
    rate = rate_of("delete-endpoint", DAY)
    assert rate is not None
    effect = Effect(T0 + timedelta(days=6), ended=T0 + timedelta(days=9))
    first = avoided_between(rate, effect, T0, T0 + timedelta(days=7))
    second = avoided_between(rate, effect, T0 + timedelta(days=7), T0 + timedelta(days=14))
    assert first["kwh"] == pytest.approx(24.0) and second["kwh"] == pytest.approx(48.0)
    total = avoided(rate, effect, T0 + timedelta(days=14))["kwh"]
    assert total == pytest.approx(first["kwh"] + second["kwh"])  # type: ignore[operator]


def test_given_unknown_figures_then_they_are_counted_per_action_with_reasons_and_never_summed_as_zero() -> None:
    from ecoguard.savings import Amounts

    amounts = Amounts()
    amounts.add({"kwh": None, "kg_co2e": None, "usd": None}, ("no sourced price", "no power figure"))
    amounts.add({"kwh": 1.0, "kg_co2e": 0.5, "usd": None}, ("no sourced price",))
    assert amounts.actions == 2 and amounts.unknown_actions == 2  # per action, not 3 + 2 figures
    assert amounts.reasons == {"no sourced price": 2, "no power figure": 1}
    assert amounts.figure("usd") is None  # no action knows it: unknown, not 0
    assert amounts.figure("kwh") == 1.0 and amounts.partial("kwh") and not amounts.partial("usd")
    assert Amounts().figure("usd") == 0.0  # nothing to add: a true zero
    assert amounts.as_dict()["usd"] is None and amounts.as_dict()["unknown_actions"] == 2
