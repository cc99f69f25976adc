"""The impact report: what ecoguard did and what it avoided, built from the audit trail.

- ``ecoguard.savings`` (outside the package, shared with every guardrail run): pure rate arithmetic: avoided
  to date, monthly run rate, potential, horizons;
- ``ledger``: audit records -> actions in their latest state, one row per resource, trend, attribution;
- ``headline``: the headline figures shared by the HTML, the CLI and the CloudWatch dashboard;
- ``numbers``: readable figures (USD to the cent, three significant figures, units);
- ``charts`` and ``page``: inline SVG and the HTML page; ``exports``: JSON and CSV.
"""

from __future__ import annotations

from ecoguard.report.exports import render_csv, render_json
from ecoguard.report.headline import headline, headline_text
from ecoguard.report.ledger import Breakdown, Report, ResourceRow, build_org_report, build_report
from ecoguard.report.page import render_html

__all__ = [
    "Breakdown",
    "Report",
    "ResourceRow",
    "build_org_report",
    "build_report",
    "headline",
    "headline_text",
    "render_csv",
    "render_html",
    "render_json",
]
