"""Named shims for two moto 5.2.5 gaps in the Resource Groups Tagging API (measured):

1. ``moto_tagging_misnames_log_groups``: moto's logs backend reports its log groups to the tagging API
   as resource type ``logs:loggroup``, so ``GetResources(ResourceTypeFilters=["logs:log-group"])`` (the
   type AWS uses, as in the ARN ``...:log-group:<name>``) finds none. The shim renames the type.
2. ``moto_tagging_pages_by_tags_too``: moto applies a default ``TagsPerPage`` of 100 (and stops one
   short of it) even when the request sets only ``ResourcesPerPage``, so 100 one-tag resources take two
   pages. AWS applies TagsPerPage only when it is given (AWS recommends ResourcesPerPage instead;
   GetResources API reference). ecoguard never sends TagsPerPage; while installed, moto pages by
   ResourcesPerPage alone.

``log_groups_in_tagging_api`` installs both. Everything else (tag filters, tokens, the groups and
their tags) stays moto's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from moto.core.resource_tagging import TaggedResource
from moto.logs.models import LogsBackend
from moto.resourcegroupstaggingapi.models import ResourceGroupsTaggingAPIBackend

AWS_TYPE = "logs:log-group"
_NO_TAG_LIMIT = 10**9


@contextmanager
def log_groups_in_tagging_api() -> Iterator[None]:
    original_iter = LogsBackend.iter_tagged_resources
    original_get = ResourceGroupsTaggingAPIBackend.get_resources

    def renamed(self: LogsBackend) -> Iterator[TaggedResource]:
        for resource in original_iter(self):
            yield replace(resource, resource_type=AWS_TYPE)

    def by_resources(self: ResourceGroupsTaggingAPIBackend, *args: Any, **kwargs: Any) -> Any:
        kwargs["tags_per_page"] = _NO_TAG_LIMIT
        return original_get(self, *args, **kwargs)

    LogsBackend.iter_tagged_resources = renamed  # type: ignore[method-assign]
    ResourceGroupsTaggingAPIBackend.get_resources = by_resources  # type: ignore[method-assign]
    try:
        yield
    finally:
        LogsBackend.iter_tagged_resources = original_iter  # type: ignore[method-assign]
        ResourceGroupsTaggingAPIBackend.get_resources = original_get  # type: ignore[method-assign]
