"""Whether the buckets ecoguard governs (the account's buckets in the stack's region) have attribute-based
access control on: only then does IAM read their tags, and only then does the role's exempt Deny hold."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ecoguard_cli.doctor.model import Row, Status, check
from ecoguard_cli.doctor.verdicts import abac_row

if TYPE_CHECKING:
    from ecoguard_cli.doctor.deployment import Deployment

MOST = 200  # buckets read, at most (one GetBucketAbac each)


@check("bucket ABAC", order=30)
def buckets_have_abac(deployment: Deployment) -> list[Row]:
    s3 = deployment.s3
    if "GetBucketAbac" not in s3.meta.service_model.operation_names:
        return [Row("S3 ABAC (exempt Deny holds)", Status.UNKNOWN, "this SDK has no S3 GetBucketAbac",
                    "upgrade boto3/botocore and run doctor again")]  # fmt: skip
    region = deployment.stack_arn["region"]
    listed = s3.list_buckets(BucketRegion=region, MaxBuckets=MOST)
    buckets = [str(b["Name"]) for b in listed.get("Buckets", [])]
    statuses: dict[str, str | None] = {}
    for bucket in buckets:
        try:
            statuses[bucket] = str(s3.get_bucket_abac(Bucket=bucket).get("AbacStatus", {}).get("Status", "Disabled"))
        except ClientError:
            statuses[bucket] = None  # AccessDenied, or the bucket went away
    return [abac_row(statuses, more=bool(listed.get("ContinuationToken")))]
