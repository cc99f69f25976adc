"""LogRetentionFunction end to end: the handler from template.yaml, on a simulated account."""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from ecoguard.deadline import DEADLINE_MARGIN_MS
from ecoguard.decisions import Mode, Outcome
from ecoguard.invocation import invoke_own_function
from ecoguard.policy import PolicyError
from ecoguard.settings import SettingsError
from tests.builders.log_retention import CREATED, created_event, logs
from tests.conftest import (
    REGION,
    Stack,
    assert_rejected,
    event_files,
    fail_calls,
    lambda_async_invoke_shim,
    load_event,
    record_calls,
)
from tools.simulator.seed import LOG_GROUPS, retention_snapshot, seed_log_groups

FN = "LogRetentionFunction"
SWEEP = "log_retention/scheduled-sweep.json"
OUT_OF_SCOPE = ("/ecs/", "/aws/apigateway/", "/aws/codebuild/")


def expected_after_enforce(name: str, retention: int | None, tags: dict[str, str]) -> int | None:
    if name.startswith(OUT_OF_SCOPE) or retention is not None:
        return retention
    if tags.get("ecoguard:exempt", "").lower() == "true":
        return None
    if tags.get("ecoguard:retention-days") == "7":
        return 7
    if "ecoguard:retention-days" in tags:
        return None  # an invalid value: skipped
    return 30


@pytest.fixture
def seeded(stack: Stack) -> Stack:
    seed_log_groups()
    return stack


@pytest.mark.parametrize(
    "path", sorted(Path(p) for p in event_files() if p.parent.name == "log_retention"), ids=lambda p: p.name
)
def test_given_each_sample_event_when_invoked_in_dry_run_then_it_succeeds_and_changes_nothing(
    seeded: Stack, path: Path
) -> None:
    before = retention_snapshot()
    [result] = seeded.invoke(FN, json.loads(path.read_text()), env={"ECOGUARD_MODE": "dry-run"})
    assert retention_snapshot() == before
    assert result["mode"] == "dry-run"
    assert result.get("would-apply", 0) >= 1


def test_given_a_seeded_account_when_enforce_sweeps_then_every_group_ends_as_the_policy_says(seeded: Stack) -> None:
    [result] = seeded.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert result["finished"] is True
    after = retention_snapshot()
    for name, retention, tags in LOG_GROUPS:
        assert after[name] == expected_after_enforce(name, retention, tags), name
    records = seeded.records()
    applied = {r.resource.name for r in records if r.outcome is Outcome.APPLIED}
    assert applied == {n for n, r, t in LOG_GROUPS if r is None and expected_after_enforce(n, r, t) is not None}
    skipped = {r.resource.name: r.reason for r in records if r.outcome is Outcome.SKIPPED}
    assert skipped["/aws/lambda/legal-hold-exporter"] == "tagged ecoguard:exempt=true"
    assert "not a retention" in skipped["/aws/sagemaker/Endpoints/recsys-two-tower"]
    assert all(r.before == {"retentionInDays": None} for r in records if r.outcome is Outcome.APPLIED)


def test_given_a_seeded_account_when_dry_run_sweeps_then_nothing_changes_and_every_would_apply_is_recorded(
    seeded: Stack,
) -> None:
    before = retention_snapshot()
    [result] = seeded.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "dry-run"})
    assert retention_snapshot() == before
    would = {r.resource.name: r for r in seeded.records() if r.outcome is Outcome.WOULD_APPLY}
    assert set(would) == {n for n, r, t in LOG_GROUPS if r is None and expected_after_enforce(n, r, t) is not None}
    assert result["would-apply"] == len(would)
    assert would["/aws/sagemaker/TrainingJobs"].after == {"retentionInDays": 30}
    assert all(r.mode is Mode.DRY_RUN for r in would.values())


def test_given_dry_run_then_no_write_call_reaches_cloudwatch_logs(seeded: Stack) -> None:
    calls = record_calls("logs")
    seeded.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "dry-run"})
    assert set(calls.calls) <= {"DescribeLogGroups", "ListTagsForResource"}


def test_given_a_create_log_group_event_then_that_group_gets_its_retention_at_once(stack: Stack) -> None:
    logs().create_log_group(logGroupName="/aws/sagemaker/Endpoints/new-model")
    [result] = stack.invoke(FN, created_event("/aws/sagemaker/Endpoints/new-model"), env={"ECOGUARD_MODE": "enforce"})
    assert result["applied"] == 1
    assert retention_snapshot()["/aws/sagemaker/Endpoints/new-model"] == 30


