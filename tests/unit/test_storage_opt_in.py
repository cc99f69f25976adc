"""Safe storage defaults: each rule's class (safe, deleting, unreadable), and that rules of the last two
apply only to buckets whose owner opted in (the data-class tag, or a prefix rule of the policy naming it)."""

from __future__ import annotations

from typing import Any

import pytest

from ecoguard.decisions import Finding, PlannedAction
from ecoguard.guardrails.storage_lifecycle import (
    HOW_TO_OPT_IN,
    WITHHELD,
    Bucket,
    BucketConfig,
    decide_bucket,
    opted_in,
    plan_for,
    withhold_unsafe,
)
from ecoguard.guardrails.storage_rule_class import RuleClass, classify_rule, classify_tiering
from ecoguard.policy import Policy, StorageLifecyclePolicy, bundled_policy_text, parse_document

BUCKET = Bucket("ml-data", "us-east-1")
EMPTY = BucketConfig(None, {})
BUNDLED = Policy.model_validate(parse_document(bundled_policy_text(), "bundled default")).storage_lifecycle
NAMED = StorageLifecyclePolicy.model_validate(
    {"prefix_rules": [{"buckets": "ml-*", "prefixes": {"raw/": "raw", "models/": "artifact"}}]}
)


def rule(**actions: Any) -> dict[str, Any]:
    return {"ID": "r", "Filter": {"Prefix": ""}, "Status": "Enabled", **actions}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (rule(AbortIncompleteMultipartUpload={"DaysAfterInitiation": 7}), RuleClass.SAFE),
        (rule(Transitions=[{"Days": 30, "StorageClass": "ONEZONE_IA"}]), RuleClass.SAFE),
        (rule(Transitions=[{"Days": 0, "StorageClass": "INTELLIGENT_TIERING"}]), RuleClass.SAFE),
        (rule(Transitions=[{"Days": 90, "StorageClass": "GLACIER_IR"}]), RuleClass.SAFE),
        (rule(Expiration={"ExpiredObjectDeleteMarker": True}), RuleClass.SAFE),
        (rule(Transitions=[{"Days": 90, "StorageClass": "GLACIER"}]), RuleClass.UNREADABLE),
        (rule(Transitions=[{"Days": 90, "StorageClass": "DEEP_ARCHIVE"}]), RuleClass.UNREADABLE),
        (rule(NoncurrentVersionTransitions=[{"NoncurrentDays": 1, "StorageClass": "GLACIER"}]), RuleClass.UNREADABLE),
        (rule(Expiration={"Days": 90}), RuleClass.DELETING),
        (rule(Expiration={"Date": "2030-01-01T00:00:00Z"}), RuleClass.DELETING),
        (rule(NoncurrentVersionExpiration={"NoncurrentDays": 30}), RuleClass.DELETING),
        (
            rule(Transitions=[{"Days": 90, "StorageClass": "GLACIER"}], Expiration={"Days": 400}),
            RuleClass.DELETING,
        ),
    ],
)
def test_given_a_lifecycle_rule_then_its_class_says_whether_it_deletes_or_archives(
    given: dict[str, Any], expected: RuleClass
) -> None:
    assert classify_rule(given) is expected


def test_given_tiering_configurations_then_only_archive_tiers_are_unreadable() -> None:
    assert classify_tiering({"Id": "a", "Tierings": [{"Days": 90, "AccessTier": "ARCHIVE_ACCESS"}]}) is (
        RuleClass.UNREADABLE
    )
    assert classify_tiering({"Id": "a", "Tierings": [{"Days": 180, "AccessTier": "DEEP_ARCHIVE_ACCESS"}]}) is (
        RuleClass.UNREADABLE
    )
    assert classify_tiering({"Id": "a", "Tierings": []}) is RuleClass.SAFE


def test_given_the_bundled_policy_then_no_bucket_is_named_and_an_untagged_one_is_not_opted_in() -> None:
    assert BUNDLED.prefix_rules == ()
    assert not opted_in("ml-data", {}, BUNDLED)
    assert opted_in("ml-data", {"ecoguard:data-class": "raw"}, BUNDLED)
    assert opted_in("ml-data", {}, NAMED) and not opted_in("web", {}, NAMED)


