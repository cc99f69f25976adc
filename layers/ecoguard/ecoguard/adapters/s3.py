"""S3: list buckets page by page, read tags, versioning, lifecycle and ecoguard's tiering configs;
write a merged lifecycle configuration and ecoguard's Intelligent-Tiering configurations."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ecoguard.adapters.sdk_support import SdkTooOld, accepts
from ecoguard.errors import AwsError, NotFound, calling, translate
from ecoguard.guardrails.lifecycle_merge import OWNED_PREFIX, is_owned
from ecoguard.guardrails.s3_rules import check_rule, check_rule_count, check_tiering
from ecoguard.guardrails.storage_lifecycle import Bucket, BucketConfig
from ecoguard.paging import Page

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# ListBuckets returns at most 10,000 buckets a page (MaxBuckets, S3 API reference).
PAGE_SIZE = 10_000
LISTING_PARAMS = ("MaxBuckets", "BucketRegion")
MINIMUM_SIZE = "TransitionDefaultMinimumObjectSize"
NO_BUCKET = "NoSuchBucket"
NO_LIFECYCLE = "NoSuchLifecycleConfiguration"
NO_TAGS = "NoSuchTagSet"


def json_safe(value: Any) -> Any:
    """Audit records are JSON: S3 returns rule ``Date`` fields as datetimes; keep them as ISO strings
    (botocore accepts the string back, so the rule round-trips unchanged)."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3Adapter:
    def __init__(self, s3: S3Client, region: str) -> None:
        self._s3 = s3
        self._region = region

    def page(self, token: str | None) -> Page[Bucket]:
        if not accepts(self._s3, "ListBuckets", *LISTING_PARAMS):
            raise SdkTooOld(
                "ListBuckets",
                LISTING_PARAMS,
                "this region's buckets cannot be listed (nor told from other regions'); the sweep waits for a "
                "newer runtime, while CreateBucket and PutBucketTagging events are still handled",
            )
        kwargs: dict[str, Any] = {"MaxBuckets": PAGE_SIZE, "BucketRegion": self._region}
        if token:
            kwargs["ContinuationToken"] = token
        response = calling(self._s3.list_buckets, **kwargs)
        buckets = tuple(
            Bucket(raw["Name"], raw.get("BucketRegion") or self._region)
            for raw in response.get("Buckets", [])
            # BucketRegion filters server-side; checked again in case an older endpoint ignores it.
            if (raw.get("BucketRegion") or self._region) == self._region
        )
        return Page(buckets, response.get("ContinuationToken") or None)

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._s3, operation)(**kwargs)
        except ClientError as exc:
            if _code(exc) == NO_BUCKET:
                raise NotFound(exc.operation_name, NO_BUCKET, str(exc)) from exc
            raise translate(exc) from exc

    def tags(self, name: str) -> dict[str, str]:
        try:
            response = self._call("get_bucket_tagging", Bucket=name)
        except AwsError as exc:
            if exc.code == NO_TAGS:
                return {}
            raise
        return {t["Key"]: t["Value"] for t in response.get("TagSet", [])}

    def versioned(self, name: str) -> bool:
        # A suspended bucket still holds noncurrent versions.
        return self._call("get_bucket_versioning", Bucket=name).get("Status") in ("Enabled", "Suspended")

    def lifecycle(self, name: str) -> dict[str, Any] | None:
        try:
            response = self._call("get_bucket_lifecycle_configuration", Bucket=name)
        except AwsError as exc:
            if exc.code == NO_LIFECYCLE:
                return None
            raise
        config: dict[str, Any] = {"Rules": json_safe(response.get("Rules", []))}
        if "TransitionDefaultMinimumObjectSize" in response:
            config["TransitionDefaultMinimumObjectSize"] = response["TransitionDefaultMinimumObjectSize"]
        return config

    def tiering(self, name: str) -> dict[str, dict[str, Any]]:
        """ecoguard's own Intelligent-Tiering configurations (Id ``ecoguard-...``); others are ignored."""
        owned: dict[str, dict[str, Any]] = {}
        kwargs: dict[str, Any] = {"Bucket": name}
        while True:
            response = self._call("list_bucket_intelligent_tiering_configurations", **kwargs)
            for config in response.get("IntelligentTieringConfigurationList", []):
                if str(config.get("Id", "")).startswith(OWNED_PREFIX):
                    owned[config["Id"]] = json_safe(config)
            token = response.get("NextContinuationToken")
            if not response.get("IsTruncated") or not token:
                return owned
            kwargs["ContinuationToken"] = token

    def config(self, name: str) -> BucketConfig:
        return BucketConfig(self.lifecycle(name), self.tiering(name))

    def write(self, name: str, current: BucketConfig, target: BucketConfig, *, restoring: bool = False) -> None:
        """Change the bucket from ``current`` (just read) to ``target``; only what differs is written.

        ecoguard's new rules are checked against S3's constraints first. A restore puts back exactly
        what the bucket held before, which S3 had already accepted, so it is not checked again.
        """
        if target.lifecycle != current.lifecycle:
            self._write_lifecycle(name, target.lifecycle, current.lifecycle, check=not restoring)
        for config_id, config in sorted(target.tiering.items()):
            if current.tiering.get(config_id) != config:
                if not restoring:
                    check_tiering(config)
                self._call(
                    "put_bucket_intelligent_tiering_configuration",
                    Bucket=name,
                    Id=config_id,
                    IntelligentTieringConfiguration=dict(config),
                )
        for config_id in sorted(set(current.tiering) - set(target.tiering)):
            if not config_id.startswith(OWNED_PREFIX):
                raise ValueError(f"refusing to delete {config_id}: not an ecoguard configuration")
            self._call("delete_bucket_intelligent_tiering_configuration", Bucket=name, Id=config_id)

    def _write_lifecycle(
        self, name: str, config: Mapping[str, Any] | None, current: Mapping[str, Any] | None, *, check: bool
    ) -> None:
        if config is None:
            self._call("delete_bucket_lifecycle", Bucket=name)
            return
        rules = list(config["Rules"])
        check_rule_count(rules)
        existing = list((current or {}).get("Rules", []))
        for rule in rules:
            # Rules ecoguard writes anew are checked; the owner's, and any a restore puts back,
            # are sent back exactly as S3 already accepted them.
            if check and is_owned(rule) and rule not in existing:
                check_rule(rule)
        if (current is not None or MINIMUM_SIZE in config) and not accepts(
            self._s3, "PutBucketLifecycleConfiguration", MINIMUM_SIZE
        ):
            # Such an SDK cannot read the owner's setting either; a write without it would reset it to S3's
            # default (S3 API reference, PutBucketLifecycleConfiguration).
            raise SdkTooOld(
                "PutBucketLifecycleConfiguration",
                (MINIMUM_SIZE,),
                "not written: it could reset the owner's minimum object size for transitions",
            )
        kwargs: dict[str, Any] = {"Bucket": name, "LifecycleConfiguration": {"Rules": rules}}
        if MINIMUM_SIZE in config:
            kwargs[MINIMUM_SIZE] = config[MINIMUM_SIZE]
        self._call("put_bucket_lifecycle_configuration", **kwargs)
