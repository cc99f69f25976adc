"""Named shims for four moto 5.2.5 gaps in the Resource Groups Tagging API (measured):

1. ``moto_tagging_misnames_log_groups``: moto's logs backend reports its log groups to the tagging API
   as resource type ``logs:loggroup``, so ``GetResources(ResourceTypeFilters=["logs:log-group"])`` (the
   type AWS uses, as in the ARN ``...:log-group:<name>``) finds none. The shim renames the type.
2. ``moto_tagging_pages_by_tags_too``: moto applies a default ``TagsPerPage`` of 100 (and stops one
   short of it) even when the request sets only ``ResourcesPerPage``, so 100 one-tag resources take two
   pages. AWS applies TagsPerPage only when it is given (AWS recommends ResourcesPerPage instead;
   GetResources API reference). ecoguard never sends TagsPerPage; while installed, moto pages by
   ResourcesPerPage alone.

3. ``moto_tagging_walks_every_backend``: moto walks every service's backend before it applies
   ``ResourceTypeFilters``, and its SageMaker backend raises while listing some resources (AttributeError:
   'list' object has no attribute 'arn'), so a log-group listing fails once SageMaker holds them. While
   installed, a request filtered by resource type walks only the backends of the services it names.

4. ``moto_sagemaker_tagging_breaks``: that same SageMaker backend listing fails outright once some
   SageMaker resources exist (the error above), so no SageMaker resource can be listed by tag. While
   installed, it lists the notebook instances, endpoints and training jobs ecoguard governs, with the
   tags AddTags/DeleteTags keep on them (as ListTags reads them).

``tagging_api_shims`` installs all four. Everything else (tag filters, tokens, the groups and
their tags) stays moto's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import moto.resourcegroupstaggingapi.models as tagging_models
from moto.core.resource_tagging import TaggableResourcesMixin, TaggedResource
from moto.logs.models import LogsBackend
from moto.resourcegroupstaggingapi.models import ResourceGroupsTaggingAPIBackend
from moto.sagemaker.models import SageMakerModelBackend

AWS_TYPE = "logs:log-group"
_NO_TAG_LIMIT = 10**9


@contextmanager
def tagging_api_shims() -> Iterator[None]:
    original_iter = LogsBackend.iter_tagged_resources
    original_sagemaker = SageMakerModelBackend.iter_tagged_resources
    original_get = ResourceGroupsTaggingAPIBackend.get_resources
    original_backends = tagging_models.iter_taggable_backends  # type: ignore[attr-defined]
    services: list[set[str]] = [set()]

    def named_backends(account_id: str, region_name: str) -> Iterator[TaggableResourcesMixin]:
        for backend in original_backends(account_id, region_name):
            if not services[0] or getattr(backend, "SERVICE_NAMESPACE", None) in services[0]:
                yield backend

    def renamed(self: LogsBackend) -> Iterator[TaggedResource]:
        for resource in original_iter(self):
            yield replace(resource, resource_type=AWS_TYPE)

    def governed_sagemaker(self: SageMakerModelBackend) -> Iterator[TaggedResource]:
        stores: dict[str, Any] = {
            "sagemaker:notebook-instance": self.notebook_instances,
            "sagemaker:endpoint": self.endpoints,
            "sagemaker:training-job": self.training_jobs,
        }
        for resource_type, store in stores.items():
            for resource in store.values():
                tags = {t["Key"]: t["Value"] for t in getattr(resource, "tags", None) or []}
                if tags:
                    yield TaggedResource(arn=resource.arn, tags=tags, resource_type=resource_type)

    def by_resources(self: ResourceGroupsTaggingAPIBackend, *args: Any, **kwargs: Any) -> Any:
        kwargs["tags_per_page"] = _NO_TAG_LIMIT
        # moto builds a lazy generator on the first page and resumes it for later pages.
        services[0] = {f.split(":", 1)[0] for f in kwargs.get("resource_type_filters") or []}
        return original_get(self, *args, **kwargs)

    LogsBackend.iter_tagged_resources = renamed  # type: ignore[method-assign]
    SageMakerModelBackend.iter_tagged_resources = governed_sagemaker  # type: ignore[method-assign]
    ResourceGroupsTaggingAPIBackend.get_resources = by_resources  # type: ignore[method-assign]
    tagging_models.iter_taggable_backends = named_backends  # type: ignore[attr-defined]
    try:
        yield
    finally:
        LogsBackend.iter_tagged_resources = original_iter  # type: ignore[method-assign]
        SageMakerModelBackend.iter_tagged_resources = original_sagemaker  # type: ignore[method-assign]
        ResourceGroupsTaggingAPIBackend.get_resources = original_get  # type: ignore[method-assign]
        tagging_models.iter_taggable_backends = original_backends  # type: ignore[attr-defined]
