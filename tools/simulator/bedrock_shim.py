"""Named shim for moto 5.2.5's gap in Amazon Bedrock Provisioned Throughput.

``moto_has_no_provisioned_throughput``: moto's Bedrock backend has no Provisioned Throughput at all (no
Create, Get, List or Delete), and its ListTagsForResource and TagResource know only custom models and jobs.
The shim keeps throughputs in memory on moto's Bedrock backend and answers, from botocore's model and the
Bedrock API reference:

- CreateProvisionedModelThroughput: ``provisionedModelArn`` (``provisioned-model/<12 lower-case
  alphanumerics>``), the throughput ``InService`` at once (AWS passes through ``Creating`` first); with a
  ``commitmentDuration``, ``commitmentExpirationTime`` one or six months (30 or 182 days here) after creation;
- GetProvisionedModelThroughput by ARN or name: every required member of its output; an unknown one answers
  ResourceNotFoundException (HTTP 404);
- ListProvisionedModelThroughputs: ``maxResults`` (1 to 1000) and ``nextToken`` paging, ``statusEquals``,
  sorted by creation time;
- DeleteProvisionedModelThroughput: ValidationException before a commitment's term is over ("You can't delete
  a Provisioned Throughput before the commitment term is over"), ResourceNotFoundException when unknown;
- ListTagsForResource / TagResource on a provisioned model's ARN: its ``[{key, value}]`` tags.

``backdate`` moves a throughput's ``creationTime`` (and its commitment's end with it) into the past: moto has
no clock to advance, and a throughput younger than the idle window is not judged.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch
from urllib.parse import unquote

from moto.bedrock.models import bedrock_backends
from moto.bedrock.responses import BedrockResponse
from moto.core.exceptions import JsonRESTError

from tools.simulator.identity import ACCOUNT, REGION

_MOTO_LIST_TAGS = BedrockResponse.list_tags_for_resource
_MOTO_TAG = BedrockResponse.tag_resource
TERMS = {"OneMonth": timedelta(days=30), "SixMonths": timedelta(days=182)}


class _NotFound(JsonRESTError):
    code = 404  # ResourceNotFoundException: httpStatusCode 404 (botocore's Bedrock model)

    def __init__(self, message: str) -> None:
        super().__init__("ResourceNotFoundException", message)


class _Invalid(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message)


@dataclass
class ShimThroughput:
    name: str
    arn: str
    model_arn: str
    foundation_model_arn: str
    units: int
    created: datetime
    commitment: str | None = None
    tags: list[dict[str, str]] = field(default_factory=list)
    status: str = "InService"

    @property
    def expires(self) -> datetime | None:
        return None if self.commitment is None else self.created + TERMS[self.commitment]

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "provisionedModelName": self.name,
            "provisionedModelArn": self.arn,
            "modelArn": self.model_arn,
            "desiredModelArn": self.model_arn,
            "foundationModelArn": self.foundation_model_arn,
            "modelUnits": self.units,
            "desiredModelUnits": self.units,
            "status": self.status,
            "creationTime": self.created.isoformat(),
            "lastModifiedTime": self.created.isoformat(),
        }
        if self.commitment is not None and self.expires is not None:
            out["commitmentDuration"] = self.commitment
            out["commitmentExpirationTime"] = self.expires.isoformat()
        return out


def _store(account: str | None = None, region: str | None = None) -> dict[str, ShimThroughput]:
    account = account or os.environ.get("MOTO_ACCOUNT_ID") or ACCOUNT
    region = region or os.environ.get("AWS_REGION") or REGION
    backend: Any = bedrock_backends[account][region]
    if not hasattr(backend, "ecoguard_throughputs"):
        backend.ecoguard_throughputs = {}
    store: dict[str, ShimThroughput] = backend.ecoguard_throughputs
    return store


def _find(identifier: str) -> ShimThroughput:
    store = _store()
    found = store.get(identifier) or next((t for t in store.values() if t.name == identifier), None)
    if found is None:
        raise _NotFound(f"Provisioned model {identifier} not found")
    return found


def _foundation(model_id: str, region: str) -> str:
    if model_id.startswith("arn:"):
        return model_id
    return f"arn:aws:bedrock:{region}::foundation-model/{model_id}"


def _create(self: BedrockResponse) -> tuple[int, dict[str, str], str]:
    params = json.loads(self.body)
    units = params["modelUnits"]
    if units < 1:
        raise _Invalid("modelUnits must be at least 1")
    commitment = params.get("commitmentDuration")
    if commitment is not None and commitment not in TERMS:
        raise _Invalid(f"commitmentDuration {commitment!r} is not one of {sorted(TERMS)}")
    arn = f"arn:aws:bedrock:{self.region}:{self.current_account}:provisioned-model/{secrets.token_hex(6)}"
    model = _foundation(params["modelId"], self.region)
    _store()[arn] = ShimThroughput(
        name=params["provisionedModelName"],
        arn=arn,
        model_arn=model,
        foundation_model_arn=model,
        units=units,
        created=datetime.now(UTC),
        commitment=commitment,
        tags=list(params.get("tags", [])),
    )
    return 201, {}, json.dumps({"provisionedModelArn": arn})


def _identifier(self: BedrockResponse) -> str:
    return unquote(str(self.uri_match.get("provisionedModelId", "")))


def _get(self: BedrockResponse) -> str:
    return json.dumps(_find(_identifier(self)).describe())


def _list(self: BedrockResponse) -> str:
    size = int(self._get_param("maxResults") or 1000)
    if not 1 <= size <= 1000:
        raise _Invalid("maxResults must be between 1 and 1000")
    status = self._get_param("statusEquals")
    listed = sorted((t for t in _store().values() if status in (None, t.status)), key=lambda t: (t.created, t.arn))
    start = int(self._get_param("nextToken") or 0)
    page = listed[start : start + size]
    summaries = []
    for t in page:
        summary = t.describe()
        summaries.append(summary)
    body: dict[str, Any] = {"provisionedModelSummaries": summaries}
    if start + size < len(listed):
        body["nextToken"] = str(start + size)
    return json.dumps(body)


def _delete(self: BedrockResponse) -> str:
    found = _find(_identifier(self))
    if found.expires is not None and found.expires > datetime.now(UTC):
        raise _Invalid("You can't delete a Provisioned Throughput before the commitment term is over.")
    del _store()[found.arn]
    return json.dumps({})


def _list_tags(self: BedrockResponse) -> str:
    arn = json.loads(self.body).get("resourceARN", "")
    if ":provisioned-model/" not in arn:
        return str(_MOTO_LIST_TAGS(self))
    return json.dumps({"tags": _find(arn).tags})


def _tag(self: BedrockResponse) -> str:
    params = json.loads(self.body)
    arn = params.get("resourceARN", "")
    if ":provisioned-model/" not in arn:
        return str(_MOTO_TAG(self))
    found = _find(arn)
    keys = {t["key"] for t in params.get("tags", [])}
    found.tags = [t for t in found.tags if t["key"] not in keys] + list(params.get("tags", []))
    return json.dumps({})


def backdate(arn: str, created: datetime) -> None:
    """The throughput created at ``created`` (its commitment's end moves with it)."""
    _find(arn).created = created


def throughput_exists(arn: str) -> bool:
    return arn in _store()


@contextmanager
def bedrock_throughput_shim() -> Iterator[None]:
    """``moto_has_no_provisioned_throughput``."""
    with ExitStack() as stack:
        for name, method in (
            ("create_provisioned_model_throughput", _create),
            ("get_provisioned_model_throughput", _get),
            ("list_provisioned_model_throughputs", _list),
            ("delete_provisioned_model_throughput", _delete),
            ("list_tags_for_resource", _list_tags),
            ("tag_resource", _tag),
        ):
            stack.enter_context(patch.object(BedrockResponse, name, method, create=True))
        yield
