"""What every SageMaker adapter of ecoguard shares: a call whose error is translated through the one table of
not-found signals (``ecoguard.not_found``), and a resource's tags, every page of ListTags."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ecoguard.errors import NotFound, translate
from ecoguard.not_found import SAGEMAKER

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

# SageMaker's listings return at most 100 a page; ListTags at most 50 (SageMaker API reference).
PAGE_SIZE = 100
TAGS_PAGE_SIZE = 50


class SageMakerCalls:
    def __init__(self, sagemaker: SageMakerClient) -> None:
        self._sm = sagemaker

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self._sm, operation)(**kwargs)
        except ClientError as exc:
            raise translate(exc, SAGEMAKER) from exc
        return response

    def _described(self, operation: str, **kwargs: Any) -> dict[str, Any] | None:
        """A Describe call's answer; None once SageMaker no longer knows the resource (``ecoguard.not_found``)."""
        try:
            return self._call(operation, **kwargs)
        except NotFound:
            return None

    def _items(self, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item under ``key`` of a listing, page after page while it answers a NextToken."""
        token: str | None = None
        while True:
            response = self._call(operation, **kwargs, **({"NextToken": token} if token else {}))
            yield from response.get(key, [])
            token = response.get("NextToken") or None
            if token is None:
                return

    def tags(self, arn: str) -> dict[str, str]:
        return {
            t["Key"]: t["Value"] for t in self._items("list_tags", "Tags", ResourceArn=arn, MaxResults=TAGS_PAGE_SIZE)
        }
