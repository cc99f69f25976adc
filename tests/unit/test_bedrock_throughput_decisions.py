"""The Bedrock Provisioned Throughput rules (guardrails/bedrock_throughput.py), one by one, without AWS."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from ecoguard.decisions import Finding, Outcome, PlannedAction, Put, Remove, Skip
from ecoguard.guardrails.bedrock_throughput import (
    COMMITMENT_ENDING,
    COMMITTED,
    DELETE,
    METRICS,
    NOTICE,
    UNKNOWN_USAGE,
    Mark,
    MetricEvidence,
    ObservedThroughput,
    Throughput,
    Usage,
    plan_throughput,
    usage_verdict,
)
from ecoguard.policy import BedrockThroughputPolicy

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
ARN = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdefghijkl"
POLICY = BedrockThroughputPolicy()
ZERO = MetricEvidence(datapoints=7, maximum=0.0, total=0.0)
IDLE = dict.fromkeys(METRICS, ZERO)
NO_DATA = dict.fromkeys(METRICS, MetricEvidence())
NOT_NOTICED = Mark()


def throughput(**changes: object) -> Throughput:
    base = Throughput(
        name="support-bot",
        arn=ARN,
        model_arn="arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1",
        foundation_model_arn="arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1",
        model_units=2,
        desired_model_units=2,
        status="InService",
        created=NOW - timedelta(days=30),
        tags={"team": "search"},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def observe(
    t: Throughput | None = None, evidence: dict[str, MetricEvidence] | None = None, mark: Mark = NOT_NOTICED
) -> ObservedThroughput:
    return ObservedThroughput(t or throughput(), IDLE if evidence is None else evidence, mark)


def test_given_a_positive_maximum_on_one_metric_when_judged_then_it_is_busy() -> None:
    evidence = IDLE | {"OutputTokenCount": MetricEvidence(datapoints=7, maximum=3.0, total=3.0)}
    assert usage_verdict(evidence) is Usage.BUSY


def test_given_zero_datapoints_added_beside_a_busy_day_when_judged_then_the_maximum_still_says_busy() -> None:
    # Many zeros cannot pull the Maximum down, nor the Sum: one real request is use.
    evidence = IDLE | {"Invocations": MetricEvidence(datapoints=500, maximum=1.0, total=1.0)}
    assert usage_verdict(evidence) is Usage.BUSY


def test_given_an_incomplete_answer_when_judged_then_usage_is_unknown() -> None:
    evidence = IDLE | {"InputTokenCount": MetricEvidence(datapoints=3, maximum=0.0, total=0.0, complete=False)}
    assert usage_verdict(evidence) is Usage.UNKNOWN


def test_given_a_metric_missing_from_the_evidence_when_judged_then_usage_is_unknown() -> None:
    assert usage_verdict({"Invocations": ZERO}) is Usage.UNKNOWN


def test_given_no_datapoint_at_all_when_judged_then_it_is_no_data_not_idle() -> None:
    assert usage_verdict(NO_DATA) is Usage.NO_DATA


def test_given_a_throughput_not_in_service_when_planned_then_nothing_is_decided() -> None:
    for status in ("Creating", "Updating", "Failed"):
        assert plan_throughput(observe(throughput(status=status)), POLICY, NOW).decisions == ()


def test_given_a_throughput_younger_than_the_window_when_planned_then_it_is_not_judged() -> None:
    young = throughput(created=NOW - timedelta(days=6))
    assert plan_throughput(observe(young), POLICY, NOW).decisions == ()


def test_given_an_idle_no_commitment_throughput_not_yet_noticed_when_planned_then_a_notice_sets_the_mark() -> None:
    plan = plan_throughput(observe(), POLICY, NOW)
    (notice,) = plan.decisions
    assert isinstance(notice, Finding) and notice.kind == NOTICE
    assert "72 h after this notice" in notice.reason and "cannot be brought back" in notice.reason
    assert plan.state_change is not None
    assert isinstance(plan.state_change.settle[Outcome.FINDING], Put)


def test_given_a_notice_within_the_grace_when_planned_then_nothing_is_deleted_yet() -> None:
    mark = Mark(NOW - timedelta(hours=71), version=1)
    assert plan_throughput(observe(mark=mark), POLICY, NOW).decisions == ()


def test_given_a_notice_past_the_grace_when_planned_then_it_is_deleted_with_what_buying_it_again_needs() -> None:
    mark = Mark(NOW - timedelta(hours=72), version=1)
    plan = plan_throughput(observe(mark=mark), POLICY, NOW)
    (delete,) = plan.decisions
    assert isinstance(delete, PlannedAction) and delete.action == DELETE
    before = delete.before
    assert before["provisionedModelName"] == "support-bot"
    assert before["modelArn"].endswith("amazon.titan-text-express-v1")
    assert before["foundationModelArn"].endswith("amazon.titan-text-express-v1")
    assert before["modelUnits"] == 2 and before["commitmentDuration"] is None
    assert before["tags"] == [{"key": "team", "value": "search"}]
    assert delete.after == {"exists": False}
    assert plan.state_change is not None and isinstance(plan.state_change.settle[Outcome.APPLIED], Remove)


def test_given_an_idle_exempt_throughput_when_planned_then_it_is_skipped_and_not_noticed() -> None:
    exempt = throughput(tags={"ecoguard:exempt": "true"})
    plan = plan_throughput(observe(exempt, mark=Mark(NOW - timedelta(days=9), 1)), POLICY, NOW)
    (skip,) = plan.decisions
    assert isinstance(skip, Skip) and "exempt" in skip.reason
    assert plan.state_change is None


def test_given_a_noticed_throughput_used_again_when_planned_then_the_notice_is_cleared() -> None:
    busy = IDLE | {"Invocations": MetricEvidence(datapoints=1, maximum=2.0, total=2.0)}
    plan = plan_throughput(observe(evidence=busy, mark=Mark(NOW - timedelta(days=1), 3)), POLICY, NOW)
    assert plan.decisions == ()
    assert plan.state_change is not None and isinstance(plan.state_change.otherwise, Remove)


def test_given_no_data_when_planned_then_a_finding_says_usage_is_unknown_and_nothing_is_noticed() -> None:
    plan = plan_throughput(observe(evidence=NO_DATA), POLICY, NOW)
    (finding,) = plan.decisions
    assert isinstance(finding, Finding) and finding.kind == UNKNOWN_USAGE
    assert "no datapoint" in finding.reason and plan.state_change is None


def test_given_no_data_and_the_policy_treating_it_as_idle_when_planned_then_it_is_noticed() -> None:
    policy = BedrockThroughputPolicy(no_data_is_idle=True)
    (notice,) = plan_throughput(observe(evidence=NO_DATA), policy, NOW).decisions
    assert isinstance(notice, Finding) and notice.kind == NOTICE


def test_given_an_incomplete_answer_past_the_grace_when_planned_then_nothing_is_deleted() -> None:
    evidence = IDLE | {"Invocations": MetricEvidence(datapoints=2, maximum=0.0, total=0.0, complete=False)}
    plan = plan_throughput(observe(evidence=evidence, mark=Mark(NOW - timedelta(days=9), 1)), POLICY, NOW)
    assert [d.kind for d in plan.decisions if isinstance(d, Finding)] == [UNKNOWN_USAGE]
    assert plan.actions == ()


def test_given_a_committed_idle_throughput_past_any_grace_when_planned_then_it_is_never_deleted() -> None:
    committed = throughput(commitment="SixMonths", commitment_ends=NOW + timedelta(days=90))
    plan = plan_throughput(observe(committed, mark=Mark(NOW - timedelta(days=30), 1)), POLICY, NOW)
    (finding,) = plan.decisions
    assert isinstance(finding, Finding) and finding.kind == COMMITTED
    assert "until 2027-03-07" in finding.reason and "cannot be deleted before" in finding.reason
    assert plan.actions == ()


def test_given_a_committed_idle_throughput_near_its_end_when_planned_then_the_notice_says_do_not_renew() -> None:
    committed = throughput(commitment="OneMonth", commitment_ends=NOW + timedelta(days=10))
    (finding,) = plan_throughput(observe(committed), POLICY, NOW).decisions
    assert isinstance(finding, Finding) and finding.kind == COMMITMENT_ENDING
    assert finding.reason.startswith("do not renew: OneMonth commitment ends 2026-12-17")


def test_given_a_committed_busy_throughput_near_its_end_when_planned_then_the_notice_does_not_say_do_not_renew() -> (
    None
):
    committed = throughput(commitment="OneMonth", commitment_ends=NOW + timedelta(days=10))
    busy = IDLE | {"Invocations": MetricEvidence(datapoints=1, maximum=5.0, total=5.0)}
    (finding,) = plan_throughput(observe(committed, busy), POLICY, NOW).decisions
    assert isinstance(finding, Finding) and finding.kind == COMMITMENT_ENDING
    assert "do not renew" not in finding.reason and "it was used" in finding.reason


def test_given_a_commitment_whose_term_is_over_when_planned_then_a_finding_says_it_bills_until_deleted() -> None:
    committed = throughput(commitment="OneMonth", commitment_ends=NOW - timedelta(days=2))
    (finding,) = plan_throughput(observe(committed), POLICY, NOW).decisions
    assert isinstance(finding, Finding) and "ended 2026-12-05" in finding.reason and "until deleted" in finding.reason


def test_given_no_listed_price_when_estimated_then_the_cost_is_unknown_never_zero() -> None:
    (notice,) = plan_throughput(observe(), POLICY, NOW).decisions
    assert notice.impact is not None
    assert notice.impact["usd"] is None and notice.impact["kwh"] is None
    assert any("no price for this model" in why for why in notice.impact["unknown"])


def test_given_the_guardrail_disabled_when_planned_then_nothing_is_decided() -> None:
    assert plan_throughput(observe(), BedrockThroughputPolicy(enabled=False), NOW).decisions == ()


def test_given_a_deletion_applied_then_the_report_says_what_it_interrupts() -> None:
    from ecoguard.actions import interruptions
    from ecoguard.report.interruptions import interrupts

    said = interrupts(DELETE, Outcome.APPLIED, interruptions())
    assert said.startswith("requests to its ARN fail") and "new ARN" in said
