"""The merge at the heart of the storage guardrail: properties over random existing configurations."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, cast

from hypothesis import given, settings
from hypothesis import strategies as st

from ecoguard.adapters.s3 import S3Adapter
from ecoguard.guardrails.lifecycle_merge import (
    Scope,
    action_kinds,
    describe_diff,
    is_owned,
    merge,
    scope_of,
)
from ecoguard.guardrails.s3_rules import MAX_RULES, check_rule
from ecoguard.guardrails.storage_lifecycle import BucketConfig, plan_for
from ecoguard.policy import StorageLifecyclePolicy
from tests.unit.s3_fakes import MemoryS3

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

POLICY = StorageLifecyclePolicy()

prefixes = st.sampled_from(["", "raw/", "raw/2024/", "train/", "logs/", "scratch/", "r"])
tag = st.fixed_dictionaries({"Key": st.sampled_from(["team", "tier"]), "Value": st.sampled_from(["a", "b"])})
tags = st.lists(tag, max_size=2, unique_by=lambda t: t["Key"])
filters = st.one_of(
    st.builds(lambda p: {"Prefix": p}, prefixes),
    st.builds(lambda t: {"Tag": t}, tag),
    st.builds(
        lambda p, ts, size: {"And": {"Prefix": p, "Tags": ts, "ObjectSizeGreaterThan": size}},
        prefixes,
        tags,
        st.integers(0, 10_000),
    ),
    st.just({}),
)
actions = st.fixed_dictionaries(
    {},
    optional={
        "Transitions": st.just([{"Days": 60, "StorageClass": "GLACIER"}]),
        "Expiration": st.one_of(
            st.builds(lambda d: {"Days": d}, st.integers(1, 3000)),
            st.just({"Date": "2031-01-01T00:00:00+00:00"}),
            st.just({"ExpiredObjectDeleteMarker": True}),
        ),
        "NoncurrentVersionExpiration": st.builds(
            lambda d, n: {"NoncurrentDays": d, "NewerNoncurrentVersions": n}, st.integers(1, 400), st.integers(1, 100)
        ),
        "AbortIncompleteMultipartUpload": st.builds(lambda d: {"DaysAfterInitiation": d}, st.integers(1, 30)),
    },
)


@st.composite
def rules(draw: st.DrawFn, owned: bool) -> dict[str, Any]:
    rule_id = draw(
        st.sampled_from(["ecoguard-raw", "ecoguard-abort-multipart", "ecoguard-old"])
        if owned
        else st.text("abcdefgh-_0123456789", min_size=1, max_size=12).filter(lambda s: not s.startswith("ecoguard-"))
    )
    rule: dict[str, Any] = {"ID": rule_id, "Status": draw(st.sampled_from(["Enabled", "Disabled"]))}
    if draw(st.booleans()):
        rule["Filter"] = draw(filters)
    else:
        rule["Prefix"] = draw(prefixes)  # the legacy top-level prefix
    rule.update(draw(actions))
    return rule


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any] | None:
    if draw(st.integers(0, 9)) == 0:
        return None
    owner = draw(st.lists(rules(owned=False), max_size=6, unique_by=lambda r: r["ID"]))
    ours = draw(st.lists(rules(owned=True), max_size=2, unique_by=lambda r: r["ID"]))
    mixed = draw(st.permutations(owner + ours))
    if not mixed:
        return None
    config: dict[str, Any] = {"Rules": list(mixed)}
    if draw(st.booleans()):
        config["TransitionDefaultMinimumObjectSize"] = draw(
            st.sampled_from(["varies_by_storage_class", "all_storage_classes_128K"])
        )
    return config


bucket_tags: st.SearchStrategy[dict[str, str]] = st.one_of(
    st.just({}), st.sampled_from(["raw", "recreatable", "artifact", "log"]).map(lambda c: {"ecoguard:data-class": c})
)


@settings(max_examples=300, deadline=None)
@given(current=configs(), tags=bucket_tags, versioned=st.booleans())
def test_given_any_configuration_when_merged_then_every_owner_rule_is_kept_unchanged_in_order(
    current: dict[str, Any] | None, tags: dict[str, str], versioned: bool
) -> None:
    original = copy.deepcopy(current)
    result = merge(current, plan_for("bucket", tags, versioned, POLICY).desired_rules)
    owners = [r for r in (original or {}).get("Rules", []) if not is_owned(r)]
    merged = (result.config or {}).get("Rules", [])
    assert [r for r in merged if not is_owned(r)] == owners
    assert current == original  # the input is never mutated
    if original and "TransitionDefaultMinimumObjectSize" in original:
        assert result.config is not None
        assert result.config["TransitionDefaultMinimumObjectSize"] == original["TransitionDefaultMinimumObjectSize"]
    for rule in merged:
        if is_owned(rule):
            check_rule(rule)
            for owner in owners:
                # no ecoguard rule competes with an owner rule over overlapping objects
                assert not (action_kinds(rule) & action_kinds(owner) and scope_of(rule).overlaps(scope_of(owner)))


@settings(max_examples=300, deadline=None)
@given(current=configs(), tags=bucket_tags, versioned=st.booleans())
def test_given_any_configuration_when_merged_twice_then_the_second_merge_changes_nothing(
    current: dict[str, Any] | None, tags: dict[str, str], versioned: bool
) -> None:
    desired = plan_for("bucket", tags, versioned, POLICY).desired_rules
    once = merge(current, desired)
    twice = merge(once.config, desired)
    assert twice.config == once.config
    assert twice.skipped == once.skipped
    assert not [line for line in describe_diff(once.config, twice.config) if line[0] in "+-~"]


OWNER_TIERING = {"team-archive": {"Id": "team-archive", "Status": "Enabled", "Tierings": []}}


@settings(max_examples=200, deadline=None)
@given(current=configs(), tags=bucket_tags, versioned=st.booleans(), stale_tiering=st.booleans())
def test_given_any_configuration_when_merged_written_and_restored_then_the_bucket_is_exactly_as_before(
    current: dict[str, Any] | None, tags: dict[str, str], versioned: bool, stale_tiering: bool
) -> None:
    tiering = dict(OWNER_TIERING)
    if stale_tiering:
        tiering["ecoguard-archive"] = {"Id": "ecoguard-archive", "Status": "Disabled", "Tierings": []}
    s3 = MemoryS3(current, tiering)
    adapter = S3Adapter(cast("S3Client", s3), "us-east-1")
    before = adapter.config("bucket")
    plan = plan_for("bucket", tags, versioned, POLICY)
    result = merge(before.lifecycle, plan.desired_rules)
    target = BucketConfig(result.config, dict(plan.desired_tiering))
    adapter.write("bucket", before, target)
    assert adapter.config("bucket") == target
    assert s3.tiering["team-archive"] == OWNER_TIERING["team-archive"]  # never touched
    adapter.write("bucket", adapter.config("bucket"), before, restoring=True)  # what the restorer does
    assert s3.lifecycle == current
    assert s3.tiering == tiering


def test_given_an_owner_rule_over_the_whole_bucket_with_expiration_then_no_competing_class_rule_is_added() -> None:
    owner = {"ID": "keep", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 400}}
    result = merge({"Rules": [owner]}, plan_for("b", {"ecoguard:data-class": "log"}, False, POLICY).desired_rules)
    assert result.written_ids == ("ecoguard-abort-multipart",)
    [(rule_id, why)] = result.skipped
    assert rule_id == "ecoguard-log" and "'keep'" in why and "current" in why


def test_given_disjoint_tag_values_or_prefixes_then_scopes_do_not_overlap() -> None:
    assert not Scope("raw/").overlaps(Scope("train/"))
    assert Scope("raw/").overlaps(Scope("raw/2024/"))
    assert not Scope(tags=frozenset({("team", "a")})).overlaps(Scope(tags=frozenset({("team", "b")})))
    assert Scope(tags=frozenset({("team", "a")})).overlaps(Scope(tags=frozenset({("tier", "b")})))
    assert not Scope(larger_than=100).overlaps(Scope(smaller_than=101))
    assert Scope(larger_than=100).overlaps(Scope(smaller_than=102))


def test_given_a_bucket_near_the_rule_limit_then_rules_beyond_1000_are_skipped_with_the_reason() -> None:
    owners = [
        {
            "ID": f"o{i}",
            "Filter": {"Prefix": f"p{i}/"},
            "Status": "Enabled",
            "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
        }
        for i in range(MAX_RULES - 1)
    ]
    result = merge({"Rules": owners}, plan_for("b", {"ecoguard:data-class": "raw"}, False, POLICY).desired_rules)
    assert result.config is not None and len(result.config["Rules"]) == MAX_RULES
    assert result.written_ids == ("ecoguard-raw",)
    assert result.skipped == (
        ("ecoguard-abort-multipart", "the bucket would exceed S3's limit of 1000 lifecycle rules"),
    )


def test_given_only_ecoguard_rules_left_to_remove_then_the_configuration_is_deleted() -> None:
    stale = {"ID": "ecoguard-old", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 5}}
    result = merge({"Rules": [stale]}, [])
    assert result.config is None
    assert describe_diff({"Rules": [stale]}, None) == [
        "lifecycle configuration: deleted (no rules left)",
        "- ecoguard-old",
    ]
