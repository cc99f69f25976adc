"""Storage lifecycle: S3 lifecycle rules and Intelligent-Tiering by data class.

For a governed bucket, in order:

1. ``ecoguard:exempt=true``: skipped, with the reason recorded.
2. The data class: the tag ``ecoguard:data-class`` (``raw``, ``recreatable``, ``artifact``, ``log``)
   for the whole bucket; an unknown value is skipped. Without the tag, the policy's first prefix
   rule whose bucket pattern matches gives a class per key prefix.
3. Opt-in: a bucket is opted in when it carries the data-class tag or a prefix rule of the policy
   names it (the bundled policy has none). Rules that delete data or make it unreadable without a
   restore (``storage_rule_class``) apply only to opted-in buckets; on others they are withheld, and a
   ``withheld-rules`` finding names each one and how to opt in. So a bucket nobody classified gets only
   AbortIncompleteMultipartUpload.
4. The rules each class calls for, plus AbortIncompleteMultipartUpload on every governed bucket and
   NoncurrentVersionExpiration on versioned ones, are merged with the owner's
   (``lifecycle_merge.merge``); a rule an owner's rule competes with is skipped with its reason.
5. Artifacts also get the Intelligent-Tiering configuration ``ecoguard-archive`` (one per prefix,
   ``ecoguard-archive-<prefix>``, for prefix-classed artifacts). Others' configurations are never read
   into the plan, so never touched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from ecoguard.decisions import Decision, Finding, PlannedAction, Resource, Skip
from ecoguard.guardrails.lifecycle_merge import (
    OWNED_PREFIX,
    LifecycleConfig,
    Rule,
    describe_diff,
    is_owned,
    merge,
)
from ecoguard.guardrails.storage_rule_class import RuleClass, classify_rule, classify_tiering, what_it_does
from ecoguard.guardrails.storage_savings import NOT_READ, StoredBytes, bucket_cost, lifecycle_estimate
from ecoguard.guardrails.tags import is_exempt
from ecoguard.impact import CURRENT
from ecoguard.policy import DATA_CLASSES, StorageLifecyclePolicy

GUARDRAIL = "storage-lifecycle"
ACTION = "merge-lifecycle"
DATA_CLASS_TAG = "ecoguard:data-class"
ARCHIVE_CONFIG_ID = "ecoguard-archive"
WITHHELD = "withheld-rules"
HOW_TO_OPT_IN = (
    f"opt in: tag the bucket {DATA_CLASS_TAG}=<raw|recreatable|artifact|log>, "
    "or name it in the policy's storage_lifecycle.prefix_rules[].buckets"
)

Tiering = Mapping[str, Mapping[str, Any]]  # Intelligent-Tiering configurations owned by ecoguard, by Id


def bucket_arn(name: str, region: str = "") -> str:
    partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
    return f"arn:{partition}:s3:::{name}"


@dataclass(frozen=True)
class BucketConfig:
    """What ecoguard may change on a bucket: its lifecycle configuration and its own tiering configs."""

    lifecycle: LifecycleConfig
    tiering: Tiering = field(default_factory=dict)

    def state(self) -> dict[str, Any]:
        """The shape kept in the audit record's ``before``/``after`` (and compared on restore)."""
        return {
            "lifecycle": None if self.lifecycle is None else dict(self.lifecycle),
            "intelligent_tiering": {k: dict(v) for k, v in sorted(self.tiering.items())},
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> BucketConfig:
        return cls(state.get("lifecycle"), dict(state.get("intelligent_tiering") or {}))


@dataclass(frozen=True)
class Bucket:
    name: str
    region: str

    @property
    def resource(self) -> Resource:
        return Resource(arn=bucket_arn(self.name, self.region), name=self.name, kind="AWS::S3::Bucket")


def in_scope(name: str, policy: StorageLifecyclePolicy) -> bool:
    if not policy.enabled:
        return False
    return any(fnmatchcase(name, p) for p in policy.include) and not any(fnmatchcase(name, p) for p in policy.exclude)


def _slug(prefix: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", prefix.lower()).strip("-") or "root"


def _rule(rule_id: str, prefix: str, **actions: Any) -> dict[str, Any]:
    return {"ID": rule_id, "Filter": {"Prefix": prefix}, "Status": "Enabled", **actions}


def class_rule(data_class: str, prefix: str, policy: StorageLifecyclePolicy) -> dict[str, Any]:
    rule_id = f"{OWNED_PREFIX}{data_class}" + (f"-{_slug(prefix)}" if prefix else "")
    if data_class == "raw":
        raw = policy.raw
        return _rule(rule_id, prefix, Transitions=[{"Days": raw.transition_days, "StorageClass": raw.storage_class}])
    if data_class == "recreatable":
        rec = policy.recreatable
        actions: dict[str, Any] = {"Transitions": [{"Days": rec.onezone_ia_days, "StorageClass": "ONEZONE_IA"}]}
        if rec.expiration_days is not None:
            actions["Expiration"] = {"Days": rec.expiration_days}
        return _rule(rule_id, prefix, **actions)
    if data_class == "artifact":
        return _rule(rule_id, prefix, Transitions=[{"Days": 0, "StorageClass": "INTELLIGENT_TIERING"}])
    return _rule(rule_id, prefix, Expiration={"Days": policy.log.expiration_days})


def archive_config(prefix: str, policy: StorageLifecyclePolicy) -> dict[str, Any]:
    tierings = [{"Days": policy.artifact.archive_access_days, "AccessTier": "ARCHIVE_ACCESS"}]
    if policy.artifact.deep_archive_access_days is not None:
        tierings.append({"Days": policy.artifact.deep_archive_access_days, "AccessTier": "DEEP_ARCHIVE_ACCESS"})
    config: dict[str, Any] = {
        "Id": ARCHIVE_CONFIG_ID + (f"-{_slug(prefix)}" if prefix else ""),
        "Status": "Enabled",
        "Tierings": tierings,
    }
    if prefix:
        config["Filter"] = {"Prefix": prefix}
    return config


def classes_of(name: str, tags: Mapping[str, str], policy: StorageLifecyclePolicy) -> dict[str, str]:
    """Key prefix -> data class (``""`` is the whole bucket). Raises ValueError for an unknown tag value."""
    if DATA_CLASS_TAG in tags:
        value = tags[DATA_CLASS_TAG].strip().lower()
        if value not in DATA_CLASSES:
            raise ValueError(f"tag {DATA_CLASS_TAG}={tags[DATA_CLASS_TAG]!r} is not one of {', '.join(DATA_CLASSES)}")
        return {"": value}
    for rule in policy.prefix_rules:
        if fnmatchcase(name, rule.buckets):
            return dict(rule.prefixes)
    return {}


def opted_in(name: str, tags: Mapping[str, str], policy: StorageLifecyclePolicy) -> bool:
    """Has the owner said what this bucket's data is: its data-class tag, or a prefix rule naming it."""
    return DATA_CLASS_TAG in tags or any(fnmatchcase(name, rule.buckets) for rule in policy.prefix_rules)


@dataclass(frozen=True)
class Withheld:
    """A rule (or tiering configuration) not applied because the bucket is not opted in."""

    id: str
    rule_class: RuleClass

    def evidence(self) -> dict[str, str]:
        return {"id": self.id, "class": self.rule_class.value}


@dataclass(frozen=True)
class Plan:
    desired_rules: tuple[Rule, ...]
    desired_tiering: Mapping[str, Mapping[str, Any]]
    tiering_rule: Mapping[str, str]  # tiering Id -> the lifecycle rule it goes with
    withheld: tuple[Withheld, ...] = ()


def plan_for(name: str, tags: Mapping[str, str], versioned: bool, policy: StorageLifecyclePolicy) -> Plan:
    candidates = _candidates(name, tags, versioned, policy)
    return candidates if opted_in(name, tags, policy) else withhold_unsafe(candidates)


def withhold_unsafe(candidates: Plan) -> Plan:
    """Only the safe rules of ``candidates``, and what was withheld. Today a bucket not opted in has no data
    class, so only bucket-wide rules reach here; the gate holds whatever the candidates are."""
    withheld = [Withheld(r["ID"], classify_rule(r)) for r in candidates.desired_rules]
    withheld += [Withheld(i, classify_tiering(c)) for i, c in candidates.desired_tiering.items()]
    held = {w.id for w in withheld if w.rule_class is not RuleClass.SAFE}
    kept = {i for i in candidates.desired_tiering if i not in held and candidates.tiering_rule[i] not in held}
    return Plan(
        tuple(r for r in candidates.desired_rules if r["ID"] not in held),
        {i: c for i, c in candidates.desired_tiering.items() if i in kept},
        {i: r for i, r in candidates.tiering_rule.items() if i in kept},
        tuple(w for w in withheld if w.rule_class is not RuleClass.SAFE),
    )


def _candidates(name: str, tags: Mapping[str, str], versioned: bool, policy: StorageLifecyclePolicy) -> Plan:
    rules: list[Rule] = []
    tiering: dict[str, Mapping[str, Any]] = {}
    tiering_rule: dict[str, str] = {}
    for prefix, data_class in sorted(classes_of(name, tags, policy).items()):
        rule = class_rule(data_class, prefix, policy)
        rules.append(rule)
        if data_class == "artifact":
            config = archive_config(prefix, policy)
            tiering[config["Id"]] = config
            tiering_rule[config["Id"]] = rule["ID"]
    rules.append(
        _rule(
            f"{OWNED_PREFIX}abort-multipart",
            "",
            AbortIncompleteMultipartUpload={"DaysAfterInitiation": policy.abort_incomplete_multipart_days},
        )
    )
    if versioned:
        nc = policy.noncurrent
        rules.append(
            _rule(
                f"{OWNED_PREFIX}noncurrent",
                "",
                NoncurrentVersionExpiration={
                    "NoncurrentDays": nc.noncurrent_days,
                    "NewerNoncurrentVersions": nc.newer_noncurrent_versions,
                },
            )
        )
    return Plan(tuple(rules), tiering, tiering_rule)


def decide_bucket(
    bucket: Bucket,
    tags: Mapping[str, str],
    versioned: bool,
    current: BucketConfig,
    policy: StorageLifecyclePolicy,
    *,
    stored: StoredBytes = NOT_READ,
) -> list[Decision]:
    """Decide for one governed bucket: a Skip for conflicts (if any) and a merge (if anything changes), its
    saving priced from the bucket's bytes per storage class (``storage_savings``)."""
    if not in_scope(bucket.name, policy):
        return []
    before = current.state()
    if is_exempt(tags):
        return [Skip(GUARDRAIL, bucket.resource, "tagged ecoguard:exempt=true", before)]
    try:
        plan = plan_for(bucket.name, tags, versioned, policy)
    except ValueError as exc:
        return [Skip(GUARDRAIL, bucket.resource, str(exc), before)]
    result = merge(current.lifecycle, plan.desired_rules)
    written = set(result.written_ids)
    tiering = {i: c for i, c in plan.desired_tiering.items() if plan.tiering_rule[i] in written}
    target = BucketConfig(result.config, tiering)
    decisions: list[Decision] = []
    if plan.withheld:
        decisions.append(_withheld_finding(bucket, plan.withheld))
    if result.skipped:
        reason = "; ".join(f"{rule_id}: {why}" for rule_id, why in result.skipped)
        decisions.append(Skip(GUARDRAIL, bucket.resource, reason, before))
    after = target.state()
    if after != before:
        saving = lifecycle_estimate(added_rules(current.lifecycle, result.config), stored, bucket.region)
        impact = {**saving.to_dict(), CURRENT: bucket_cost(stored, bucket.region).to_dict()}
        decisions.append(
            PlannedAction(GUARDRAIL, bucket.resource, ACTION, before, after, _reason(current, target), impact)
        )
    return decisions


def added_rules(before: LifecycleConfig, after: LifecycleConfig) -> list[Rule]:
    """ecoguard's rules in ``after`` that ``before`` does not hold as they are (added or changed)."""
    kept = [r for r in (before or {}).get("Rules", []) if is_owned(r)]
    return [r for r in (after or {}).get("Rules", []) if is_owned(r) and r not in kept]


def _withheld_finding(bucket: Bucket, withheld: tuple[Withheld, ...]) -> Finding:
    rules = "; ".join(f"{w.id} ({what_it_does(w.rule_class)})" for w in withheld)
    return Finding(
        GUARDRAIL,
        bucket.resource,
        WITHHELD,
        f"withheld, the bucket is not opted in: {rules}; {HOW_TO_OPT_IN}",
        {"withheld": [w.evidence() for w in withheld], "opt_in": HOW_TO_OPT_IN},
    )


def _reason(before: BucketConfig, after: BucketConfig) -> str:
    lines = describe_diff(before.lifecycle, after.lifecycle)
    for config_id in sorted(set(before.tiering) | set(after.tiering)):
        old, new = before.tiering.get(config_id), after.tiering.get(config_id)
        if old == new:
            continue
        if new is None:
            lines.append(f"- Intelligent-Tiering {config_id}")
        else:
            tiers = ", ".join(f"{t['AccessTier']} after {t['Days']} d" for t in new.get("Tierings", []))
            lines.append(f"{'+' if old is None else '~'} Intelligent-Tiering {config_id}: {tiers}")
    return "lifecycle diff:\n" + "\n".join(lines)
