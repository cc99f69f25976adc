from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from ecoguard.audit import AuditRecord
from ecoguard.decisions import Mode, Outcome, Resource
from ecoguard.regions import advise, geography, ranked
from ecoguard.report import build_report, render_html, render_json

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def record(i: int, outcome: Outcome, kg: float | None, *, guardrail: str = "log-retention", region: str = "us-east-1",
           kind: str = "AWS::Logs::LogGroup", usd: float | None = None) -> AuditRecord:  # fmt: skip
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
        recorded_at=NOW,
        ttl_days=1,
        impact=impact,
    )


def test_an_empty_audit_trail_renders_a_report_that_says_so() -> None:
    report = build_report([], NOW)
    assert report.records == 0
    text = render_html(report)
    assert "from 0 audit records" in text and "<svg" in text
    assert json.loads(render_json(report))["saved"]["kg_co2e"] == 0


def test_savings_count_applied_records_and_potential_counts_dry_run_skips_and_findings() -> None:
    records = [
        record(1, Outcome.APPLIED, 1.0, usd=2.0),
        record(2, Outcome.APPLIED, 0.5, usd=None),
        record(3, Outcome.WOULD_APPLY, 4.0),
        record(4, Outcome.SKIPPED, 8.0),
        record(5, Outcome.FINDING, 16.0, guardrail="training-guard"),
        record(6, Outcome.FAILED, 32.0),
    ]
    report = build_report(records, NOW)
    assert report.saved.kg_co2e == pytest.approx(1.5)
    assert report.saved.usd == pytest.approx(2.0)
    assert report.saved.unknown == 1  # record 2 has no price
    assert report.potential.kg_co2e == pytest.approx(28.0)
    assert report.guardrails["log-retention"].outcomes == {"applied": 2, "would-apply": 1, "skipped": 1, "failed": 1}
    assert [line.resource for line in report.top][:2] == ["/g5", "/g4"]


def test_a_large_audit_trail_renders_with_bounded_top_resources() -> None:
    records = (record(i, Outcome.APPLIED if i % 3 else Outcome.WOULD_APPLY, i / 1000) for i in range(10_000))
    report = build_report(records, NOW, top_n=10)
    assert report.records == 10_000
    # Top resources rank saved and potential together: /g9999 is a would-apply (9999 % 3 == 0).
    assert len(report.top) == 10 and report.top[0].resource == "/g9999"
    html = render_html(report)
    assert html.count("<tr>") > 10 and "10,000 audit records" in html


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
