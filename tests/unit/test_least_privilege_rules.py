from __future__ import annotations

from tests.least_privilege import allowed_actions, expanded_policies, iam_action, mismatches
from tools.ecoguard_local.template import load_template


def test_operations_map_to_their_iam_actions() -> None:
    assert iam_action("logs", "PutRetentionPolicy") == "logs:PutRetentionPolicy"
    assert iam_action("monitoring", "GetMetricData") == "cloudwatch:GetMetricData"
    assert iam_action("s3", "PutBucketLifecycleConfiguration") == "s3:PutLifecycleConfiguration"
    assert iam_action("lambda", "Invoke") == "lambda:InvokeFunction"


def test_a_call_not_granted_and_a_grant_never_used_are_both_mismatches() -> None:
    problems = mismatches(
        {"Fn": {"logs:DescribeLogGroups", "logs:DeleteLogGroup"}},
        {"Fn": {"logs:DescribeLogGroups", "logs:PutRetentionPolicy", "sqs:SendMessage"}, "Other": {"s3:GetObject"}},
    )
    assert problems == [
        "Fn: calls logs:DeleteLogGroup, which its role does not grant",
        "Fn: is granted logs:PutRetentionPolicy, which no test saw it use",
        "Other: never invoked by the tests, so its grants are unproven",
    ]


def test_sam_expansion_yields_each_functions_inline_statements_and_the_dead_letter_grant() -> None:
    policies = expanded_policies(load_template())
    log_retention = allowed_actions(policies["LogRetentionFunction"])
    assert "logs:PutRetentionPolicy" in log_retention
    assert "sqs:SendMessage" in log_retention  # added by SAM for DeadLetterQueue
    assert not any("*" in action for actions in map(allowed_actions, policies.values()) for action in actions)
