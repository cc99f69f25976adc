"""What a lifecycle rule or Intelligent-Tiering configuration does to the data it covers: pure.

- ``deleting``: removes data. ``Expiration`` by ``Days`` or ``Date`` deletes current versions (on a
  versioned bucket, makes them noncurrent and a later rule may delete them); ``NoncurrentVersionExpiration``
  deletes noncurrent versions permanently (S3 User Guide, "Lifecycle configuration elements").
  ``Expiration.ExpiredObjectDeleteMarker`` alone only removes delete markers with no versions behind them,
  so it deletes no data.
- ``unreadable``: objects in S3 Glacier Flexible Retrieval (``GLACIER``) or Deep Archive (``DEEP_ARCHIVE``)
  cannot be read with GetObject before a RestoreObject completes (S3 User Guide, "Restoring an archived
  object"), and neither can objects in the Intelligent-Tiering ``ARCHIVE_ACCESS`` or
  ``DEEP_ARCHIVE_ACCESS`` tiers (S3 User Guide, "How S3 Intelligent-Tiering works"). ``GLACIER_IR`` is
  read in milliseconds, so it is not among them.
- ``safe``: neither (AbortIncompleteMultipartUpload, transitions to readable classes).

A rule both deleting and archiving is ``deleting``: the worse of the two.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

ARCHIVE_STORAGE_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})
ARCHIVE_ACCESS_TIERS = frozenset({"ARCHIVE_ACCESS", "DEEP_ARCHIVE_ACCESS"})


class RuleClass(StrEnum):
    SAFE = "safe"
    DELETING = "deleting"
    UNREADABLE = "unreadable"


def classify_rule(rule: Mapping[str, Any]) -> RuleClass:
    """The class of one lifecycle rule (the shape of PutBucketLifecycleConfiguration's ``Rule``)."""
    expiration = rule.get("Expiration") or {}
    if "Days" in expiration or "Date" in expiration or "NoncurrentVersionExpiration" in rule:
        return RuleClass.DELETING
    transitions = [*rule.get("Transitions", []), *rule.get("NoncurrentVersionTransitions", [])]
    if any(t.get("StorageClass") in ARCHIVE_STORAGE_CLASSES for t in transitions):
        return RuleClass.UNREADABLE
    return RuleClass.SAFE


def classify_tiering(config: Mapping[str, Any]) -> RuleClass:
    """The class of one Intelligent-Tiering configuration: its archive tiers need a restore to read."""
    if any(t.get("AccessTier") in ARCHIVE_ACCESS_TIERS for t in config.get("Tierings", [])):
        return RuleClass.UNREADABLE
    return RuleClass.SAFE


def what_it_does(data_class: RuleClass) -> str:
    if data_class is RuleClass.DELETING:
        return "deletes data"
    if data_class is RuleClass.UNREADABLE:
        return "makes data unreadable until restored"
    return "loses no data"
