"""What every SageMaker adapter of ecoguard shares: a call whose error is translated through the one table of
not-found signals (``ecoguard.not_found``), and a resource's tags, every page of ListTags."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ecoguard.errors import translate
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

    def tags(self, arn: str) -> dict[str, str]:
        found: dict[str, str] = {}
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"ResourceArn": arn, "MaxResults": TAGS_PAGE_SIZE}
            if token:
                kwargs["NextToken"] = token
            response = self._call("list_tags", **kwargs)
            found.update({t["Key"]: t["Value"] for t in response.get("Tags", [])})
            token = response.get("NextToken") or None
            if token is None:
                return found
