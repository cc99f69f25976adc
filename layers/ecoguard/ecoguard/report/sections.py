"""Sections of the report's page beside its figures: the serving advice (``ecoguard.report_serving``), reserved
capacity left unused (``ecoguard.report_commitments``) and the savings measured from the bill
(``ecoguard.report.measured``), each a table of ``ecoguard.report.tables``."""

from __future__ import annotations

import html
from datetime import timedelta

from ecoguard.report.ledger import Report
from ecoguard.report.measured import MEASURED, NOT_VERIFIED, Measurement
from ecoguard.report.numbers import cents, quantity, usd
from ecoguard.report.tables import Column, table, token
from ecoguard.report_commitments import CommitmentLine
from ecoguard.report_serving import ServingLine, evidence_text


def _e(text: object) -> str:
    return html.escape(str(text))


SERVING_COLUMNS = [
    Column("resource"),
    Column("recommendation"),
    Column("to"),
    Column("confidence"),
    Column("costs now USD/month", numeric=True),
    Column("saves USD/month", numeric=True),
    Column("energy/month", numeric=True),
    Column("CO2e/month", numeric=True),
    Column("evidence", wide=True),
]


def serving_row(line: ServingLine) -> list[str]:
    """One recommendation, its cells in ``SERVING_COLUMNS``' order."""
    return [
        f'<span class="name">{token(line.resource)}</span>',
        token(line.kind),
        _e(line.recommended),
        token(line.confidence),
        _e(usd(line.current_usd).removesuffix(" USD")),
        _e(usd(line.usd).removesuffix(" USD")),
        _e(quantity(line.kwh, "kwh")),
        _e(quantity(line.kg_co2e, "kg_co2e")),
        f'<span class="prose">{_e(evidence_text(line))}</span>',
    ]


def serving_section(report: Report) -> str:
    """Open serving and right-sizing advice, the largest monthly saving first (``ecoguard.report_serving``)."""
    lines = report.serving.lines()
    if not lines:
        return '<h2 id="serving">Serving advice</h2><p class="note">No open serving or right-sizing recommendation.</p>'
    return (
        '<h2 id="serving">Serving advice</h2><p class="note">Open recommendations from each endpoint\'s (or '
        "training job's) own metrics, the largest monthly saving first. Advice only: nothing was changed, and none "
        "of it is in the potential if enforced.</p>" + table(SERVING_COLUMNS, [serving_row(line) for line in lines])
    )


MEASURED_COLUMNS = [
    Column("resource"),
    Column("action"),
    Column("applied"),
    Column("estimate USD/day", numeric=True),
    Column("before USD/day", numeric=True),
    Column("after USD/day", numeric=True),
    Column("measured saving USD/day", numeric=True),
    Column("status", wide=True),
]


def measured_section(report: Report) -> str:
    """Estimates beside the bill: each applied action's measured daily cost before and after, or why not."""
    heading = '<h2 id="measured">Measured from the bill</h2>'
    measurement: Measurement | None = report.measured
    if measurement is None:
        return heading + (
            '<p class="note">Not measured: every figure above is an estimate. Set report.measured_savings.enabled '
            "in the policy (and enable resource-level data in Cost Explorer) to see, for each applied action, its "
            "resource's daily cost before and after, from the bill.</p>"
        )
    counts = measurement.counts()
    rows = [
        [
            f'<span class="name" title="{_e(m.resource_arn)}">{token(m.resource_name)}</span>',
            token(m.action),
            f"<time>{m.applied_at:%Y-%m-%d %H:%M}</time>",
            _e(cents(m.estimate_usd_per_day).removesuffix(" USD")),
            "-" if m.before_usd_per_day is None else _e(cents(m.before_usd_per_day).removesuffix(" USD")),
            "-" if m.after_usd_per_day is None else _e(cents(m.after_usd_per_day).removesuffix(" USD")),
            "-" if m.saved_usd_per_day is None else _e(cents(m.saved_usd_per_day).removesuffix(" USD")),
            f"<b>{_e(m.status)}</b>: {_e(m.reason)}" + (" (the bill is still estimated)" if m.estimated_bill else ""),
        ]
        for m in sorted(measurement.lines, key=lambda m: (m.status != MEASURED, m.resource_name))
    ]
    return (
        heading
        + f'<p class="note">From Cost Explorer\'s resource-level daily cost, {measurement.window.start:%Y-%m-%d} to '
        f"{measurement.window.end - timedelta(days=1):%Y-%m-%d}: {counts[MEASURED]} action(s) measured, "
        f"{counts[NOT_VERIFIED]} not verified.</p>"
        + (table(MEASURED_COLUMNS, rows) if rows else '<p class="note">No applied action to measure.</p>')
    )


COMMITMENT_COLUMNS = [
    Column("commitment"),
    Column("kind"),
    Column("ends"),
    Column("unused instances", numeric=True),
    Column("unused instance-hours", numeric=True),
    Column("what would use them", wide=True),
]


def commitment_row(line: CommitmentLine) -> list[str]:
    unused = (
        "unknown"
        if line.available is None
        else f"{line.available} of {line.total if line.total is not None else 'unknown'}"
    )
    hours = "unknown" if line.unused_instance_hours is None else f"{line.unused_instance_hours:,.0f}"
    return [
        f'<span class="name" title="{_e(line.arn)}">{token(line.resource)}</span>',
        token(line.commitment),
        "unknown" if line.ends is None else f"<time>{line.ends:%Y-%m-%d %H:%M}</time>",
        _e(unused),
        _e(hours),
        f'<span class="prose">{_e(line.reason)}</span>',
    ]


def commitments_section(report: Report) -> str:
    """Training plans and Capacity Blocks still running with reserved hours noticed unused (notices only)."""
    lines = report.commitments.lines(report.generated_at)
    heading = '<h2 id="reserved-capacity">Reserved capacity left unused</h2>'
    if not lines:
        return heading + '<p class="note">No training plan or Capacity Block noticed with reserved hours unused.</p>'
    return (
        heading + '<p class="note">Capacity paid in advance, noticed before it ends with reserved instances unused, '
        "the soonest end first. Stopping or scaling down saves nothing here: use the hours. Notices only, never in "
        "the potential.</p>" + table(COMMITMENT_COLUMNS, [commitment_row(line) for line in lines])
    )
