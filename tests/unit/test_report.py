from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ecoguard.audit import AuditRecord
from ecoguard.decisions import Mode, Outcome, Resource
from ecoguard.regions import advise, geography, ranked
from ecoguard.report import build_report, render_csv, render_html, render_json

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def record(i: int, outcome: Outcome, kg: float | None, *, guardrail: str = "log-retention", region: str = "us-east-1",
           kind: str = "AWS::Logs::LogGroup", usd: float | None = None, at: datetime = NOW) -> AuditRecord:  # fmt: skip
    impact = None if kg is None else {"kwh": kg * 2, "kg_co2e": kg, "usd": usd, "period": "per day"}
    return AuditRecord(
        guardrail=guardrail,
        resource=Resource(f"arn:aws:logs:{region}:1:log-group:/g{i}", f"/g{i}", kind),
        action="put",
        trigger_id=f"t{i}",
        trigger="test",
        outcome=outcome,
        mode=Mode.ENFORCE if outcome is Outcome.APPLIED else Mode.DRY_RUN,
        reason="r",
        before={},
        after={},
        recorded_at=at,
        ttl_days=1,
        impact=impact,
    )


def test_an_empty_audit_trail_renders_a_report_that_says_so() -> None:
    report = build_report([], NOW)
    assert report.records == 0
    text = render_html(report)
    assert "from 0 audit records" in text and "<svg" in text
    assert json.loads(render_json(report))["avoided_to_date"]["kg_co2e"] == 0


def test_given_dry_run_skip_and_advice_records_then_potential_holds_only_the_dry_run_and_advice_stands_apart() -> None:
    records = [
        record(1, Outcome.APPLIED, 1.0, usd=2.0, at=NOW - timedelta(hours=12)),
        record(2, Outcome.APPLIED, 0.5, usd=None, at=NOW - timedelta(hours=24)),
        record(3, Outcome.WOULD_APPLY, 4.0),
        record(4, Outcome.SKIPPED, 8.0),
        record(5, Outcome.FINDING, 16.0, guardrail="training-guard"),
        record(6, Outcome.FAILED, 32.0),
    ]
    report = build_report(records, NOW)
    # Half a day of record 1 (1 kg/day), a full day of record 2 (0.5 kg/day).
    assert report.avoided.kg_co2e == pytest.approx(0.5 + 0.5)
    assert report.avoided.usd == pytest.approx(1.0)
    assert report.avoided.unknown["usd"] == 1  # record 2 has no price: counted, not guessed
    month_days = 730 / 24
    assert report.run_rate.kg_co2e == pytest.approx(1.5 * month_days)
    # Potential if enforced: only what enforce mode would do (the dry-run record 3); the skip and the finding
    # are advice ecoguard does not act on, a figure of their own, never added to the potential.
    assert report.potential.kg_co2e == pytest.approx(4.0 * month_days) and report.potential.actions == 1
    assert report.advisory.kg_co2e == pytest.approx((8.0 + 16.0) * month_days) and report.advisory.actions == 2
    assert report.guardrails["log-retention"].outcomes == {"applied": 2, "would-apply": 1, "skipped": 1, "failed": 1}
    # Ranked by monthly USD (run rate + potential), then kgCO2e: /g1 is the only one with a price.
    assert [row.name for row in report.resources][:3] == ["/g1", "/g5", "/g4"]


def test_a_large_audit_trail_renders_one_row_per_resource_with_the_page_bounded() -> None:
    records = (record(i, Outcome.APPLIED if i % 3 else Outcome.WOULD_APPLY, i / 1000) for i in range(10_000))
    report = build_report(records, NOW)
    assert report.records == 10_000 and len(report.resources) == 10_000
    assert report.resources[0].name == "/g9999"  # a would-apply: potential ranks with the run rate
    html = render_html(report)
    assert "9,800 more resource(s) in the CSV export" in html and "10,000 audit records" in html


def test_sagemaker_resources_in_a_dirty_region_are_flagged_with_cleaner_neighbours() -> None:
    endpoint = record(1, Outcome.APPLIED, 1.0, region="ap-south-1", kind="AWS::SageMaker::Endpoint")
    report = build_report([endpoint], NOW)
    assert "ap-south-1" in report.regions_flagged
    assert all(geography(r) == "Asia Pacific" for r in report.regions_flagged["ap-south-1"])
    assert "ap-south-1: cleaner nearby" in render_html(report)


