"""Named shim ``moto_has_no_inference_components``: moto 5.2.5 implements no inference components, and
``ListInferenceComponents`` raises NotImplementedError instead of answering. While installed, the listing
answers what moto holds: none (every page empty). Tests that need components answer the call themselves
with a ``before-call`` hook, which botocore runs before the request reaches moto."""

from __future__ import annotations

from contextlib import AbstractContextManager
from unittest.mock import patch

from moto.core.responses import ActionResult
from moto.sagemaker.responses import SageMakerResponse


def _no_components(self: SageMakerResponse) -> ActionResult:
    return ActionResult({"InferenceComponents": []})


def inference_components_shim() -> AbstractContextManager[object]:
    return patch.object(SageMakerResponse, "list_inference_components", _no_components, create=True)
