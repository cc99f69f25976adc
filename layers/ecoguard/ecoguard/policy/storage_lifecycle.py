"""The ``storage_lifecycle`` section (StorageLifecycleFunction).

S3 constraints, from the S3 API reference (Transition.Days, Tiering.Days) and the S3 User Guide
("Constraints and considerations for transitions"): objects must stay 30 days before moving to
STANDARD_IA or ONEZONE_IA; Intelligent-Tiering ARCHIVE_ACCESS takes 90-730 days without access,
DEEP_ARCHIVE_ACCESS 180-730. The rules ecoguard builds are checked again, rule by rule, in
ecoguard.guardrails.s3_rules before every write.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ecoguard.policy.base import StrictModel, days, section

DataClass = Literal["raw", "recreatable", "artifact", "log"]
DATA_CLASSES: tuple[str, ...] = ("raw", "recreatable", "artifact", "log")


class RawClassPolicy(StrictModel):
    storage_class: Literal["GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"] = Field(
        default="GLACIER", description="The archive class raw data moves to."
    )
    transition_days: int = days(90, "Days after creation before raw data is archived.", least=0)


class RecreatableClassPolicy(StrictModel):
    onezone_ia_days: int = days(
        30, "Days after creation before re-creatable data moves to ONEZONE_IA; S3 requires at least 30.", least=30
    )
    expiration_days: int | None = Field(
        default=None,
        ge=1,
        le=36500,
        description=(
            "Optional: delete re-creatable data this many days after creation; at least `onezone_ia_days` + 30 "
            "(ONEZONE_IA's minimum storage duration). `null` never deletes."
        ),
    )

    @model_validator(mode="after")
    def _expires_after_minimum_storage(self) -> RecreatableClassPolicy:
        # ONEZONE_IA has a 30-day minimum storage duration; expiring earlier is billed as if stored 30 days.
        if self.expiration_days is not None and self.expiration_days < self.onezone_ia_days + 30:
            raise ValueError(
                f"expiration_days ({self.expiration_days}) must be at least onezone_ia_days + 30 "
                f"({self.onezone_ia_days + 30}): ONEZONE_IA's minimum storage duration is 30 days"
            )
        return self


class ArtifactClassPolicy(StrictModel):
    archive_access_days: int = Field(
        default=90,
        ge=90,
        le=730,
        description="Intelligent-Tiering ARCHIVE_ACCESS after this many days without access.",
    )
    deep_archive_access_days: int | None = Field(
        default=180,
        ge=180,
        le=730,
        description=(
            "DEEP_ARCHIVE_ACCESS after this many days without access, more than `archive_access_days`; `null` for none."
        ),
    )

    @model_validator(mode="after")
    def _deep_after_archive(self) -> ArtifactClassPolicy:
        if self.deep_archive_access_days is not None and self.deep_archive_access_days <= self.archive_access_days:
            raise ValueError(
                f"deep_archive_access_days ({self.deep_archive_access_days}) must be greater than "
                f"archive_access_days ({self.archive_access_days})"
            )
        return self


class LogClassPolicy(StrictModel):
    expiration_days: int = days(90, "Log data is deleted this many days after creation.")


class NoncurrentPolicy(StrictModel):
    noncurrent_days: int = days(30, "Noncurrent versions expire after this many days.")
    newer_noncurrent_versions: int = Field(
        default=3, ge=1, le=100, description="The newest this many noncurrent versions are kept, whatever their age."
    )


class PrefixClassRule(StrictModel):
    """Data classes by key prefix, for buckets whose name matches ``buckets`` (shell-style pattern)."""

    # prefixes first: its errors are reported before a missing `buckets`.
    prefixes: dict[Annotated[str, Field(min_length=1, max_length=1024)], DataClass] = Field(
        min_length=1, description="Key prefix to data class; the prefixes of one rule must not nest."
    )

    buckets: str = Field(
        min_length=1,
        max_length=255,
        description=(
            "Bucket name pattern (shell-style) the rule applies to; required, and it must name something (a "
            "pattern of wildcards only, such as `*`, would opt every bucket of the account in)."
        ),
    )

    @model_validator(mode="after")
    def _names_buckets(self) -> PrefixClassRule:
        # A rule opts the buckets it matches in to rules that delete data (noncurrent-version expiration
        # included): a pattern without a literal character would opt in every bucket, another team's too.
        if not self.buckets.strip("*?[]!-"):
            raise ValueError(f"buckets {self.buckets!r} matches every bucket; name the buckets the rule is for")
        return self

    @model_validator(mode="after")
    def _disjoint_prefixes(self) -> PrefixClassRule:
        # Nested prefixes would give one object two of ecoguard's rules with competing actions.
        for shorter, longer in pairwise(sorted(self.prefixes)):
            if longer.startswith(shorter):
                raise ValueError(f"prefixes {shorter!r} and {longer!r} overlap; give each object one data class")
        return self


class StorageLifecyclePolicy(StrictModel):
    """S3 lifecycle rules and Intelligent-Tiering by data class, merged with the owner's own rules.

    Example::

        storage_lifecycle:
          include: ["ml-*"]
          prefix_rules:
            - buckets: "ml-*"
              prefixes: {raw/: raw, train/: recreatable, models/: artifact}
          raw: {storage_class: DEEP_ARCHIVE, transition_days: 30}
    """

    enabled: bool = Field(default=True, description="Turn the storage guardrail off.")
    include: tuple[Annotated[str, Field(min_length=1, max_length=255)], ...] = Field(
        default=("*",), description="Bucket name patterns (shell-style) governed."
    )
    exclude: tuple[Annotated[str, Field(min_length=1, max_length=255)], ...] = Field(
        default=(), description="Bucket name patterns never governed, even if included."
    )
    prefix_rules: tuple[PrefixClassRule, ...] = Field(
        default=(),
        description=(
            "Data class per key prefix, for buckets without an `ecoguard:data-class` tag "
            "(`raw`, `recreatable`, `artifact` or `log`); the first rule whose `buckets` pattern matches wins. "
            "A bucket a rule names is opted in: rules that delete data or need a restore to read it (expiration, "
            "noncurrent-version expiration, GLACIER, DEEP_ARCHIVE, the Intelligent-Tiering archive tiers) apply "
            "to it. None by default: a bucket without the tag gets only the abort of incomplete multipart uploads."
        ),
    )
    raw: RawClassPolicy = section(RawClassPolicy, "Data class `raw`, rarely read: moved to an archive class.")
    recreatable: RecreatableClassPolicy = section(
        RecreatableClassPolicy, "Data class `recreatable` (training, validation, test sets): moved to ONEZONE_IA."
    )
    artifact: ArtifactClassPolicy = Field(
        default=ArtifactClassPolicy(),
        description=(
            "Data class `artifact` (models): moved to Intelligent-Tiering at once, with its archive tiers "
            "(configuration `ecoguard-archive`)."
        ),
    )
    log: LogClassPolicy = section(LogClassPolicy, "Data class `log`: deleted when old.")
    abort_incomplete_multipart_days: int = days(
        7, "Every governed bucket: incomplete multipart uploads are aborted after this many days."
    )
    noncurrent: NoncurrentPolicy = Field(
        default=NoncurrentPolicy(),
        description=(
            "Versioned, opted-in buckets (the `ecoguard:data-class` tag or a prefix rule naming them): noncurrent "
            "versions expire, keeping the newest few."
        ),
    )
