"""Readable numbers, tables and what acting interrupts: the words a sustainability lead reads in the report."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from ecoguard.actions import interruptions
from ecoguard.decisions import Outcome
from ecoguard.report.charts import ticks, week_bars
from ecoguard.report.interruptions import ADVICE, NOT_STATED, NOTHING, interrupts
from ecoguard.report.ledger import Week
from ecoguard.report.numbers import cents, parse, quantity
from ecoguard.report.tables import Column, table


@pytest.mark.parametrize(
    ("value", "key", "shown"),
    [
        (0.000177, "kg_co2e", "0.177 gCO2e"),  # the "0.000177 kgCO2e"
        (0.000000846, "kg_co2e", "< 0.1 gCO2e"),  # the "0.000000846 kgCO2e"
        (3.5812, "kg_co2e", "3.58 kgCO2e"),
        (1234.5, "kg_co2e", "1.23 tCO2e"),
        (1500.0, "kwh", "1.50 MWh"),
        (0.5, "kwh", "500 Wh"),
        (1234.56, "usd", "1,230 USD"),
        (12.345, "usd", "12 USD"),
        (0.35, "usd", "< 1 USD"),
        (0.0, "usd", "0 USD"),
        (0.0, "kg_co2e", "0 kgCO2e"),
    ],
)
def test_given_a_figure_then_it_reads_in_a_scaled_unit_to_three_significant_figures_without_cents(
    value: float, key: str, shown: str
) -> None:
    assert quantity(value, key) == shown


@pytest.mark.parametrize("key", ["usd", "kwh", "kg_co2e"])
def test_given_an_unknown_figure_then_it_reads_unknown_never_zero(key: str) -> None:
    assert quantity(None, key).startswith("unknown ") and "0" not in quantity(None, key)


def test_given_a_measured_cost_then_it_keeps_its_cents_and_a_shown_figure_parses_back_to_its_base_unit() -> None:
    assert cents(3.456) == "3.46 USD" and cents(None) == "unknown USD"
    assert parse("1.23 tCO2e") == pytest.approx(1230.0) and parse("500 Wh") == pytest.approx(0.5)
    assert parse("unknown USD") is None and parse("< 1 USD") is None


def test_given_a_peak_then_the_axis_ticks_are_round_and_reach_it() -> None:
    assert ticks(0.0) == [0.0]
    assert ticks(7.3) == [0.0, 2.0, 4.0, 6.0, 8.0]
    marks = ticks(1234.0)
    assert marks[0] == 0 and marks[-1] >= 1234 and len(marks) <= 6


def test_given_a_row_with_a_cell_too_few_then_the_table_refuses_it_and_each_cell_carries_its_header() -> None:
    columns = [Column("resource"), Column("saves USD/month", numeric=True)]
    with pytest.raises(ValueError, match="1 cells for 2 columns"):
        table(columns, [["only one"]])
    html = table(columns, [["a", "12"]])
    assert '<td data-label="resource"><div>a</div></td>' in html
    assert '<td data-label="saves USD/month" class="n"><div>12</div></td>' in html


def test_given_an_action_then_the_report_says_whether_acting_interrupts_anything() -> None:
    """What each action interrupts is its unit's own statement (``ActionUnit.interrupts``), not a table of the
    report's; advice, skips and restores change nothing whatever the action."""
    stated = interruptions()
    assert "kernels" in interrupts("stop-notebook", Outcome.APPLIED, stated)
    assert "cold" in interrupts("delete-endpoint", Outcome.WOULD_APPLY, stated)
    assert interrupts("put-retention-policy", Outcome.APPLIED, stated) == NOTHING
    assert interrupts("finding:hyperpod-cluster", Outcome.FINDING, stated) == ADVICE
    assert interrupts("stop-notebook", Outcome.SKIPPED, stated).startswith("nothing")
    assert interrupts("restore:stop-notebook", Outcome.RESTORED, stated).startswith("nothing")
    assert interrupts("an-action-no-unit-states", Outcome.APPLIED, stated) == NOT_STATED


def test_given_twelve_weeks_then_the_trend_dates_its_axis_with_the_year_and_titles_each_axis_once() -> None:
    """Issue 31: "the trend has dates without a year and two axis labels"."""
    first = datetime(2026, 9, 14, tzinfo=UTC)
    weeks = [Week(first + timedelta(weeks=i), first + timedelta(weeks=i + 1), kg_co2e=1.5 * i) for i in range(12)]
    svg = week_bars(weeks, "kg_co2e", "CO2e avoided per week")
    labels = re.findall(r'text-anchor="middle" fill="[^"]+">([^<]+)</text>', svg)
    dated = [label for label in labels if label != "week starting"]
    assert dated and all(re.fullmatch(r"\d{4}-\d\d-\d\d", label) for label in dated), dated
    assert dated[-1] == "2026-11-30" and labels.count("week starting") == 1
    assert svg.count("CO2e avoided per week (") == 1  # the y axis's unit, once, in the chart's title
