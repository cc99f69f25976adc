"""The demo account's impact report, as a sustainability lead would read it: headline figures recomputed here
from the audit records alone, each resource once, the trend, the team attribution and the CSV, the CLI
telling the same story, and the page checked in headless Chromium at a desktop and a phone width."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from ecoguard.audit import AuditRecord
from ecoguard.decisions import Outcome
from ecoguard_cli.reporting import report_table
from tools.report_preview import render
from tools.simulator.demo import run_demo

HOURS_PER_MONTH = 730.0


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    report: dict[str, Any] = run_demo(Console(file=io.StringIO(), width=160))["report"]
    return report


# An independent recomputation, written from the definitions in the report (not with ecoguard.report):
# each applied action's per-day rate, from its record until now, its restore, or the end of a training job's
# MaxRuntime; its run rate only while in effect, over the hours left in the month or before the horizon.
def recompute(records: list[AuditRecord], now: datetime) -> dict[str, float]:
    # A restore attempt's trigger id is "restore:<the restored record's sk>@<attempt number>"; the first
    # attempt that restored ends the action.
    restored: dict[tuple[str, str], datetime] = {}
    for r in sorted(records, key=lambda r: r.recorded_at, reverse=True):
        if r.action.startswith("restore:") and r.outcome is Outcome.RESTORED:
            restored[(r.pk, re.sub(r"@\d+$", "", r.trigger_id.removeprefix("restore:")))] = r.recorded_at
    totals = {
        "AvoidedToDateUsd": 0.0,
        "AvoidedToDateKgCO2e": 0.0,
        "RunRateMonthlyUsd": 0.0,
        "RunRateMonthlyKgCO2e": 0.0,
    }
    for r in records:
        impact = r.impact or {}
        if r.outcome is not Outcome.APPLIED or not str(impact.get("period", "")).startswith(
            ("per day", "per idle day")
        ):
            continue
        end, ends_at = now, restored.get((r.pk, r.sk))
        if ends_at is not None:
            end = min(end, ends_at)
        horizon_end = None
        if r.action == "stop-training-job":
            if not impact.get("horizon_ends_at"):
                continue
            horizon_end = datetime.fromisoformat(impact["horizon_ends_at"])
            end = min(end, horizon_end)
        hours = max(0.0, (end - r.recorded_at).total_seconds() / 3600)
        month = 0.0 if ends_at is not None else HOURS_PER_MONTH
        if horizon_end is not None and ends_at is None:
            month = min(month, max(0.0, (horizon_end - max(now, r.recorded_at)).total_seconds() / 3600))
        for key, name in (("usd", "Usd"), ("kg_co2e", "KgCO2e")):
            if impact.get(key) is not None:
                totals[f"AvoidedToDate{name}"] += impact[key] / 24 * hours
                totals[f"RunRateMonthly{name}"] += impact[key] / 24 * month
    return totals


def shown(html: str) -> dict[str, str]:
    return dict(re.findall(r'<b data-metric="(\w+)">([^<]+)</b>', html))


def number(text: str) -> float:
    return float(unescape(text).split()[0].replace(",", ""))


def test_the_headline_states_avoided_to_date_and_run_rate_that_the_audit_records_reproduce(
    demo: dict[str, Any],
) -> None:
    html = Path(demo["path"]).read_text()
    expected = recompute(demo["audit_records"], demo["generated_at"])
    assert expected["RunRateMonthlyUsd"] > 100  # the demo's enforce run really removed waste
    headline = shown(html)
    data = json.loads(Path(demo["path"]).with_suffix(".json").read_text())
    for metric, value in expected.items():
        assert data["headline"][metric] == pytest.approx(value, rel=1e-9, abs=1e-12), metric
        text = headline[metric]
        assert text.endswith(" USD" if metric.endswith("Usd") else " kgCO2e")
        if metric.endswith("Usd"):
            assert number(text) == pytest.approx(value, abs=0.005), metric  # to the cent
        else:
            assert number(text) == pytest.approx(value, rel=0.005, abs=1e-12), metric  # 3 significant figures
    assert "Potential if enforced" in html and "per month" in html


def test_no_resource_appears_twice_and_each_has_its_history_on_request(demo: dict[str, Any]) -> None:
    html = Path(demo["path"]).read_text()
    section = html.split("<h2>Resources</h2>", 1)[1].split("<h2>", 1)[0]
    arns = re.findall(r'<span class="name" title="([^"]+)">', section)
    governed = {r.pk for r in demo["audit_records"]}
    assert len(arns) == len(set(arns)) == len(governed)
    assert section.count("<details><summary>") == len(arns)
    # resnet-idle was would-apply (dry-run), applied (enforce), then restored, with advice: one row, the latest state.
    row = next(r for r in section.split("<tr>") if ">resnet-idle<" in r)
    history = int(re.findall(r"(\d+) record\(s\)", row)[0])
    mine = [r for r in demo["audit_records"] if r.resource.name == "resnet-idle"]
    assert "<b>restored</b>" in row and history == len(mine) >= 3
    assert {r.outcome for r in mine} >= {Outcome.WOULD_APPLY, Outcome.APPLIED, Outcome.RESTORED}


def test_the_trend_team_attribution_and_csv_are_present(demo: dict[str, Any]) -> None:
    html = Path(demo["path"]).read_text()
    assert '<title id="t-kg_co2e">kgCO2e avoided per week</title>' in html and "USD avoided per week" in html
    team = html.split(">By team (cost-allocation tag)</h3>", 1)[1].split("</table>", 1)[0]
    # research and data-platform tag only log groups and notebook instances (tools/simulator/teams.py): the
    # sweeps list the attribution keys too, so their records carry the team.
    teams = set(re.findall(r'<span class="name">([^<]+)</span>', team))
    assert {"growth", "vision", "risk", "nlp", "research", "data-platform"} <= teams
    rows = list(csv.DictReader(Path(demo["csv"]).read_text().splitlines()))
    assert rows and {"action_id", "tag:team", "avoided_to_date_usd", "monthly_run_rate_usd"} <= set(rows[0])
    stopped = [r for r in rows if r["action"] == "stop-training-job" and r["outcome"] == "applied"]
    assert {r["resource_name"] for r in stopped} == {"resnet-idle", "xgboost-cpu"}
    assert {r["tag:team"] for r in stopped} == {"vision", "growth"}  # captured from the job's tags at decision time
    retention = [r for r in rows if r["action"] == "put-retention-policy" and r["outcome"] == "applied"]
    by_prefix = {
        prefix: {r["tag:team"] for r in retention if r["resource_name"].startswith(prefix)}
        for prefix in ("/aws/sagemaker/TrainingJobs/", "/aws/lambda/etl-step-")
    }
    assert by_prefix == {"/aws/sagemaker/TrainingJobs/": {"research"}, "/aws/lambda/etl-step-": {"data-platform"}}
    [notebook] = [r for r in rows if r["action"] == "stop-notebook" and r["outcome"] == "applied"]
    assert (notebook["resource_name"], notebook["tag:team"]) == ("research-idle", "research")
    assert all(re.fullmatch(r"-?\d+\.\d\d|unknown|", r["monthly_run_rate_usd"]) for r in rows)  # cents


def test_the_cli_shows_the_headline_as_the_html_does(demo: dict[str, Any]) -> None:
    out = io.StringIO()
    Console(file=out, width=200).print(report_table(demo["report"]))
    cli = out.getvalue()
    headline = shown(Path(demo["path"]).read_text())
    for metric in ("AvoidedToDateKgCO2e", "AvoidedToDateUsd", "RunRateMonthlyKgCO2e", "RunRateMonthlyUsd"):
        assert unescape(headline[metric]) in cli, metric


@pytest.mark.parametrize("width", [1280, 390])
def test_the_report_reads_well_in_chromium_at_desktop_and_phone_widths(demo: dict[str, Any], width: int) -> None:
    [page] = render(Path(demo["path"]), (width,))
    assert page.console_errors == []
    assert page.scroll_width <= page.viewport == width  # no sideways scrolling
    assert len(page.charts) >= 2
    for chart in page.charts:
        assert chart["width"] > 0 and chart["height"] > 0 and chart["title"]
    assert page.tables and all(t["headers"] > 0 for t in page.tables)
    assert page.screenshot.startswith(b"\x89PNG")


def test_the_trend_weeks_cover_twelve_weeks_ending_at_the_report(demo: dict[str, Any]) -> None:
    data = json.loads(Path(demo["path"]).with_suffix(".json").read_text())
    weeks = data["trend"]
    assert len(weeks) == 12
    assert datetime.fromisoformat(weeks[-1]["week_end"]) == demo["generated_at"]
    assert datetime.fromisoformat(weeks[0]["week_start"]) == demo["generated_at"] - timedelta(weeks=12)
    # Every action of the demo is recent: the weeks add up to the avoided-to-date figure.
    assert sum(w["usd"] for w in weeks) == pytest.approx(data["avoided_to_date"]["usd"])
