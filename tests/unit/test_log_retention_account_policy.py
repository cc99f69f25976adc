"""Account-level log retention (issue 16, item 1.4).

CloudWatch Logs API reference, ``LogGroup.retentionPolicyName`` (botocore's logs model documents it the
same way): "The name of the account-level retention policy that determines the retention period of this log
group. This field is returned only when an account-level retention policy applies to the log group. When it
is returned, ``retentionInDays`` shows the retention period from that policy instead of the retention period
set on the log group. If the policy specifies that log events never expire, ``retentionInDays`` is not
returned." A PutRetentionPolicy on such a group changes nothing, so it is skipped and nothing is booked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import Stubber

from ecoguard.adapters.logs import PAGE_SIZE, LogsAdapter
from ecoguard.decisions import PlannedAction, Skip
from ecoguard.guardrails.log_retention import CLASS_UNREAD, LogGroup, ObservedGroup, decide_retention, plan_retention
from ecoguard.policy import LogRetentionPolicy
from tests.builders.older_sdk import older_logs_models

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

NAME = "/aws/sagemaker/TrainingJobs"
ARN = f"arn:aws:logs:us-east-1:123456789012:log-group:{NAME}"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def governed(retention: int | None, policy_name: str | None = "org-retention") -> LogGroup:
    return LogGroup(NAME, ARN, retention, stored_bytes=10**9, account_policy=policy_name)


def test_given_an_account_policy_that_keeps_logs_forever_then_the_group_is_skipped_and_nothing_is_booked() -> None:
    decision = decide_retention(governed(None), {}, LogRetentionPolicy())
    assert isinstance(decision, Skip)
    assert "account-level retention policy 'org-retention'" in decision.reason
    assert "would change nothing" in decision.reason
    assert decision.impact is None


def test_given_an_account_policy_value_above_the_ceiling_then_it_is_skipped_not_shortened() -> None:
    decision = decide_retention(governed(3653), {}, LogRetentionPolicy(max_days=365))
    assert isinstance(decision, Skip) and decision.impact is None


def test_given_an_account_policy_value_within_the_ceiling_then_the_group_is_compliant() -> None:
    assert decide_retention(governed(30), {}, LogRetentionPolicy(max_days=365)) is None


def test_given_the_same_group_without_an_account_policy_then_it_is_still_acted_on() -> None:
    assert isinstance(decide_retention(governed(None, None), {}, LogRetentionPolicy()), PlannedAction)


def test_given_an_exempt_group_under_an_account_policy_then_the_exemption_is_the_reason() -> None:
    decision = decide_retention(governed(None), {"ecoguard:exempt": "true"}, LogRetentionPolicy())
    assert isinstance(decision, Skip) and decision.reason == "tagged ecoguard:exempt=true"


def describe_response(**extra: Any) -> dict[str, Any]:
    group = {
        "logGroupName": NAME,
        "creationTime": 1_700_000_000_000,
        "metricFilterCount": 0,
        "arn": f"{ARN}:*",
        "logGroupArn": ARN,
        "storedBytes": 2048,
        **extra,
    }
    return {"logGroups": [group]}


def test_given_describe_log_groups_returns_retention_policy_name_then_the_adapter_reads_it_and_skips() -> None:
    logs = boto3.client("logs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(logs) as stub:  # Stubber checks the response against botocore's logs model
        stub.add_response(
            "describe_log_groups",
            describe_response(retentionPolicyName="org-retention", retentionInDays=731),
            {"limit": PAGE_SIZE},
        )
        stub.add_response("describe_log_groups", describe_response(), {"limit": PAGE_SIZE})
        [policed] = LogsAdapter(logs).page(None).items
        [own] = LogsAdapter(logs).page(None).items
    assert policed.account_policy == "org-retention" and policed.retention_days == 731
    assert own.account_policy is None and own.retention_days is None
    plan = plan_retention(ObservedGroup(policed, {}), LogRetentionPolicy(max_days=365), NOW)
    [skip] = plan.decisions
    assert isinstance(skip, Skip) and skip.impact is None and not plan.actions
    assert plan_retention(ObservedGroup(own, {}), LogRetentionPolicy(), NOW).actions


def fresh_client() -> CloudWatchLogsClient:
    """A client of a new session, so that it reads the models ``AWS_DATA_PATH`` names now."""
    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
    return session.client("logs")


def test_given_an_sdk_without_log_group_class_then_the_class_is_unknown_and_so_is_the_cost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # LogGroup.logGroupClass (CloudWatch Logs API reference) prices the storage: a botocore that predates it
    # parses it away, and an Infrequent Access group would be priced as Standard. Its class reads as unknown.
    older_logs_models(tmp_path, monkeypatch, drop={"LogGroup": ("logGroupClass",)})
    logs = fresh_client()
    with Stubber(logs) as stub:
        stub.add_response("describe_log_groups", describe_response(), {"limit": PAGE_SIZE})
        [group] = LogsAdapter(logs).page(None).items
    assert group.log_class is None
    [action] = plan_retention(ObservedGroup(group, {}), LogRetentionPolicy(), NOW).actions
    assert action.impact is not None and action.impact["usd"] is None
    assert CLASS_UNREAD in action.impact["unknown"]
    monkeypatch.delenv("AWS_DATA_PATH")
    current = fresh_client()
    with Stubber(current) as stub:
        stub.add_response("describe_log_groups", describe_response(), {"limit": PAGE_SIZE})
        [standard] = LogsAdapter(current).page(None).items
    assert standard.log_class == "STANDARD"
