"""The headline figures, named once: the HTML report, ``ecoguard report`` and the CloudWatch dashboard
(metrics ImpactReportFunction publishes) all state these, formatted by ``ecoguard.report.numbers``."""

from __future__ import annotations

from dataclasses import dataclass

from ecoguard.report.ledger import Report
from ecoguard.report.numbers import quantity
from ecoguard.savings import Amounts


@dataclass(frozen=True)
class Figure:
    metric: str  # the CloudWatch metric name (namespace ecoguard)
    label: str
    period: str  # "to date" or "per month": figures of different periods are never added
    amounts: str  # the Report attribute: avoided, run_rate, potential or advisory
    key: str  # kwh, kg_co2e or usd


# (metric prefix, label, period, Report attribute), and each in these units: (metric suffix, key).
HEADS = (
    ("AvoidedToDate", "Avoided to date", "to date", "avoided"),
    ("RunRateMonthly", "Monthly run rate", "per month", "run_rate"),
    ("PotentialMonthly", "Potential if enforced", "per month", "potential"),
    # Never added to the potential: ecoguard reports these and does not act on them.
    ("AdvisoryMonthly", "Advisory, not acted on", "per month", "advisory"),
)
UNITS = (("KgCO2e", "kg_co2e"), ("Kwh", "kwh"), ("Usd", "usd"))
FIGURES = tuple(
    Figure(f"{prefix}{suffix}", label, period, amounts, key)
    for prefix, label, period, amounts in HEADS
    for suffix, key in UNITS
)


def amounts_of(report: Report, figure: Figure) -> Amounts:
    found: Amounts = getattr(report, figure.amounts)
    return found


def value(report: Report, figure: Figure) -> float | None:
    """The figure, or None when it is unknown (no contributing action knows it)."""
    return amounts_of(report, figure).figure(figure.key)


def headline(report: Report) -> dict[str, float]:
    """Metric name -> value, for the figures that are known (a sum of known parts; the unknown parts are counted
    in the report). An unknown figure is left out, so the dashboard shows no value rather than a 0."""
    return {f.metric: v for f in FIGURES if (v := value(report, f)) is not None}


def headline_text(report: Report) -> dict[str, str]:
    """Metric name -> the figure as every view prints it (unit included)."""
    return {f.metric: quantity(value(report, f), f.key) for f in FIGURES}
