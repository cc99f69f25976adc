"""Merge ecoguard's lifecycle rules into a bucket's configuration without touching the owner's.

``PutBucketLifecycleConfiguration`` replaces the whole configuration, so every write starts from
what was just read: rules whose ID begins ``ecoguard-`` are ecoguard's and are added, replaced or
removed; every other rule is written back exactly as read, in its place;
``TransitionDefaultMinimumObjectSize`` is sent back unchanged. Where an owner's rule already
governs an overlapping scope with the same kind of action, ecoguard adds no competing rule.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ecoguard.guardrails.s3_rules import MAX_RULES

OWNED_PREFIX = "ecoguard-"

Rule = Mapping[str, Any]
# {"Rules": [...], "TransitionDefaultMinimumObjectSize": ...}, or None: the bucket has no configuration.
LifecycleConfig = Mapping[str, Any] | None


def is_owned(rule: Rule) -> bool:
    return str(rule.get("ID", "")).startswith(OWNED_PREFIX)


@dataclass(frozen=True)
class Scope:
    """The objects a rule's filter selects: a key prefix, required tags, and an object size range."""

    prefix: str = ""
    tags: frozenset[tuple[str, str]] = frozenset()
    larger_than: int | None = None
    smaller_than: int | None = None

    def overlaps(self, other: Scope) -> bool:
        if not (self.prefix.startswith(other.prefix) or other.prefix.startswith(self.prefix)):
            return False
        mine, theirs = dict(self.tags), dict(other.tags)
        if any(theirs[key] != value for key, value in mine.items() if key in theirs):
            return False  # the same tag key must hold two values: no object matches both
        low = max(-1 if s.larger_than is None else s.larger_than for s in (self, other))
        highs = [s.smaller_than for s in (self, other) if s.smaller_than is not None]
        return not highs or low + 1 < min(highs)


def scope_of(rule: Rule) -> Scope:
    if "Filter" not in rule:
        return Scope(prefix=str(rule.get("Prefix") or ""))  # the legacy top-level Prefix
    flt: Mapping[str, Any] = rule["Filter"] or {}
    body: Mapping[str, Any] = flt.get("And") or flt
    tags = list(body.get("Tags", []))
    if "Tag" in body:
        tags.append(body["Tag"])
    return Scope(
        prefix=str(body.get("Prefix") or ""),
        tags=frozenset((str(t["Key"]), str(t["Value"])) for t in tags),
        larger_than=body.get("ObjectSizeGreaterThan"),
        smaller_than=body.get("ObjectSizeLessThan"),
    )


def action_kinds(rule: Rule) -> frozenset[str]:
    """What a rule does to objects: ``current`` (transitions, expiration), ``noncurrent``, ``multipart``."""
    kinds: set[str] = set()
    expiration = rule.get("Expiration") or {}
    if rule.get("Transitions") or rule.get("Transition") or "Days" in expiration or "Date" in expiration:
        kinds.add("current")
    if rule.get("NoncurrentVersionExpiration") or rule.get("NoncurrentVersionTransitions"):
        kinds.add("noncurrent")
    if rule.get("NoncurrentVersionTransition"):
        kinds.add("noncurrent")
    if rule.get("AbortIncompleteMultipartUpload"):
        kinds.add("multipart")
    return frozenset(kinds)


def competing_owner_rule(rule: Rule, owner_rules: Iterable[Rule]) -> Rule | None:
    kinds, scope = action_kinds(rule), scope_of(rule)
    for owner in owner_rules:
        if kinds & action_kinds(owner) and scope.overlaps(scope_of(owner)):
            return owner
    return None


@dataclass(frozen=True)
class MergeResult:
    config: LifecycleConfig
    skipped: tuple[tuple[str, str], ...]  # (ecoguard rule ID, why it was not added)

    @property
    def written_ids(self) -> tuple[str, ...]:
        return tuple(str(r["ID"]) for r in (self.config or {}).get("Rules", []) if is_owned(r))