def test_given_the_bundled_policy_and_an_untagged_versioned_bucket_then_only_the_abort_applies() -> None:
    finding, action = decide_bucket(BUCKET, {}, True, EMPTY, BUNDLED)
    assert isinstance(action, PlannedAction)
    assert [r["ID"] for r in action.after["lifecycle"]["Rules"]] == ["ecoguard-abort-multipart"]
    assert action.after["intelligent_tiering"] == {}
    assert isinstance(finding, Finding) and finding.kind == WITHHELD
    assert finding.evidence["withheld"] == [{"id": "ecoguard-noncurrent", "class": "deleting"}]
    assert "ecoguard-noncurrent (deletes data)" in finding.reason
    assert "ecoguard:data-class=<raw|recreatable|artifact|log>" in finding.reason
    assert "storage_lifecycle.prefix_rules[].buckets" in finding.reason and HOW_TO_OPT_IN in finding.reason


def test_given_an_untagged_unversioned_bucket_then_nothing_is_withheld_and_no_finding_is_made() -> None:
    [action] = decide_bucket(BUCKET, {}, False, EMPTY, BUNDLED)
    assert isinstance(action, PlannedAction)
    assert [r["ID"] for r in action.after["lifecycle"]["Rules"]] == ["ecoguard-abort-multipart"]


@pytest.mark.parametrize("tag", ["raw", "recreatable", "artifact", "log"])
def test_given_the_data_class_tag_then_the_bucket_is_opted_in_and_keeps_every_rule(tag: str) -> None:
    decisions = decide_bucket(BUCKET, {"ecoguard:data-class": tag}, True, EMPTY, BUNDLED)
    assert not [d for d in decisions if isinstance(d, Finding)]
    [action] = decisions
    assert isinstance(action, PlannedAction)
    ids = {r["ID"] for r in action.after["lifecycle"]["Rules"]}
    assert {f"ecoguard-{tag}", "ecoguard-noncurrent", "ecoguard-abort-multipart"} <= ids


def test_given_a_prefix_rule_naming_the_bucket_then_archive_and_deletion_rules_apply() -> None:
    plan = plan_for("ml-data", {}, True, NAMED)
    assert plan.withheld == ()
    ids = [r["ID"] for r in plan.desired_rules]
    assert ids == ["ecoguard-artifact-models", "ecoguard-raw-raw", "ecoguard-abort-multipart", "ecoguard-noncurrent"]
    assert set(plan.desired_tiering) == {"ecoguard-archive-models"}


def test_given_a_policy_whose_prefix_rule_names_another_bucket_then_this_one_gets_only_the_abort() -> None:
    plan = plan_for("web-assets", {}, True, NAMED)
    assert [r["ID"] for r in plan.desired_rules] == ["ecoguard-abort-multipart"]
    assert [w.id for w in plan.withheld] == ["ecoguard-noncurrent"]


def test_given_candidates_with_archive_tiering_then_the_gate_withholds_the_tiering_and_keeps_safe_rules() -> None:
    # The gate on its own: whatever produced the candidates, deleting and archiving parts are withheld.
    opted = plan_for("ml-data", {"ecoguard:data-class": "artifact"}, True, BUNDLED)
    gated = withhold_unsafe(opted)
    assert [r["ID"] for r in gated.desired_rules] == ["ecoguard-artifact", "ecoguard-abort-multipart"]
    assert gated.desired_tiering == {} and gated.tiering_rule == {}
    assert {(w.id, w.rule_class) for w in gated.withheld} == {
        ("ecoguard-noncurrent", RuleClass.DELETING),
        ("ecoguard-archive", RuleClass.UNREADABLE),
    }


def test_given_candidates_with_glacier_and_expiry_then_the_gate_keeps_neither() -> None:
    gated = withhold_unsafe(plan_for("ml-data", {}, False, NAMED))
    assert [w.id for w in gated.withheld] == ["ecoguard-raw-raw", "ecoguard-archive-models"]
    assert [r["ID"] for r in gated.desired_rules] == ["ecoguard-artifact-models", "ecoguard-abort-multipart"]
    expiring = withhold_unsafe(plan_for("ml-data", {"ecoguard:data-class": "log"}, False, BUNDLED))
    assert [(w.id, w.rule_class) for w in expiring.withheld] == [("ecoguard-log", RuleClass.DELETING)]
