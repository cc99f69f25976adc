"""The headline figures, named once: the HTML report, ``ecoguard report`` and the CloudWatch dashboard
(metrics ImpactReportFunction publishes) all state these, formatted by ``ecoguard.report.numbers``."""

from __future__ import annotations

from dataclasses import dataclass

from ecoguard.report.ledger import Report
from ecoguard.report.numbers import quantity
from ecoguard.savings import Amounts, published


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
    """Metric name -> value, as ``savings.published`` names them: a figure only when every contributing action
    knows it; its known part (``...KnownPart``) when some do not; and per head the count of actions with an
    unknown figure (``...UnknownActions``). A figure no action knows is left out: no value, never 0."""
    out: dict[str, float] = {}
    for prefix, _, _, amounts in HEADS:
        out.update(published(prefix, getattr(report, amounts)))
    return out


def headline_text(report: Report) -> dict[str, str]:
    """Metric name -> the figure as every view prints it (unit included)."""
    return {f.metric: quantity(value(report, f), f.key) for f in FIGURES}
