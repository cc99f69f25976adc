"""The impact report: what ecoguard did and what it avoided, built from the audit trail.

- ``savings``: pure rate arithmetic: avoided to date, monthly run rate, potential, horizons;
- ``ledger``: audit records -> actions in their latest state, one row per resource, trend, attribution;
- ``headline``: the headline figures shared by the HTML, the CLI and the CloudWatch dashboard;
- ``numbers``: readable figures (USD to the cent, three significant figures, units);
- ``charts`` and ``page``: inline SVG and the HTML page; ``exports``: JSON and CSV.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ecoguard.report.exports import render_csv, render_json
    from ecoguard.report.headline import headline, headline_text
    from ecoguard.report.ledger import Breakdown, Report, ResourceRow, build_org_report, build_report
    from ecoguard.report.page import render_html

# Loaded on first use: every guardrail function imports ``savings`` alone (its run metrics are monthly
# figures), and the page, ledger and exports cost about 55 ms of cold start it does not need.
_FROM = {
    "render_csv": "exports",
    "render_json": "exports",
    "headline": "headline",
    "headline_text": "headline",
    "Breakdown": "ledger",
    "Report": "ledger",
    "ResourceRow": "ledger",
    "build_org_report": "ledger",
    "build_report": "ledger",
    "render_html": "page",
}


def __getattr__(name: str) -> Any:
    if name not in _FROM:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_FROM[name]}"), name)


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
