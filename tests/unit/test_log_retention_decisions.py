from __future__ import annotations

import pytest

from ecoguard.decisions import PlannedAction, Skip
from ecoguard.guardrails.log_retention import LogGroup, decide_retention, in_scope, is_candidate
from ecoguard.policy import RETENTION_DAYS, LogRetentionPolicy

POLICY = LogRetentionPolicy()
CAPPED = LogRetentionPolicy(max_days=365)


def group(name: str = "/aws/sagemaker/TrainingJobs", retention: int | None = None) -> LogGroup:
    return LogGroup(name=name, arn=f"arn:aws:logs:us-east-1:123456789012:log-group:{name}", retention_days=retention)


def test_given_a_sagemaker_group_without_retention_then_it_gets_the_default_days() -> None:
    decision = decide_retention(group(), {}, POLICY)
    assert isinstance(decision, PlannedAction)
    assert decision.before == {"retentionInDays": None}
    assert decision.after == {"retentionInDays": 30}
    assert "no retention" in decision.reason


@pytest.mark.parametrize("days", [1, 7, 30, 400, 3653])
def test_given_an_explicit_retention_and_no_maximum_then_it_is_never_touched(days: int) -> None:
    assert not is_candidate(group(retention=days), POLICY)
    assert decide_retention(group(retention=days), {}, POLICY) is None


def test_given_a_maximum_then_a_longer_retention_is_shortened_to_it() -> None:
    decision = decide_retention(group(retention=3653), {}, CAPPED)
    assert isinstance(decision, PlannedAction)
    assert decision.after == {"retentionInDays": 365}
    assert "exceeds the maximum" in decision.reason


def test_given_a_maximum_then_a_shorter_retention_is_kept() -> None:
    assert decide_retention(group(retention=90), {}, CAPPED) is None


@pytest.mark.parametrize(
    "name", ["/ecs/annotation-ui", "/aws/apigateway/x", "aws/lambda/no-leading-slash", "/aws/sagemaker"]
)
def test_given_a_group_outside_the_prefixes_then_no_decision(name: str) -> None:
    assert not in_scope(name, POLICY)
    assert decide_retention(group(name), {}, POLICY) is None


def test_given_all_groups_then_every_group_is_in_scope() -> None:
    assert in_scope("/ecs/annotation-ui", LogRetentionPolicy(all_groups=True))


def test_given_the_guardrail_disabled_then_nothing_is_in_scope() -> None:
    assert decide_retention(group(), {}, LogRetentionPolicy(enabled=False)) is None


@pytest.mark.parametrize("value", ["true", "TRUE", " True "])
def test_given_the_exempt_tag_then_the_group_is_skipped_with_the_reason(value: str) -> None:
    decision = decide_retention(group(), {"ecoguard:exempt": value}, POLICY)
    assert isinstance(decision, Skip)
    assert decision.reason == "tagged ecoguard:exempt=true"
    assert decision.before == {"retentionInDays": None}


@pytest.mark.parametrize("value", ["false", "yes", ""])
def test_given_an_exempt_tag_that_is_not_true_then_the_group_is_governed(value: str) -> None:
    assert isinstance(decide_retention(group(), {"ecoguard:exempt": value}, POLICY), PlannedAction)


def test_given_a_retention_tag_then_it_replaces_the_policy_days() -> None:
    decision = decide_retention(group(), {"ecoguard:retention-days": "7"}, POLICY)
    assert isinstance(decision, PlannedAction)
    assert decision.after == {"retentionInDays": 7}
    assert "from tag" in decision.reason


def test_given_a_retention_tag_above_the_maximum_then_the_owner_wins() -> None:
    assert decide_retention(group(retention=3653), {"ecoguard:retention-days": "3653"}, CAPPED) is None


@pytest.mark.parametrize("value", ["31", "thirty", "-7", "", "7.0"])
def test_given_a_retention_tag_cloudwatch_would_reject_then_the_group_is_skipped_not_acted_on(value: str) -> None:
    decision = decide_retention(group(), {"ecoguard:retention-days": value}, POLICY)
    assert isinstance(decision, Skip)
    assert "not a retention CloudWatch Logs accepts" in decision.reason


@pytest.mark.parametrize("retention", [None, *RETENTION_DAYS])
@pytest.mark.parametrize("policy", [POLICY, CAPPED, LogRetentionPolicy(default_days=1, max_days=1)])
def test_every_planned_retention_is_accepted_by_cloudwatch_and_never_lengthens_or_shortens_wrongly(
    retention: int | None, policy: LogRetentionPolicy
) -> None:
    decision = decide_retention(group(retention=retention), {}, policy)
    if decision is None:
        assert retention is not None and (policy.max_days is None or retention <= policy.max_days)
        return
    assert isinstance(decision, PlannedAction)
    target = decision.after["retentionInDays"]
    assert target in RETENTION_DAYS
    if retention is not None:
        assert policy.max_days is not None and target == policy.max_days < retention
