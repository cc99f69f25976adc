"""Buckets for the storage-lifecycle guardrail: every data class, the owner's own rules, a conflict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ecoguard.adapters.clients import client
from tools.simulator.identity import REGION

OTHER_REGION = "eu-west-1"

OWNER_RULES: list[dict[str, Any]] = [
    {
        "ID": "owner-scratch-expiry",
        "Filter": {"And": {"Prefix": "scratch/", "ObjectSizeGreaterThan": 1024}},
        "Status": "Enabled",
        "Expiration": {"Days": 14},
    },
    {
        "ID": "owner-reports-archive",
        "Filter": {"Prefix": "reports/"},
        "Status": "Enabled",
        "Transitions": [{"Days": 180, "StorageClass": "GLACIER"}],
    },
]
CONFLICTING_RULE: dict[str, Any] = {
    "ID": "owner-keep-seven-years",
    "Filter": {"Prefix": ""},
    "Status": "Enabled",
    "Transitions": [{"Days": 365, "StorageClass": "DEEP_ARCHIVE"}],
    "Expiration": {"Days": 2557},
}
OWNER_TIERING: dict[str, Any] = {
    "Id": "team-archive",
    "Status": "Enabled",
    "Tierings": [{"Days": 120, "AccessTier": "ARCHIVE_ACCESS"}],
}


@dataclass(frozen=True)
class SeedBucket:
    name: str
    tags: dict[str, str] = field(default_factory=dict)
    versioned: bool = False
    rules: list[dict[str, Any]] = field(default_factory=list)
    minimum_object_size: str | None = None
    tiering: list[dict[str, Any]] = field(default_factory=list)
    region: str = REGION
    objects: dict[str, int] = field(default_factory=dict)  # key -> bytes, in S3 Standard (priced from their size)


BUCKETS: tuple[SeedBucket, ...] = (
    SeedBucket("ml-raw-landing", {"ecoguard:data-class": "raw"}),
    SeedBucket(
        "ml-feature-sets",
        {"ecoguard:data-class": "recreatable"},
        versioned=True,
        objects={"train/part-0.parquet": 3 * 2**20, "train/part-1.parquet": 3 * 2**20},
    ),
    SeedBucket("ml-model-artifacts", {"ecoguard:data-class": "artifact"}, tiering=[OWNER_TIERING]),
    SeedBucket("ml-training-logs", {"ecoguard:data-class": "log"}, objects={"run-7/stdout.log": 2**20}),
    # Untagged and named by no prefix rule: not opted in, so only the abort of multipart uploads applies.
    SeedBucket("ml-datalake", versioned=True, rules=OWNER_RULES, minimum_object_size="varies_by_storage_class"),
    SeedBucket("ml-compliance-archive", {"ecoguard:data-class": "raw"}, rules=[CONFLICTING_RULE]),
    SeedBucket("ml-legal-hold", {"ecoguard:data-class": "raw", "ecoguard:exempt": "true"}, rules=OWNER_RULES),
    SeedBucket("ml-misc-bucket", {"ecoguard:data-class": "hot"}),
    SeedBucket("ml-eu-replica", {"ecoguard:data-class": "raw"}, region=OTHER_REGION),
)


def seed_buckets() -> int:
    """Create the buckets (through ecoguard's cached client, so shims installed on it apply)."""
    s3 = client("s3")
    for bucket in BUCKETS:
        kwargs: dict[str, Any] = {"Bucket": bucket.name}
        if bucket.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": bucket.region}
        s3.create_bucket(**kwargs)
        if bucket.tags:
            s3.put_bucket_tagging(
                Bucket=bucket.name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in bucket.tags.items()]}
            )
        if bucket.versioned:
            s3.put_bucket_versioning(Bucket=bucket.name, VersioningConfiguration={"Status": "Enabled"})
        if bucket.rules:
            lifecycle: dict[str, Any] = {"Bucket": bucket.name, "LifecycleConfiguration": {"Rules": bucket.rules}}
            if bucket.minimum_object_size:
                lifecycle["TransitionDefaultMinimumObjectSize"] = bucket.minimum_object_size
            s3.put_bucket_lifecycle_configuration(**lifecycle)
        for key, size in bucket.objects.items():
            s3.put_object(Bucket=bucket.name, Key=key, Body=b"\0" * size)
        for config in bucket.tiering:
            s3.put_bucket_intelligent_tiering_configuration(
                Bucket=bucket.name, Id=config["Id"], IntelligentTieringConfiguration=config
            )
    return len(BUCKETS)


def configuration_snapshot() -> dict[str, dict[str, Any]]:
    """Every seeded bucket's lifecycle configuration and all its Intelligent-Tiering configurations."""
    s3 = client("s3")
    snapshot: dict[str, dict[str, Any]] = {}
    for bucket in BUCKETS:
        try:
            response = s3.get_bucket_lifecycle_configuration(Bucket=bucket.name)
            lifecycle: Any = {k: v for k, v in response.items() if k != "ResponseMetadata"}
        except s3.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] != "NoSuchLifecycleConfiguration":
                raise
            lifecycle = None
        tiering = s3.list_bucket_intelligent_tiering_configurations(Bucket=bucket.name)
        snapshot[bucket.name] = {
            "lifecycle": lifecycle,
            "tiering": tiering.get("IntelligentTieringConfigurationList", []),
        }
    return snapshot
