"""S3 lifecycle constraints, checked before ecoguard sends a rule of its own in PutBucketLifecycleConfiguration,
so a rule that breaks one is refused naming the rule and the constraint (some checks are stricter than S3's).

Sources (S3 API reference and User Guide, "Constraints and considerations for transitions"):

- ``Transition.Days``: 0 or more for INTELLIGENT_TIERING, GLACIER_IR, GLACIER and DEEP_ARCHIVE; at
  least 30 for STANDARD_IA and ONEZONE_IA (objects must be stored 30 days before moving there).
- Transitions follow the waterfall STANDARD_IA > INTELLIGENT_TIERING > ONEZONE_IA > GLACIER_IR >
  GLACIER > DEEP_ARCHIVE, never back up it; an object stays 30 days in STANDARD_IA or ONEZONE_IA
  before it moves on.
- Expiration comes after every transition of the same rule.
- Minimum storage durations: 30 days (STANDARD_IA, ONEZONE_IA), 90 (GLACIER_IR, GLACIER), 180
  (DEEP_ARCHIVE). S3 bills objects removed earlier as if stored that long; ecoguard's own rules
  never move on or expire before it (stricter than S3, which only bills).
- ``AbortIncompleteMultipartUpload`` is not allowed with a tag filter; ``NewerNoncurrentVersions``
  is 1-100; a configuration holds at most 1,000 rules; a rule ID is at most 255 characters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

MAX_RULES = 1000
MAX_RULE_ID = 255
WATERFALL: tuple[str, ...] = (
    "STANDARD_IA",
    "INTELLIGENT_TIERING",
    "ONEZONE_IA",
    "GLACIER_IR",
    "GLACIER",
    "DEEP_ARCHIVE",
)
MIN_DAYS_BEFORE: Mapping[str, int] = {"STANDARD_IA": 30, "ONEZONE_IA": 30}
MIN_STORAGE_DAYS: Mapping[str, int] = {
    "STANDARD_IA": 30,
    "ONEZONE_IA": 30,
    "GLACIER_IR": 90,
    "GLACIER": 90,
    "DEEP_ARCHIVE": 180,
}


class LifecycleRuleError(ValueError):
    """A rule S3 would reject (or ecoguard must not write)."""


def check_rule(rule: Mapping[str, Any]) -> None:
    """Raise ``LifecycleRuleError`` naming the rule and the broken constraint."""
    rule_id = str(rule.get("ID", ""))
    if not rule_id or len(rule_id) > MAX_RULE_ID:
        raise LifecycleRuleError(f"rule ID {rule_id!r} must be 1-{MAX_RULE_ID} characters")
    if rule.get("Status") not in ("Enabled", "Disabled"):
        raise LifecycleRuleError(f"{rule_id}: Status must be Enabled or Disabled")
    _check_steps(
        rule_id,
        [(t["StorageClass"], int(t["Days"])) for t in rule.get("Transitions", [])],
        rule.get("Expiration", {}).get("Days"),
        "Days",
    )
    _check_steps(
        rule_id,
        [(t["StorageClass"], int(t["NoncurrentDays"])) for t in rule.get("NoncurrentVersionTransitions", [])],
        rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays"),
        "NoncurrentDays",
    )
    newer = rule.get("NoncurrentVersionExpiration", {}).get("NewerNoncurrentVersions")
    if newer is not None and not 1 <= int(newer) <= 100:
        raise LifecycleRuleError(f"{rule_id}: NewerNoncurrentVersions must be 1-100, not {newer}")
    abort = rule.get("AbortIncompleteMultipartUpload")
    if abort is not None:
        if int(abort.get("DaysAfterInitiation", 0)) < 1:
            raise LifecycleRuleError(f"{rule_id}: AbortIncompleteMultipartUpload.DaysAfterInitiation must be >= 1")
        flt = rule.get("Filter", {})
        if "Tag" in flt or flt.get("And", {}).get("Tags"):
            raise LifecycleRuleError(f"{rule_id}: AbortIncompleteMultipartUpload cannot be used with a tag filter")


def _check_steps(rule_id: str, transitions: Sequence[tuple[str, int]], expiration: object, field: str) -> None:
    previous: tuple[str, int] | None = None
    for storage_class, days in transitions:
        if storage_class not in WATERFALL:
            raise LifecycleRuleError(f"{rule_id}: unknown storage class {storage_class}")
        if days < MIN_DAYS_BEFORE.get(storage_class, 0):
            raise LifecycleRuleError(
                f"{rule_id}: a transition to {storage_class} needs {field} >= {MIN_DAYS_BEFORE[storage_class]}, "
                f"not {days}"
            )
        if previous is not None:
            before_class, before_days = previous
            if WATERFALL.index(storage_class) <= WATERFALL.index(before_class):
                raise LifecycleRuleError(f"{rule_id}: {before_class} -> {storage_class} goes up the waterfall")
            if days < before_days + MIN_STORAGE_DAYS.get(before_class, 1):
                raise LifecycleRuleError(
                    f"{rule_id}: {storage_class} at {days} d is before {before_class}'s minimum storage "
                    f"({before_days} + {MIN_STORAGE_DAYS.get(before_class, 1)} d)"
                )
        previous = (storage_class, days)
    if expiration is None:
        return
    expire = int(str(expiration))
    if expire < 1:
        raise LifecycleRuleError(f"{rule_id}: expiration {field} must be >= 1")
    if previous is not None:
        last_class, last_days = previous
        minimum = last_days + max(1, MIN_STORAGE_DAYS.get(last_class, 1))
        if expire < minimum:
            raise LifecycleRuleError(
                f"{rule_id}: expiration at {expire} d must come after the transition to {last_class} at "
                f"{last_days} d plus its minimum storage ({minimum} d)"
            )


def check_rule_count(rules: Sequence[Mapping[str, Any]]) -> None:
    if len(rules) > MAX_RULES:
        raise LifecycleRuleError(f"{len(rules)} rules exceed S3's limit of {MAX_RULES} per bucket")


def check_tiering(config: Mapping[str, Any]) -> None:
    """Intelligent-Tiering: ARCHIVE_ACCESS 90-730 days, DEEP_ARCHIVE_ACCESS 180-730 (S3 API reference, Tiering)."""
    bounds = {"ARCHIVE_ACCESS": (90, 730), "DEEP_ARCHIVE_ACCESS": (180, 730)}
    for tiering in config.get("Tierings", []):
        low, high = bounds[tiering["AccessTier"]]
        if not low <= int(tiering["Days"]) <= high:
            raise LifecycleRuleError(
                f"{config.get('Id')}: {tiering['AccessTier']} Days must be {low}-{high}, not {tiering['Days']}"
            )
