"""Resource Groups Tagging API: every resource of one type that carries a governing tag key (or a
cost-allocation key the policy attributes by), in one listing per key, instead of one tag read per resource.

GetResources returns at most 100 resources a page (``ResourcesPerPage``, Resource Groups Tagging API
reference). A key filter without values matches the key with any value, so ``ecoguard:exempt=TRUE``
is found too; the caller decides with ``guardrails.tags.is_exempt``. The tagging API can lag a tag
change by a short while: each guardrail's IAM Deny on ``aws:ResourceTag/ecoguard:exempt`` is the
backstop that keeps a just-exempted resource untouched.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ecoguard import overlap
from ecoguard.errors import calling

if TYPE_CHECKING:
    from mypy_boto3_resourcegroupstaggingapi import ResourceGroupsTaggingAPIClient

PAGE_SIZE = 100


class TaggingAdapter:
    def __init__(self, tagging: ResourceGroupsTaggingAPIClient) -> None:
        self._tagging = tagging

    def tagged(self, resource_type: str, keys: Iterable[str]) -> dict[str, dict[str, str]]:
        """ARN -> every tag, for each resource of ``resource_type`` (e.g. ``logs:log-group``) that has
        at least one of ``keys``. Every page of every listing: one listing per distinct key (AWS ANDs
        TagFilters on different keys, so keys cannot share a listing), the listings side by side
        (``overlap.read_all``), their answers taken in the keys' order."""

        def listing(key: str) -> dict[str, dict[str, str]]:
            return self._listing({"ResourceTypeFilters": [resource_type], "TagFilters": [{"Key": key}]})

        found: dict[str, dict[str, str]] = {}
        for listed in overlap.read_all(listing, list(dict.fromkeys(keys))):
            found.update(listed)
        return found

    def all_tagged(self, resource_type: str) -> dict[str, dict[str, str]]:
        """ARN -> every tag, for each resource of ``resource_type`` that has (or had) a tag: one listing.
        Only for types whose resources come and go (endpoints), not ones that pile up (training jobs)."""
        return self._listing({"ResourceTypeFilters": [resource_type]})

    def _listing(self, kwargs: dict[str, Any]) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        kwargs = {**kwargs, "ResourcesPerPage": PAGE_SIZE}
        while True:
            response = calling(self._tagging.get_resources, **kwargs)
            for mapping in response.get("ResourceTagMappingList", []):
                found[str(mapping["ResourceARN"])] = {t["Key"]: t["Value"] for t in mapping.get("Tags", [])}
            token = response.get("PaginationToken")
            if not token:
                return found
            kwargs["PaginationToken"] = token
