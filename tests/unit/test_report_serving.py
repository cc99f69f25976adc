"""The report's serving section: open recommendations only, the largest monthly saving first, with evidence."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from ecoguard.audit import AuditRecord
from ecoguard.decisions import Mode, Outcome, Resource
from ecoguard.report import build_report, render_html, render_json
from tests.unit.fakes import NOW


def finding(name: str, kind: str, usd: float | None, *, at: int = 0, guardrail: str = "serving-advisor") -> AuditRecord:
    impact: dict[str, Any] | None = (
        None
        if kind.endswith("-closed")
        else {"usd": usd, "kwh": 1.0, "kg_co2e": 0.4, "unknown": [], "current": {"usd": 500.0}}
    )
    return AuditRecord(
        guardrail=guardrail,
        resource=Resource(f"arn:aws:sagemaker:us-east-1:1:endpoint/{name}", name, "AWS::SageMaker::Endpoint"),
        action=f"finding:{kind}",
        trigger_id=f"weekly-{at}",
        trigger="Scheduled Event",
        outcome=Outcome.FINDING,
        mode=Mode.DRY_RUN,
        reason=f"{kind} because <figures>",
        before={
            "rule": kind,
            "recommended": "1 x ml.m5.large",
            "confidence": "high",
            "figures": {"window_days": 14, "p95_cpu_per_vcpu_percent": 12.5},
        },
        after={},
        recorded_at=NOW + timedelta(days=7 * at),
        ttl_days=30,
        impact=impact,
    )


def test_open_recommendations_ranked_by_monthly_usd_and_closed_ones_left_out() -> None:
    records = [
        finding("small", "smaller-instance", 100.0),
        finding("batchy", "batch-transform", 300.0),
        finding("quiet", "serverless", None),
        finding("gone", "smaller-instance", 900.0),
        finding("gone", "smaller-instance-closed", None, at=1),
        finding("train", "training-managed-spot", 5.0, guardrail="training-guard"),
        finding("other", "no-managed-spot", 50.0, guardrail="training-guard"),
    ]
    report = build_report(records, NOW)
    lines = json.loads(render_json(report))["serving"]
    assert [(line["resource"], line["recommendation"]) for line in lines] == [
        ("batchy", "batch-transform"),
        ("small", "smaller-instance"),
        ("train", "training-managed-spot"),
        ("quiet", "serverless"),
    ]
    assert lines[0]["usd_per_month"] == 300.0 and lines[0]["evidence"]["figures"]["window_days"] == 14
    page = render_html(report)
    assert (
        '<h2 id="serving">Serving advice</h2>' in page
        and "batch-transform" in page
        and "p95_cpu_per_vcpu_percent 12.5" in page
    )
    assert page.index("batchy") < page.index("quiet")


def test_a_recommendation_reopened_after_closing_is_open_again() -> None:
    records = [
        finding("ep", "serverless", None),
        finding("ep", "serverless-closed", None, at=1),
        finding("ep", "serverless", None, at=2),
    ]
    assert [line["resource"] for line in json.loads(render_json(build_report(records, NOW)))["serving"]] == ["ep"]


def test_without_advice_the_section_says_so() -> None:
    assert "No open serving or right-sizing recommendation." in render_html(build_report([], NOW))


def test_ecoguard_advise_takes_a_stack_and_prints_the_same_lines_with_their_evidence() -> None:
    import io

    from rich.console import Console

    from ecoguard.report_serving import ServingSection
    from ecoguard_cli.__main__ import parser
    from ecoguard_cli.advice import advice_table

    args = parser().parse_args(["advise", "--stack", "ecoguard-prod"])
    assert (args.command, args.stack, args.json) == ("advise", "ecoguard-prod", False)
    section = ServingSection()
    for record in (finding("batchy", "batch-transform", 300.0), finding("quiet", "serverless", None)):
        section.add(record)
    out = io.StringIO()
    Console(file=out, width=200).print(advice_table(section.lines(), "advice"))
    text = out.getvalue()
    assert text.index("batchy") < text.index("quiet")
    assert "300.00" in text and "unknown" in text and "window_days 14" in text


def test_given_bedrock_commitment_findings_then_they_are_open_advice_and_the_idle_notice_is_not() -> None:
    records = [
        finding("legal", "committed-throughput", None, guardrail="bedrock-throughput"),
        finding("chat", "commitment-ending", None, guardrail="bedrock-throughput"),
        finding("bot", "idle-throughput-notice", None, guardrail="bedrock-throughput"),
        finding("mystery", "throughput-usage-unknown", None, guardrail="bedrock-throughput"),
    ]
    lines = json.loads(render_json(build_report(records, NOW)))["serving"]
    assert sorted((line["resource"], line["recommendation"]) for line in lines) == [
        ("chat", "commitment-ending"),
        ("legal", "committed-throughput"),
    ]
    assert all(line["usd_per_month"] is None for line in lines), "unknown stays unknown"


def test_given_ec2_accelerator_findings_then_advise_lists_the_current_ones_and_the_report_section_does_not() -> None:
    from ecoguard.report_serving import ServingSection

    ec2 = "ec2-accelerators"
    records = [
        finding("i-store", "instance-store", None, guardrail=ec2, at=1),
        finding("i-agentless", "gpu-metric-missing", None, guardrail=ec2, at=1),
        # a week older than the newest: recorded daily while it held, so no longer current (busy, or stopped)
        finding("i-busy-since", "instance-store", None, guardrail=ec2, at=0),
    ]
    section = ServingSection(also=frozenset({ec2}))
    for record in records:
        section.add(record)
    assert sorted(line.resource for line in section.lines()) == ["i-agentless", "i-store"]
    # The report's own serving section keeps to serving and right-sizing advice (the EC2 findings are its
    # resources table's rows).
    assert json.loads(render_json(build_report(records, NOW)))["serving"] == []
