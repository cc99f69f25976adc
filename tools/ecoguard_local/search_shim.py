"""Named shim for a moto 5.2.5 gap in the SageMaker Search API (measured):

``moto_search_ignores_max_results``: moto's Search applies the SearchExpression but ignores
``MaxResults`` and ``NextToken``: it answers every match in one response, so a sweep over 250 in-progress
training jobs would make one Search call where AWS makes three (MaxResults is at most 100; the Search API
reference). While installed, Search answers at most ``MaxResults`` records a call, in moto's order (the
order the resources were created, which is the order ecoguard asks for: ``CreationTime`` ascending), with
a ``NextToken`` while more remain. Everything else (the filters, the records) stays moto's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.core.responses import ActionResult
from moto.sagemaker.responses import SageMakerResponse


def _paged_search(self: SageMakerResponse) -> ActionResult:
    found: dict[str, Any] = self.sagemaker_backend.search(
        resource=self._get_param("Resource"), search_expression=self._get_param("SearchExpression")
    )
    results = found["Results"]
    size = self._get_param("MaxResults")
    start = int(self._get_param("NextToken") or 0)
    end = len(results) if size is None else start + int(size)
    page: dict[str, Any] = {"Results": results[start:end]}
    if end < len(results):
        page["NextToken"] = str(end)
    return ActionResult(page)


@contextmanager
def search_pages_shim() -> Iterator[None]:
    original = SageMakerResponse.search
    SageMakerResponse.search = _paged_search  # type: ignore[method-assign]
    try:
        yield
    finally:
        SageMakerResponse.search = original  # type: ignore[method-assign]
