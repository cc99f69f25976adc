"""A governed resource's tags read now, by its ARN, from the service that owns it.

A restore writes nothing a new write would be refused, so it reads the exemption tag again just before it acts
(docs/THREAT_MODEL.md). Each service's own tag read is used, not the Resource Groups Tagging API, whose listing
can lag behind a tag just set:

- SageMaker: ListTags (``ResourceArn``, paged);
- CloudWatch Logs: ListTagsForResource (``resourceArn``, the log group's ARN without ``:*``);
- S3: GetBucketTagging (``NoSuchTagSet``: the bucket has no tags);
- EC2: DescribeTags filtered on the resource's ID (paged; a resource that no longer exists has none listed);
- Bedrock: ListTagsForResource (``resourceARN``).

A resource that no longer exists has no tag to honour: ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ecoguard.adapters.s3 import S3Adapter
from ecoguard.adapters.sagemaker import SageMakerAdapter
from ecoguard.errors import NotFound, calling


def service_of(arn: str) -> str:
    """``arn:partition:service:region:account:resource`` -> ``service``."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError(f"not an ARN: {arn!r}")
    return parts[2]


class ResourceTags:
    """``of(arn)``: the resource's tags now, or None when it no longer exists."""

    def __init__(self, clients: Callable[[str], Any]) -> None:
        self._clients = clients

    def of(self, arn: str) -> dict[str, str] | None:
        service = service_of(arn)
        if service == "sagemaker":
            try:
                return SageMakerAdapter(self._clients("sagemaker")).tags(arn)
            except NotFound:
                return None
        if service == "logs":
            try:
                response = calling(self._clients("logs").list_tags_for_resource, resourceArn=arn.removesuffix(":*"))
            except NotFound:
                return None
            return dict(response.get("tags", {}))
        if service == "s3":
            s3 = self._clients("s3")
            try:
                return S3Adapter(s3, s3.meta.region_name).tags(arn.rsplit(":", 1)[-1])
            except NotFound:
                return None
        if service == "ec2":
            return self._ec2(arn.rsplit("/", 1)[-1])
        if service == "bedrock":
            try:
                response = calling(self._clients("bedrock").list_tags_for_resource, resourceARN=arn)
            except NotFound:
                return None
            return {t["key"]: t["value"] for t in response.get("tags", [])}
        raise ValueError(f"no tag read for {service} resources ({arn})")

    def _ec2(self, resource_id: str) -> dict[str, str]:
        # DescribeTags: MaxResults 5 to 1000, NextToken (EC2 API Reference); filters apply before the page is cut.
        ec2 = self._clients("ec2")
        tags: dict[str, str] = {}
        kwargs: dict[str, Any] = {"Filters": [{"Name": "resource-id", "Values": [resource_id]}], "MaxResults": 1000}
        while True:
            response = calling(ec2.describe_tags, **kwargs)
            tags.update({t["Key"]: t["Value"] for t in response.get("Tags", [])})
            if not response.get("NextToken"):
                return tags
            kwargs["NextToken"] = response["NextToken"]