def merge(current: LifecycleConfig, desired: Sequence[Rule]) -> MergeResult:
    """The configuration to write: the owner's rules as read, then ecoguard's ``desired`` rules."""
    rules = list((current or {}).get("Rules", []))
    owner = [r for r in rules if not is_owned(r)]
    added: list[Rule] = []
    skipped: list[tuple[str, str]] = []
    for rule in desired:
        conflict = competing_owner_rule(rule, owner)
        if conflict is not None:
            kinds = ", ".join(sorted(action_kinds(rule) & action_kinds(conflict)))
            skipped.append(
                (
                    str(rule["ID"]),
                    f"owner rule {conflict.get('ID', '(no ID)')!r} already governs an overlapping scope "
                    f"({kinds} actions); no competing rule added",
                )
            )
        elif len(owner) + len(added) >= MAX_RULES:
            skipped.append((str(rule["ID"]), f"the bucket would exceed S3's limit of {MAX_RULES} lifecycle rules"))
        else:
            added.append(dict(rule))
    merged = owner + added
    if not merged:
        return MergeResult(None, tuple(skipped))
    config: dict[str, Any] = {"Rules": merged}
    if current is not None and "TransitionDefaultMinimumObjectSize" in current:
        config["TransitionDefaultMinimumObjectSize"] = current["TransitionDefaultMinimumObjectSize"]
    return MergeResult(config, tuple(skipped))


def under_floor(config: LifecycleConfig, floor_days: int) -> list[str]:
    """What ecoguard's own rules in ``config`` would delete sooner than ``floor_days`` (the policy's floor for
    settings that delete data): expiration or noncurrent-version expiration under it, or on a date (ecoguard
    writes days only). The owner's rules are theirs, never judged."""
    found = []
    for rule in (config or {}).get("Rules", []):
        if not is_owned(rule):
            continue
        expiration = rule.get("Expiration") or {}
        noncurrent = (rule.get("NoncurrentVersionExpiration") or {}).get("NoncurrentDays")
        if "Date" in expiration:
            found.append(f"rule {rule['ID']} expires objects on a date ({expiration['Date']})")
        days = expiration.get("Days")
        if isinstance(days, int) and days < floor_days:
            found.append(f"rule {rule['ID']} expires objects after {days} days")
        if isinstance(noncurrent, int) and noncurrent < floor_days:
            found.append(f"rule {rule['ID']} expires noncurrent versions after {noncurrent} days")
    return found


def owner_rules(config: LifecycleConfig) -> list[Rule]:
    return [r for r in (config or {}).get("Rules", []) if not is_owned(r)]


def _rules_by_id(config: LifecycleConfig) -> dict[str, Rule]:
    return {str(r.get("ID", "")): r for r in (config or {}).get("Rules", []) if is_owned(r)}


def _compact(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def describe_diff(before: LifecycleConfig, after: LifecycleConfig) -> list[str]:
    """A readable, rule-by-rule diff: ``+`` added, ``-`` removed, ``~`` replaced, owner rules kept."""
    old, new = _rules_by_id(before), _rules_by_id(after)
    lines = [f"+ {rule_id}: {_compact(_body(new[rule_id]))}" for rule_id in new if rule_id not in old]
    lines += [
        f"~ {rule_id}: {_compact(_body(old[rule_id]))} -> {_compact(_body(new[rule_id]))}"
        for rule_id in new
        if rule_id in old and old[rule_id] != new[rule_id]
    ]
    lines += [f"- {rule_id}" for rule_id in old if rule_id not in new]
    kept = len(owner_rules(after))
    if kept:
        lines.append(f"= {kept} owner rule(s) written back unchanged")
    if before is None and after is not None:
        lines.insert(0, "lifecycle configuration: none -> created")
    elif before is not None and after is None:
        lines.insert(0, "lifecycle configuration: deleted (no rules left)")
    return lines


def _body(rule: Rule) -> dict[str, Any]:
    return {k: v for k, v in rule.items() if k not in ("ID", "Status")}
