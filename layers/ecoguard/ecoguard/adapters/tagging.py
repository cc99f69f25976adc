"""Resource Groups Tagging API: every resource of one type that carries a governing tag key, in one
listing per key, instead of one tag read per resource.

GetResources returns at most 100 resources a page (``ResourcesPerPage``, Resource Groups Tagging API
reference). A key filter without values matches the key with any value, so ``ecoguard:exempt=TRUE``
is found too; the caller decides with ``guardrails.tags.is_exempt``. The tagging API can lag a tag
change by a short while: each guardrail's IAM Deny on ``aws:ResourceTag/ecoguard:exempt`` is the
backstop that keeps a just-exempted resource untouched.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from botocore.exceptions import ClientError

from ecoguard.errors import translate

PAGE_SIZE = 100


class TaggingAdapter:
    def __init__(self, tagging: Any) -> None:
        self._tagging = tagging

    def tagged(self, resource_type: str, keys: Iterable[str]) -> dict[str, dict[str, str]]:
        """ARN -> every tag, for each resource of ``resource_type`` (e.g. ``logs:log-group``) that has
        at least one of ``keys``. Every page of every listing."""
        found: dict[str, dict[str, str]] = {}
        for key in keys:
            kwargs: dict[str, Any] = {
                "ResourceTypeFilters": [resource_type],
                "TagFilters": [{"Key": key}],
                "ResourcesPerPage": PAGE_SIZE,
            }
            while True:
                try:
                    response = self._tagging.get_resources(**kwargs)
                except ClientError as exc:
                    raise translate(exc) from exc
                for mapping in response.get("ResourceTagMappingList", []):
                    found[str(mapping["ResourceARN"])] = {t["Key"]: t["Value"] for t in mapping.get("Tags", [])}
                token = response.get("PaginationToken")
                if not token:
                    break
                kwargs["PaginationToken"] = token
        return found
