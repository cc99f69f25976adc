"""Pure decisions of the storage guardrail, the S3 constraints it checks, and its policy section."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pytest

from ecoguard.adapters.s3 import S3Adapter
from ecoguard.decisions import PlannedAction, Skip
from ecoguard.guardrails.s3_rules import LifecycleRuleError, check_rule, check_tiering
from ecoguard.guardrails.storage_lifecycle import Bucket, BucketConfig, classes_of, decide_bucket, in_scope
from ecoguard.policy import PolicyError, StorageLifecyclePolicy, build_policy
from tests.unit.s3_fakes import MemoryS3

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

POLICY = StorageLifecyclePolicy()
BUCKET = Bucket("ml-data", "us-east-1")
EMPTY = BucketConfig(None, {})


def rule(**actions: Any) -> dict[str, Any]:
    return {"ID": "ecoguard-x", "Filter": {"Prefix": ""}, "Status": "Enabled", **actions}


def test_given_an_exempt_bucket_then_it_is_skipped_with_the_reason() -> None:
    [decision] = decide_bucket(BUCKET, {"ecoguard:exempt": " TRUE "}, False, EMPTY, POLICY)
    assert isinstance(decision, Skip) and decision.reason == "tagged ecoguard:exempt=true"


def test_given_an_unknown_data_class_tag_then_the_bucket_is_skipped_naming_the_tag() -> None:
    [decision] = decide_bucket(BUCKET, {"ecoguard:data-class": "hot"}, False, EMPTY, POLICY)
    assert isinstance(decision, Skip) and "ecoguard:data-class='hot'" in decision.reason


def test_given_a_raw_bucket_without_configuration_then_the_plan_adds_archive_and_abort_with_a_diff() -> None:
    [decision] = decide_bucket(BUCKET, {"ecoguard:data-class": "raw"}, False, EMPTY, POLICY)
    assert isinstance(decision, PlannedAction)
    assert decision.before == {"lifecycle": None, "intelligent_tiering": {}}
    assert [r["ID"] for r in decision.after["lifecycle"]["Rules"]] == ["ecoguard-raw", "ecoguard-abort-multipart"]
    assert decision.reason.splitlines()[:2] == ["lifecycle diff:", "lifecycle configuration: none -> created"]
    assert '+ ecoguard-raw: {"Filter":{"Prefix":""},"Transitions":[{"Days":90,"StorageClass":"GLACIER"}]}' in (
        decision.reason
    )


def test_given_an_artifact_bucket_then_it_gets_intelligent_tiering_and_the_archive_configuration() -> None:
    [decision] = decide_bucket(BUCKET, {"ecoguard:data-class": "artifact"}, False, EMPTY, POLICY)
    assert isinstance(decision, PlannedAction)
    assert decision.after["intelligent_tiering"]["ecoguard-archive"]["Tierings"] == [
        {"Days": 90, "AccessTier": "ARCHIVE_ACCESS"},
        {"Days": 180, "AccessTier": "DEEP_ARCHIVE_ACCESS"},
    ]
    assert "+ Intelligent-Tiering ecoguard-archive: ARCHIVE_ACCESS after 90 d" in decision.reason


def test_given_a_versioned_opted_in_bucket_then_noncurrent_versions_expire_keeping_the_newest() -> None:
    [decision] = decide_bucket(BUCKET, {"ecoguard:data-class": "recreatable"}, True, EMPTY, POLICY)
    assert isinstance(decision, PlannedAction)
    rules = {r["ID"]: r for r in decision.after["lifecycle"]["Rules"]}
    assert rules["ecoguard-noncurrent"]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 30,
        "NewerNoncurrentVersions": 3,
    }


def test_given_an_owner_rule_covering_a_prefix_class_then_only_that_rule_is_skipped() -> None:
    owner = {"ID": "mine", "Filter": {"Prefix": "train/"}, "Status": "Enabled", "Expiration": {"Days": 10}}
    policy = StorageLifecyclePolicy.model_validate(
        {"prefix_rules": [{"buckets": "ml-*", "prefixes": {"train/": "recreatable"}}]}
    )
    skip, action = decide_bucket(BUCKET, {}, False, BucketConfig({"Rules": [owner]}), policy)
    assert isinstance(skip, Skip) and skip.reason.startswith("ecoguard-recreatable-train: owner rule 'mine'")
    assert isinstance(action, PlannedAction)
    assert action.after["lifecycle"]["Rules"][0] == owner
    assert "ecoguard-recreatable-train" not in {r["ID"] for r in action.after["lifecycle"]["Rules"]}


def test_given_a_compliant_bucket_then_there_is_nothing_to_do() -> None:
    [first] = decide_bucket(BUCKET, {"ecoguard:data-class": "log"}, False, EMPTY, POLICY)
    assert isinstance(first, PlannedAction)
    assert (
        decide_bucket(BUCKET, {"ecoguard:data-class": "log"}, False, BucketConfig.from_state(first.after), POLICY) == []
    )


def test_given_include_and_exclude_patterns_then_scope_follows_them() -> None:
    policy = StorageLifecyclePolicy(include=("ml-*",), exclude=("ml-tmp-*",))
    assert in_scope("ml-data", policy) and not in_scope("ml-tmp-1", policy) and not in_scope("web", policy)
    assert decide_bucket(Bucket("web", "us-east-1"), {}, False, EMPTY, policy) == []


def test_given_prefix_rules_per_bucket_pattern_then_the_first_match_wins() -> None:
    policy = StorageLifecyclePolicy.model_validate(
        {
            "prefix_rules": [
                {"buckets": "logs-*", "prefixes": {"app/": "log"}},
                {"buckets": "[dl]*", "prefixes": {"raw/": "raw"}},
            ]
        }
    )
    assert classes_of("logs-prod", {}, policy) == {"app/": "log"}
    assert classes_of("data", {}, policy) == {"raw/": "raw"}
    assert classes_of("data", {"ecoguard:data-class": "Artifact"}, policy) == {"": "artifact"}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (rule(Transitions=[{"Days": 29, "StorageClass": "ONEZONE_IA"}]), "needs Days >= 30"),
        (rule(Transitions=[{"Days": 10, "StorageClass": "STANDARD_IA"}]), "needs Days >= 30"),
        (
            rule(Transitions=[{"Days": 0, "StorageClass": "GLACIER"}, {"Days": 200, "StorageClass": "GLACIER_IR"}]),
            "goes up the waterfall",
        ),
        (
            rule(Transitions=[{"Days": 0, "StorageClass": "GLACIER_IR"}, {"Days": 30, "StorageClass": "GLACIER"}]),
            "minimum storage",
        ),
        (rule(Transitions=[{"Days": 0, "StorageClass": "GLACIER"}], Expiration={"Days": 60}), "minimum storage"),
        (rule(Transitions=[{"Days": 0, "StorageClass": "DEEP_ARCHIVE"}], Expiration={"Days": 179}), "180 d"),
        (rule(NoncurrentVersionExpiration={"NoncurrentDays": 1, "NewerNoncurrentVersions": 101}), "1-100"),
        (
            {
                "ID": "ecoguard-x",
                "Status": "Enabled",
                "Filter": {"Tag": {"Key": "k", "Value": "v"}},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3},
            },
            "tag filter",
        ),
        (rule(Status="On"), "Status"),
    ],
)
def test_given_a_rule_s3_would_reject_then_our_check_refuses_it(bad: dict[str, Any], message: str) -> None:
    with pytest.raises(LifecycleRuleError, match=message):
        check_rule(bad)


def test_given_valid_rules_then_the_check_accepts_them() -> None:
    check_rule(rule(Transitions=[{"Days": 30, "StorageClass": "ONEZONE_IA"}], Expiration={"Days": 60}))
    check_rule(rule(Transitions=[{"Days": 30, "StorageClass": "STANDARD_IA"}, {"Days": 60, "StorageClass": "GLACIER"}]))
    check_tiering({"Id": "ecoguard-archive", "Tierings": [{"Days": 90, "AccessTier": "ARCHIVE_ACCESS"}]})
    with pytest.raises(LifecycleRuleError, match="90-730"):
        check_tiering({"Id": "ecoguard-archive", "Tierings": [{"Days": 89, "AccessTier": "ARCHIVE_ACCESS"}]})


def test_given_an_invalid_new_rule_when_writing_then_nothing_is_sent_to_s3() -> None:
    s3 = MemoryS3(None, {})
    target = BucketConfig({"Rules": [rule(Transitions=[{"Days": 1, "StorageClass": "ONEZONE_IA"}])]})
    with pytest.raises(LifecycleRuleError):
        S3Adapter(cast("S3Client", s3), "us-east-1").write("b", EMPTY, target)
    assert s3.lifecycle is None


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ("storage_lifecycle: {recreatable: {onezone_ia_days: 29}}", "storage_lifecycle.recreatable.onezone_ia_days"),
        ("storage_lifecycle: {recreatable: {expiration_days: 40}}", "storage_lifecycle.recreatable"),
        ("storage_lifecycle: {artifact: {archive_access_days: 731}}", "storage_lifecycle.artifact.archive_access_days"),
        ("storage_lifecycle: {artifact: {deep_archive_access_days: 90}}", "deep_archive_access_days"),
        ("storage_lifecycle: {raw: {storage_class: STANDARD}}", "storage_lifecycle.raw.storage_class"),
        ("storage_lifecycle: {noncurrent: {newer_noncurrent_versions: 101}}", "newer_noncurrent_versions"),
        (
            "storage_lifecycle: {prefix_rules: [{buckets: ml-*, prefixes: {raw/: cold}}]}",
            "storage_lifecycle.prefix_rules.0.prefixes",
        ),
        ("storage_lifecycle: {surprise: 1}", "storage_lifecycle.surprise"),
        (
            "storage_lifecycle: {prefix_rules: [{buckets: ml-*, prefixes: {raw/: raw, raw/tmp/: log}}]}",
            "storage_lifecycle.prefix_rules.0",
        ),
    ],
)
def test_given_an_invalid_storage_policy_then_the_error_names_the_field(override: str, field: str) -> None:
    with pytest.raises(PolicyError, match=field.replace(".", r"\.")):
        build_policy(override_text=override)


def test_the_bundled_policy_equals_the_model_defaults() -> None:
    assert build_policy().storage_lifecycle == StorageLifecyclePolicy()
