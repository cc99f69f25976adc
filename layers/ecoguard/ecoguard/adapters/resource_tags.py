"""A governed resource's tags read now, by its ARN, from the service that owns it.

A restore writes nothing a new write would be refused, so it reads the exemption tag again just before it acts
(docs/THREAT_MODEL.md). Each service's own tag read is used, not the Resource Groups Tagging API, whose listing
can lag behind a tag just set:

- SageMaker: ListTags (``ResourceArn``, paged);
- CloudWatch Logs: ListTagsForResource (``resourceArn``, the log group's ARN without ``:*``);
- S3: GetBucketTagging (``NoSuchTagSet``: the bucket has no tags).

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
        raise ValueError(f"no tag read for {service} resources ({arn})")
