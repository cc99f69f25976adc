"""Central aggregation: per-account and per-region breakdowns, latest state per action, and the
single-account report unchanged. Pure: no moto."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoguard.audit import AuditRecord
from ecoguard.central import central_item, latest_states
from ecoguard.decisions import Mode, Outcome, Resource
from ecoguard.events import EventError, parse_event
from ecoguard.forwarding import AUDIT_DETAIL_TYPE, AUDIT_SOURCE
from ecoguard.report import build_org_report, build_report, render_html, render_json

NOW = datetime(2026, 11, 26, tzinfo=UTC)
ACCOUNTS = ("111111111111", "222222222222", "333333333333")
REGIONS = ("us-east-1", "eu-west-1")
OUTCOMES = (Outcome.APPLIED, Outcome.WOULD_APPLY, Outcome.SKIPPED, Outcome.FINDING, Outcome.FAILED)


def record(
    i: int, outcome: Outcome, kg: float | None, region: str = "us-east-1", account: str = ACCOUNTS[0]
) -> AuditRecord:
    impact = None if kg is None else {"kwh": kg * 2, "kg_co2e": kg, "usd": kg * 3, "period": "per week"}
    return AuditRecord(
        guardrail="idle-endpoint",
        resource=Resource(f"arn:aws:sagemaker:{region}:{account}:endpoint/e{i}", f"e{i}", "AWS::SageMaker::Endpoint"),
        action="delete-endpoint",
        trigger_id=f"t{i}",
        trigger="test",
        outcome=outcome,
        mode=Mode.ENFORCE,
        reason="idle",
        before={},
        after={},
        recorded_at=NOW - timedelta(days=7),  # a week ago: avoided to date is one week's figure
        ttl_days=1,
        impact=impact,
    )


def event_of(rec: AuditRecord, account: str, region: str, sequence: int = 1, event_id: str = "e1") -> dict[str, Any]:
    return {
        "version": "0",
        "id": event_id,
        "detail-type": AUDIT_DETAIL_TYPE,
        "source": AUDIT_SOURCE,
        "account": account,
        "time": "2026-11-26T00:00:00Z",
        "region": "us-east-1",
        "resources": [rec.pk],
        "detail": {
            "account": account,
            "region": region,
            "action_id": rec.action_id,
            "outcome": rec.outcome.value,
            "sequence_number": str(sequence),
            "item": rec.to_item(),
        },
    }


located = st.lists(
    st.tuples(
        st.sampled_from(ACCOUNTS),
        st.sampled_from(REGIONS),
        st.sampled_from(OUTCOMES),
        st.one_of(st.none(), st.floats(min_value=0, max_value=1000, allow_nan=False)),
    ),
    max_size=40,
)


@given(located)
def test_given_records_from_several_accounts_and_regions_then_each_breakdown_sums_to_the_total(
    rows: list[tuple[str, str, Outcome, float | None]],
) -> None:
    triples = [(a, r, record(i, o, kg, r, a)) for i, (a, r, o, kg) in enumerate(rows)]
    report = build_org_report(triples, NOW)
    assert report.by_account is not None and report.by_region is not None
    for breakdown in (report.by_account, report.by_region):
        assert sum(b.records for b in breakdown.values()) == report.records == len(rows)
        assert sum(b.avoided.kg_co2e for b in breakdown.values()) == pytest.approx(report.avoided.kg_co2e)
        assert sum(b.run_rate.usd for b in breakdown.values()) == pytest.approx(report.run_rate.usd)
        assert sum(b.potential.usd for b in breakdown.values()) == pytest.approx(report.potential.usd)
        for key in ("kwh", "kg_co2e", "usd"):
            assert sum(b.avoided.unknown[key] + b.potential.unknown[key] for b in breakdown.values()) == (
                report.avoided.unknown[key] + report.potential.unknown[key]
            )
    for account in report.by_account:
        mine = [rec for a, _, rec in triples if a == account]
        own = build_report(mine, NOW)
        assert report.by_account[account].avoided.kg_co2e == pytest.approx(own.avoided.kg_co2e)
        assert report.by_account[account].potential.usd == pytest.approx(own.potential.usd)


def test_given_three_accounts_in_two_regions_then_the_figures_per_account_and_region_are_exact() -> None:
    triples = [
        (ACCOUNTS[0], "us-east-1", record(1, Outcome.APPLIED, 1.0)),
        (ACCOUNTS[0], "eu-west-1", record(2, Outcome.WOULD_APPLY, 2.0, "eu-west-1")),
        (ACCOUNTS[1], "us-east-1", record(3, Outcome.APPLIED, 4.0, account=ACCOUNTS[1])),
        (ACCOUNTS[2], "eu-west-1", record(4, Outcome.FAILED, 8.0, "eu-west-1", ACCOUNTS[2])),
    ]
    data = json.loads(render_json(build_org_report(triples, NOW)))
    # "per week" estimates recorded a week ago: avoided to date is one week's figure; potential is per month.
    assert data["by_account"][ACCOUNTS[0]]["avoided_to_date"]["kg_co2e"] == pytest.approx(1.0)
    assert data["by_account"][ACCOUNTS[0]]["potential_monthly"]["kg_co2e"] == pytest.approx(2.0 * 730 / 168)
    assert data["by_account"][ACCOUNTS[1]]["avoided_to_date"]["usd"] == pytest.approx(12.0)
    assert data["by_account"][ACCOUNTS[1]]["monthly_run_rate"]["usd"] == pytest.approx(12.0 * 730 / 168)
    assert data["by_account"][ACCOUNTS[2]]["outcomes"] == {"failed": 1}
    assert data["by_region"]["us-east-1"]["avoided_to_date"]["kg_co2e"] == pytest.approx(5.0)
    assert data["by_region"]["eu-west-1"]["records"] == 2
    html = render_html(build_org_report(triples, NOW))
    assert ">By account</h3>" in html and ">By region</h3>" in html and ACCOUNTS[2] in html
    assert "ecoguard organization impact report" in html


def test_the_single_account_report_has_no_breakdowns_and_is_unchanged() -> None:
    records = [record(1, Outcome.APPLIED, 1.0), record(2, Outcome.WOULD_APPLY, 2.0)]
    report = build_report(records, NOW)
    data = json.loads(render_json(report))
    assert "by_account" not in data and "by_region" not in data
    assert "organization" not in render_html(report)


def test_given_a_pending_then_an_applied_state_then_the_action_counts_once_as_applied() -> None:
    applied = record(1, Outcome.APPLIED, 1.0)
    pending = applied.with_outcome(Outcome.PENDING)
    items = [
        central_item(parse_event(event_of(applied, ACCOUNTS[0], "us-east-1", sequence=2))),
        central_item(parse_event(event_of(pending, ACCOUNTS[0], "us-east-1", sequence=1))),
    ]
    [latest] = list(latest_states(items))
    assert latest.record == applied and (latest.account, latest.region) == (ACCOUNTS[0], "us-east-1")


def test_the_same_action_in_two_accounts_is_two_actions() -> None:
    rec = record(1, Outcome.APPLIED, 1.0)
    items = [central_item(parse_event(event_of(rec, a, "us-east-1"))) for a in ACCOUNTS[:2]]
    assert [r.account for r in latest_states(items)] == list(ACCOUNTS[:2])


def test_the_central_key_is_account_region_action_and_outcome() -> None:
    rec = record(1, Outcome.WOULD_APPLY, 1.0)
    item = central_item(parse_event(event_of(rec, ACCOUNTS[1], "eu-west-1")))
    assert item["pk"] == {"S": f"{ACCOUNTS[1]}#eu-west-1#{rec.action_id}"} and item["sk"] == {"S": "would-apply"}
    assert item["resource_arn"] == {"S": rec.pk}


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda e: e.update(source="aws.events"), "not an ecoguard audit event"),
        (lambda e: e["detail"].update(account="12"), r"detail\.account"),
        (lambda e: e["detail"].update(account=ACCOUNTS[2]), "not the sending account"),
        (lambda e: e["detail"].update(region="mars"), r"detail\.region"),
        (lambda e: e["detail"].pop("item"), r"detail\.item"),
        (lambda e: e["detail"]["item"].pop("outcome"), r"detail\.item\.outcome"),
        (lambda e: e["detail"]["item"].update(outcome={"S": "exploded"}), r"detail\.item"),
        (lambda e: e["detail"]["item"].update(action_id={"S": "0000000000000000"}), r"action_id"),
        (lambda e: e["detail"].update(sequence_number="x1"), r"sequence_number"),
    ],
)
def test_given_a_malformed_audit_event_then_the_error_names_the_field(
    mutate: Callable[[dict[str, Any]], object], message: str
) -> None:
    event = event_of(record(1, Outcome.APPLIED, 1.0), ACCOUNTS[0], "us-east-1")
    mutate(event)
    with pytest.raises(EventError, match=message):
        central_item(parse_event(event))
