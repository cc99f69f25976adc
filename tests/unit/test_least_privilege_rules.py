from __future__ import annotations

from tests.least_privilege import iam_action, mismatches, unit_mismatches


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


def grants_of_every_unit() -> dict[str, set[str]]:
    """Every function granted exactly what its units declare (apply) and RestoreFunction every undo."""
    from ecoguard.actions import registries

    granted: dict[str, set[str]] = {"RestoreFunction": set()}
    for registry in registries():
        for unit in registry.units:
            granted.setdefault(registry.function, set()).update(unit.permissions)
            reader = "RestoreFunction" if unit.restorable else registry.function
            granted.setdefault(reader, set()).update(unit.restore_permissions)
    return granted


def test_given_units_that_call_only_what_they_declare_and_are_granted_it_then_there_is_no_unit_mismatch() -> None:
    observed = {("put-retention-policy", "apply"): {"logs:PutRetentionPolicy"}}
    assert unit_mismatches(observed, grants_of_every_unit()) == []


def test_given_a_unit_that_calls_an_action_it_does_not_declare_then_it_is_a_mismatch() -> None:
    observed = {("put-retention-policy", "apply"): {"logs:PutRetentionPolicy", "logs:DeleteLogGroup"}}
    assert unit_mismatches(observed, grants_of_every_unit()) == [
        "put-retention-policy (apply): calls logs:DeleteLogGroup, which it does not declare"
    ]


def test_given_a_declared_permission_the_template_does_not_grant_then_it_is_a_mismatch() -> None:
    granted = grants_of_every_unit()
    granted["LogRetentionFunction"].discard("logs:PutRetentionPolicy")
    granted["RestoreFunction"].discard("logs:DeleteRetentionPolicy")
    assert unit_mismatches({}, granted) == [
        "put-retention-policy (apply): declares logs:PutRetentionPolicy, which LogRetentionFunction is not granted",
        "put-retention-policy (restore): declares logs:DeleteRetentionPolicy, which RestoreFunction is not granted",
    ]


def test_given_a_unit_restore_refuses_then_its_read_back_is_granted_where_it_is_settled_not_on_restore() -> None:
    # DeleteProvisionedThroughput is not restorable: its ``current`` runs only when its own function settles an
    # unconfirmed deletion (ecoguard.settle), so RestoreFunction needs no Bedrock grant at all.
    granted = grants_of_every_unit()
    assert "bedrock:GetProvisionedModelThroughput" not in granted["RestoreFunction"]
    granted["BedrockThroughputFunction"].discard("bedrock:GetProvisionedModelThroughput")
    assert unit_mismatches({}, granted) == [
        "delete-provisioned-throughput (restore): declares bedrock:GetProvisionedModelThroughput, which "
        "BedrockThroughputFunction is not granted"
    ]