def test_given_the_same_event_delivered_twice_then_the_second_changes_nothing(stack: Stack) -> None:
    logs().create_log_group(logGroupName="/aws/lambda/twice")
    event = created_event("/aws/lambda/twice")
    stack.invoke(FN, event, env={"ECOGUARD_MODE": "dry-run"})
    calls = record_calls("logs")
    [second] = stack.invoke(FN, event, env={"ECOGUARD_MODE": "dry-run"})
    assert second.get("duplicate") == 1 and "would-apply" not in second
    assert len([r for r in stack.records() if r.resource.name == "/aws/lambda/twice"]) == 1
    assert "PutRetentionPolicy" not in calls.calls

    stack.invoke(FN, event | {"id": "enforce-1"}, env={"ECOGUARD_MODE": "enforce"})
    [again] = stack.invoke(FN, event | {"id": "enforce-1"}, env={"ECOGUARD_MODE": "enforce"})
    assert again.get("applied", 0) == 0
    assert Counter(r.outcome for r in stack.records())[Outcome.APPLIED] == 1


def test_given_a_failed_or_other_api_call_then_it_is_ignored(stack: Stack) -> None:
    event = created_event("/aws/lambda/denied")
    event["detail"]["errorCode"] = "AccessDenied"
    calls = record_calls("logs")
    [result] = stack.invoke(FN, event, env={"ECOGUARD_MODE": "enforce"})
    assert result["evaluated"] == 0 and not calls.calls


def test_given_throttling_on_30_percent_of_writes_then_every_group_is_handled_across_invocations(seeded: Stack) -> None:
    injected = fail_calls("logs", "PutRetentionPolicy", "ThrottlingException", rate=0.3)
    calls = record_calls("logs")
    results = seeded.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert injected["PutRetentionPolicy"] >= 5
    assert len(results) == injected["PutRetentionPolicy"] + 1, "one hand-off per throttled write"
    assert results[-1]["finished"] is True
    after = retention_snapshot()
    for name, retention, tags in LOG_GROUPS:
        assert after[name] == expected_after_enforce(name, retention, tags), name
    # Every attempt, throttled ones included.
    puts = Counter(p["logGroupName"] for op, p in calls.params if op == "PutRetentionPolicy")
    expected = {n for n, r, t in LOG_GROUPS if r is None and expected_after_enforce(n, r, t) is not None}
    assert set(puts) == expected
    assert sum(puts.values()) == len(expected) + injected["PutRetentionPolicy"], (
        "no group written twice once it succeeded"
    )
    applied = Counter(r.resource.name for r in seeded.records() if r.outcome is Outcome.APPLIED)
    assert set(applied.values()) == {1} and set(applied) == expected


def test_given_a_sweep_larger_than_one_invocation_then_it_hands_off_and_finishes(seeded: Stack) -> None:
    reads = {"n": 0}

    def remaining() -> int:
        reads["n"] += 1
        return DEADLINE_MARGIN_MS + 40_000 - (reads["n"] % 15) * 3_000  # about 15 groups per invocation

    results = seeded.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"}, remaining_ms=remaining)
    assert len(results) > 2 and results[-1]["finished"]
    assert all(r["continuation"] for r in results[:-1])
    applied = Counter(r.resource.name for r in seeded.records() if r.outcome is Outcome.APPLIED)
    assert set(applied.values()) == {1}
    assert len(applied) == sum(1 for n, r, t in LOG_GROUPS if r is None and expected_after_enforce(n, r, t) is not None)


