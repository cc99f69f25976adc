"""Named shim for a moto 5.2.5 gap in the Resource Groups Tagging API (measured):

``moto_tagging_misnames_log_groups``: moto's logs backend reports its log groups to the tagging API
as resource type ``logs:loggroup``, so ``GetResources(ResourceTypeFilters=["logs:log-group"])`` (the
type AWS uses, as in the ARN ``...:log-group:<name>``) finds none. ``log_groups_in_tagging_api``
renames the type while installed. Everything else (tag filters, pagination, the groups and their
tags) stays moto's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from moto.core.resource_tagging import TaggedResource
from moto.logs.models import LogsBackend

AWS_TYPE = "logs:log-group"


@contextmanager
def log_groups_in_tagging_api() -> Iterator[None]:
    original = LogsBackend.iter_tagged_resources

    def renamed(self: LogsBackend) -> Iterator[TaggedResource]:
        for resource in original(self):
            yield replace(resource, resource_type=AWS_TYPE)

    LogsBackend.iter_tagged_resources = renamed  # type: ignore[method-assign]
    try:
        yield
    finally:
        LogsBackend.iter_tagged_resources = original  # type: ignore[method-assign]