def test_region_ranking_is_cleanest_first_with_sources_and_years() -> None:
    ranking = ranked()
    assert ranking[0].region == "eu-north-1"
    values = [f.t_co2e_per_kwh for f in ranking]
    assert values == sorted(values)
    assert all(f.source for f in ranking) and "Unknown" not in [f.region for f in ranking]


def test_only_the_most_intensive_third_is_advised_and_neighbours_are_cleaner_and_nearby() -> None:
    assert advise("eu-north-1") is None
    assert advise("us-west-2") is None
    advice = advise("ap-south-1")
    assert advice is not None
    assert [f.region for f in advice.cleaner][:1] == ["ap-southeast-1"]  # 408 gCO2e/kWh, the cleanest in APAC
    assert all(f.t_co2e_per_kwh * 1e6 < advice.grid_g_per_kwh for f in advice.cleaner)


def test_html_escapes_resource_names() -> None:
    hostile = record(1, Outcome.APPLIED, 1.0)
    hostile = hostile.__class__(**{**hostile.__dict__, "resource": Resource("arn:x", "<script>x</script>", "k")})
    html = render_html(build_report([hostile], NOW))
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html
    assert re.search(r"<svg[^>]+role=\"img\"", html)


def advice(i: int, usd: float, kg: float) -> AuditRecord:
    base = record(i, Outcome.FINDING, kg, guardrail="serving-advisor", kind="AWS::SageMaker::Endpoint", usd=usd)
    impact = {"kwh": kg * 2, "kg_co2e": kg, "usd": usd, "period": "per month"}
    return replace(base, action=f"finding:smaller-instance-{i}", reason=f"advice {i}", impact=impact)


def test_serving_advice_is_its_own_section_ranked_by_monthly_savings() -> None:
    report = build_report([advice(1, 2.0, 9.0), advice(2, 30.0, 1.0), advice(3, 5.0, 1.0)], NOW)
    assert [line.resource for line in report.serving.lines()] == ["/g2", "/g3", "/g1"]
    section = render_html(report).split('<h2 id="serving">', 1)[1].split("<h2", 1)[0]
    assert section.index("/g2") < section.index("/g3") < section.index("/g1")
    # The saving sits under its own header: the cell labelled "saves USD/month" holds it, in whole dollars.
    assert '<td data-label="saves USD/month" class="n"><div>30</div></td>' in section
    heads = re.findall(r"<th[^>]*>([^<]+)</th>", section)
    labels = re.findall(r'<td data-label="([^"]+)"', section.split("</tr>", 2)[1])
    assert heads == labels and heads.index("saves USD/month") < heads.index("evidence")
    assert [row["resource"] for row in json.loads(render_json(report))["serving"]] == ["/g2", "/g3", "/g1"]
    empty = render_html(build_report([record(1, Outcome.APPLIED, 1.0)], NOW))
    assert "No open serving or right-sizing recommendation" in empty


def test_the_csv_has_one_row_per_action_in_its_latest_state_with_cents_and_unknowns() -> None:
    dry = record(1, Outcome.WOULD_APPLY, 1.0, usd=2.0, at=NOW - timedelta(hours=2))
    enforced = replace(record(1, Outcome.APPLIED, 1.0, usd=2.0, at=NOW - timedelta(hours=1)), trigger_id="t1b")
    unpriced = record(2, Outcome.APPLIED, 1.0, usd=None, at=NOW - timedelta(hours=24))
    rows = list(csv.DictReader(io.StringIO(render_csv(build_report([dry, enforced, unpriced], NOW)))))
    assert [(r["resource_name"], r["outcome"]) for r in rows] == [("/g1", "applied"), ("/g2", "applied")]
    assert rows[0]["avoided_to_date_usd"] == "0.08" and rows[0]["monthly_run_rate_usd"] == "60.83"
    assert rows[1]["avoided_to_date_usd"] == "unknown" and rows[1]["avoided_to_date_kg_co2e"] == "1"
