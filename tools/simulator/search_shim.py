"""Named shim for a moto 5.2.5 gap in the SageMaker Search API (measured):

``moto_search_ignores_max_results``: moto's Search applies the SearchExpression but ignores
``MaxResults`` and ``NextToken``: it answers every match in one response, so a sweep over 250 in-progress
training jobs would make one Search call where AWS makes three (MaxResults is at most 100; the Search API
reference). While installed, Search answers at most ``MaxResults`` records a call, in moto's order (the
order the resources were created, which is the order ecoguard asks for: ``CreationTime`` ascending), with
a ``NextToken`` while more remain. Everything else (the filters, the records) stays moto's own.

The token is a cursor, as moto's own paginators' are: the position after the last record returned, in the
order of creation of every resource of that type, so a resource that stops matching the filter between
two pages (a job the sweep stopped on the first page) does not shift the next page. AWS documents its
token as opaque; ecoguard does not depend on either behaviour for safety (a job a shifted page misses is
judged by the next sweep, or at once by its state-change event).
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from typing import Any
from unittest.mock import patch

from moto.core.responses import ActionResult
from moto.sagemaker.responses import SageMakerResponse


def _identity(record: dict[str, Any]) -> str:
    [(kind, resource)] = record.items()  # e.g. {"TrainingJob": {..., "TrainingJobArn": ...}}
    return str(resource.get(f"{kind}Arn") or json.dumps(resource, sort_keys=True, default=str))


def _paged_search(self: SageMakerResponse) -> ActionResult:
    resource = self._get_param("Resource")
    backend = self.sagemaker_backend
    found = backend.search(resource=resource, search_expression=self._get_param("SearchExpression"))["Results"]
    position = {_identity(r): i for i, r in enumerate(backend.search(resource=resource)["Results"])}
    after = int(self._get_param("NextToken") or 0)
    remaining = [r for r in found if position[_identity(r)] >= after]
    size = self._get_param("MaxResults")
    page: dict[str, Any] = {"Results": remaining if size is None else remaining[: int(size)]}
    if len(page["Results"]) < len(remaining):
        page["NextToken"] = str(position[_identity(page["Results"][-1])] + 1)
    return ActionResult(page)


def search_pages_shim() -> AbstractContextManager[object]:
    return patch.object(SageMakerResponse, "search", _paged_search)