def test_the_sweep_makes_one_listing_call_per_page_and_reads_tags_in_one_listing_per_governing_and_attribution_key(
    seeded: Stack,
) -> None:
    calls = record_calls("logs", "resourcegroupstaggingapi")
    seeded.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    total = len(LOG_GROUPS) + 1  # plus the stack's own log group
    writes = sum(1 for n, r, t in LOG_GROUPS if r is None and expected_after_enforce(n, r, t) is not None)
    assert calls.calls["DescribeLogGroups"] == -(-total // 50)
    assert calls.calls["ListTagsForResource"] == 0
    # One page each for ecoguard:exempt and ecoguard:retention-days, then for the bundled policy's
    # report.attribution_tags (team, cost-center), so that their records carry the attribution.
    assert calls.calls["GetResources"] == 4
    assert calls.calls["PutRetentionPolicy"] == writes
    assert all(p.get("limit") == 50 for op, p in calls.params if op == "DescribeLogGroups")
    listings = [p for op, p in calls.params if op == "GetResources"]
    assert all(p["ResourcesPerPage"] == 100 and p["ResourceTypeFilters"] == ["logs:log-group"] for p in listings)
    assert [p["TagFilters"] for p in listings] == [
        [{"Key": key}] for key in ("ecoguard:exempt", "ecoguard:retention-days", "team", "cost-center")
    ]


def test_given_a_group_tagged_only_with_team_when_enforce_sweeps_then_its_record_is_attributed_to_the_team(
    stack: Stack,
) -> None:
    client = logs()
    client.create_log_group(logGroupName="/aws/sagemaker/Endpoints/churn", tags={"team": "ml"})
    client.create_log_group(logGroupName="/aws/sagemaker/Endpoints/fraud", tags={"cost-center": "cc-7", "env": "p"})
    client.create_log_group(logGroupName="/aws/sagemaker/Endpoints/untagged")
    calls = record_calls("resourcegroupstaggingapi")
    [result] = stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert result["finished"] is True and calls.calls["GetResources"] == 4
    applied = {r.resource.name: r for r in stack.records() if r.outcome is Outcome.APPLIED}
    assert applied["/aws/sagemaker/Endpoints/churn"].attribution == {"team": "ml"}
    assert applied["/aws/sagemaker/Endpoints/fraud"].attribution == {"cost-center": "cc-7"}
    assert applied["/aws/sagemaker/Endpoints/untagged"].attribution is None
    # Decided as any group without a governing tag: the policy's 30 days.
    assert {r.after["retentionInDays"] for r in applied.values()} == {30}


def test_given_no_attribution_tags_in_the_policy_then_the_sweep_lists_only_the_governing_keys(stack: Stack) -> None:
    stack.use_policy("report: {attribution_tags: []}")
    logs().create_log_group(logGroupName="/aws/sagemaker/Endpoints/churn", tags={"team": "ml"})
    calls = record_calls("resourcegroupstaggingapi")
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    keys = [p["TagFilters"][0]["Key"] for op, p in calls.params if op == "GetResources"]
    assert keys == ["ecoguard:exempt", "ecoguard:retention-days"]
    [record] = [r for r in stack.records() if r.resource.name == "/aws/sagemaker/Endpoints/churn"]
    assert record.outcome is Outcome.APPLIED and record.attribution is None


def test_given_1000_groups_when_dry_run_sweeps_then_api_calls_meet_the_lower_bound(stack: Stack) -> None:
    # 1,000 groups: 700 without retention, of which 100 exempt and 100 tagged with a retention.
    client = logs()
    own = len(retention_snapshot())  # the stack's own function log groups
    exempt = retention_tagged = 0
    for n in range(1000):
        tags: dict[str, str] = {}
        if n % 10 == 1:
            tags, exempt = {"ecoguard:exempt": "true"}, exempt + 1
        elif n % 10 == 2:
            tags, retention_tagged = {"ecoguard:retention-days": "14"}, retention_tagged + 1
        kwargs: dict[str, Any] = {"tags": tags} if tags else {}
        client.create_log_group(logGroupName=f"/aws/sagemaker/Endpoints/m-{n:04d}", **kwargs)
        if n % 10 >= 7:
            client.put_retention_policy(logGroupName=f"/aws/sagemaker/Endpoints/m-{n:04d}", retentionInDays=14)
    calls = record_calls("logs", "resourcegroupstaggingapi")
    [result] = stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "dry-run"})
    total = 1000 + own
    assert result["finished"] is True and result["evaluated"] == total
    # No writes in dry-run. The attribution keys (team, cost-center) tag no group here: one page each.
    lower_bound = -(-total // 50) + -(-exempt // 100) + -(-retention_tagged // 100) + 1 + 1
    assert sum(calls.calls.values()) == lower_bound == 25
    assert result["skipped"] == exempt and result["would-apply"] == 700 - exempt


def test_given_an_invalid_policy_in_ssm_then_the_function_fails_clearly_and_acts_on_nothing(seeded: Stack) -> None:
    seeded.use_policy("log_retention: {default_days: 31}")
    before = retention_snapshot()
    with pytest.raises(PolicyError, match=r"log_retention\.default_days"):
        seeded.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert retention_snapshot() == before
    assert seeded.records() == []


def test_given_a_policy_override_in_ssm_then_it_is_applied(seeded: Stack) -> None:
    seeded.use_policy('{"log_retention": {"prefixes": ["/aws/lambda/"], "default_days": 60}}')
    seeded.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    after = retention_snapshot()
    assert after["/aws/lambda/feature-pipeline-ingest"] == 60
    assert after["/aws/sagemaker/TrainingJobs"] is None


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e.pop("id"),
        lambda e: e.update(time="last tuesday"),
        lambda e: e["detail"]["requestParameters"].pop("logGroupName"),
        lambda e: e.update({"detail-type": "Object Created"}),
    ],
    ids=["no-id", "bad-time", "no-log-group-name", "wrong-detail-type"],
)
def test_given_a_malformed_event_then_the_function_fails_clearly_and_acts_on_nothing(
    stack: Stack, mutate: Callable[[dict[str, Any]], object]
) -> None:
    logs().create_log_group(logGroupName="/aws/lambda/echoapi")
    event = copy.deepcopy(load_event(CREATED))
    mutate(event)
    [result] = stack.invoke(FN, event, env={"ECOGUARD_MODE": "enforce"})
    assert_rejected(result, "malformed|does not handle")
    assert retention_snapshot()["/aws/lambda/echoapi"] is None
    assert stack.records() == []


