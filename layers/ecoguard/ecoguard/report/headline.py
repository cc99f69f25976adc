"""The headline figures, named once: the HTML report, ``ecoguard report`` and the CloudWatch dashboard
(metrics ImpactReportFunction publishes) all state these, formatted by ``ecoguard.report.numbers``."""

from __future__ import annotations

from dataclasses import dataclass

from ecoguard.report.ledger import Report
from ecoguard.report.numbers import quantity


@dataclass(frozen=True)
class Figure:
    metric: str  # the CloudWatch metric name (namespace ecoguard)
    label: str
    period: str  # "to date" or "per month": figures of different periods are never added
    amounts: str  # the Report attribute: avoided, run_rate or potential
    key: str  # kwh, kg_co2e or usd


FIGURES = (
    Figure("AvoidedToDateKgCO2e", "Avoided to date", "to date", "avoided", "kg_co2e"),
    Figure("AvoidedToDateKwh", "Avoided to date", "to date", "avoided", "kwh"),
    Figure("AvoidedToDateUsd", "Avoided to date", "to date", "avoided", "usd"),
    Figure("RunRateMonthlyKgCO2e", "Monthly run rate", "per month", "run_rate", "kg_co2e"),
    Figure("RunRateMonthlyKwh", "Monthly run rate", "per month", "run_rate", "kwh"),
    Figure("RunRateMonthlyUsd", "Monthly run rate", "per month", "run_rate", "usd"),
    Figure("PotentialMonthlyKgCO2e", "Potential if enforced", "per month", "potential", "kg_co2e"),
    Figure("PotentialMonthlyKwh", "Potential if enforced", "per month", "potential", "kwh"),
    Figure("PotentialMonthlyUsd", "Potential if enforced", "per month", "potential", "usd"),
)


def value(report: Report, figure: Figure) -> float:
    return report.__getattribute__(figure.amounts).get(figure.key)  # type: ignore[no-any-return]


def headline(report: Report) -> dict[str, float]:
    """Metric name -> value (the known parts; unknown parts are counted in the report, never guessed)."""
    return {f.metric: value(report, f) for f in FIGURES}


def headline_text(report: Report) -> dict[str, str]:
    """Metric name -> the figure as every view prints it (unit included)."""
    return {f.metric: quantity(value(report, f), f.key) for f in FIGURES}
