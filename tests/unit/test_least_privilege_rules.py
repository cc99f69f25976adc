from __future__ import annotations

from tests.least_privilege import iam_action, mismatches


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