def test_given_an_invalid_mode_then_the_function_fails_clearly_and_acts_on_nothing(seeded: Stack) -> None:
    before = retention_snapshot()
    with pytest.raises(SettingsError, match="ECOGUARD_MODE"):
        seeded.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforced"})
    assert retention_snapshot() == before


def test_given_sns_is_unavailable_then_every_action_is_still_recorded(seeded: Stack) -> None:
    fail_calls("sns", "Publish", "InternalError")
    [result] = seeded.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert result["applied"] == len([r for r in seeded.records() if r.outcome is Outcome.APPLIED]) > 0


def test_given_dynamodb_is_unavailable_then_nothing_is_changed(seeded: Stack) -> None:
    # Every DynamoDB write fails: single records (PutItem) and a sweep's batches (TransactWriteItems).
    fail_calls("dynamodb", "PutItem", "InternalServerError")
    batches = fail_calls("dynamodb", "TransactWriteItems", "InternalServerError")
    before = retention_snapshot()
    with pytest.raises(Exception, match="InternalServerError"):
        # The checkpoint cannot be saved either, so the invocation fails and Lambda retries it.
        seeded.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert retention_snapshot() == before
    assert batches["TransactWriteItems"] > 0  # the sweep's records were refused, so nothing was changed


def test_given_a_run_then_a_summary_is_published_to_the_notification_topic(seeded: Stack) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    boto3.client("sns", region_name=REGION).subscribe(
        TopicArn=seeded.resolver.refs["NotificationTopic"],
        Protocol="sqs",
        Endpoint=f"arn:aws:sqs:{REGION}:123456789012:inbox",
    )
    seeded.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "dry-run"})
    [message] = sqs.receive_message(QueueUrl=url).get("Messages", [])
    body = json.loads(message["Body"])
    assert body["Subject"].startswith("ecoguard log-retention (dry-run):")
    assert "would-apply" in body["Message"]


def test_given_a_sweep_out_of_time_in_lambda_then_it_invokes_itself_asynchronously_to_carry_on(
    seeded: Stack,
) -> None:
    invoked = lambda_async_invoke_shim()
    [result] = seeded.invoke(
        FN,
        load_event(SWEEP),
        env={"ECOGUARD_MODE": "dry-run"},
        hand_off=invoke_own_function,
        remaining_ms=lambda: 10_000,  # already inside the deadline margin
    )
    assert result["finished"] is False and result["continuation"] is None
    [request] = invoked
    assert request["url_path"].endswith(f"/functions/{seeded.resolver.refs[FN]}/invocations")
    assert request["headers"]["X-Amz-Invocation-Type"] == "Event"
    payload = json.loads(request["body"])
    assert payload["ecoguard-continuation"]["run_id"] == load_event(SWEEP)["id"]
    assert payload["ecoguard-continuation"]["hop"] == 1
