"""Fakes that can only say what AWS can say: every response a test receives, checked against botocore's model.

``problems(output_shape, response)`` walks a response (as the client returned it, or as the simulator's
JSON body said it) against the operation's output shape in botocore's service model and names:

- a member the shape does not define (a field AWS never returns);
- a string outside the shape's ``enum`` (a status AWS does not define);
- a required member that is absent.

``ResponseChecks`` collects those problems from every call a client makes while it is installed: it wraps
``BaseClient._make_api_call`` (so moto's answers, the named shims' answers, ``before-call`` fakes and
``Stubber`` responses all pass through it) and ``Endpoint._do_get_response`` (so a JSON body's members are
seen before botocore's parser drops the ones it does not know). ``tests/conftest.py`` installs it for every
test and fails the test that received a response the model does not allow.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest.mock import patch

from botocore.client import BaseClient
from botocore.endpoint import Endpoint
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

# moto 5.2.5's own answers that AWS would not give, each a simulator gap named in tests/README.md: moto (not a
# fake of ours) sends them, and no ecoguard code reads the members concerned as present. (operation, the
# problem's path without the response shape's name, a text the problem contains) -> why it is tolerated.
MOTO_GAPS: dict[tuple[str, str, str], str] = {
    ("sagemaker.DescribeEndpoint", ".DataCaptureConfig.", "absent"): "moto sends an empty DataCaptureConfig",
    ("sagemaker.DescribeEndpointConfig", ".DataCaptureConfig.", "absent"): "moto sends an empty DataCaptureConfig",
    ("sagemaker.DescribeModel", ".VpcConfig.", "absent"): "moto sends an empty VpcConfig for a model without one",
    ("sagemaker.DescribeModelCard", ".ModelCardStatus", "required"): (
        "moto drops the ModelCardStatus a card was created with (CreateModelCard requires it)"
    ),
    ("sagemaker.ListModelCards", ".ModelCardSummaries[", ".ModelCardStatus: required"): (
        "moto drops the ModelCardStatus a card was created with"
    ),
    ("cloudtrail.CreateTrail", ".Has", "not a member"): (
        "moto adds HasCustomEventSelectors and HasInsightSelectors (GetTrail's members) to CreateTrail's answer"
    ),
    ("application-autoscaling.DescribeScalableTargets", ".ScalableTargets[", ".RoleARN: required"): (
        "moto omits RoleARN, the service-linked role AWS fills in when RegisterScalableTarget names none"
    ),
}

# Added by botocore to every parsed response, never part of an output shape.
PARSER_MEMBERS = frozenset({"ResponseMetadata"})
# The JSON protocol names body members as the model does (rest-json may rename them with locationName).
JSON_PROTOCOLS = frozenset({"json"})


def problems(shape: Shape | None, value: Any, where: str = "") -> list[str]:
    """What in ``value`` the output ``shape`` does not allow, one line each (empty: it conforms)."""
    if shape is None:
        return []
    found: list[str] = []
    _walk(shape, value, where or shape.name, found, top=True)
    return found


def _walk(shape: Shape, value: Any, where: str, found: list[str], *, top: bool = False) -> None:
    if value is None:
        return
    if isinstance(shape, StructureShape):
        if isinstance(value, Mapping):
            _structure(shape, value, where, found, top=top)
    elif isinstance(shape, ListShape):
        for index, item in enumerate(value if isinstance(value, list) else []):
            _walk(shape.member, item, f"{where}[{index}]", found)
    elif isinstance(shape, MapShape):
        for key, inner in (value if isinstance(value, Mapping) else {}).items():
            _walk(shape.key, key, f"{where} key", found)
            _walk(shape.value, inner, f"{where}[{key!r}]", found)
    elif shape.type_name == "string" and isinstance(value, str):
        enum: list[str] = getattr(shape, "enum", None) or []
        if enum and value not in enum:
            found.append(f"{where}: {value!r} is not one of {shape.name}'s values ({', '.join(enum)})")


def _structure(shape: StructureShape, value: Mapping[str, Any], where: str, found: list[str], *, top: bool) -> None:
    members = shape.members
    for name, inner in value.items():
        if top and name in PARSER_MEMBERS:
            continue
        if name not in members:
            found.append(f"{where}.{name}: not a member of {shape.name}")
            continue
        _walk(members[name], inner, f"{where}.{name}", found)
    for name in shape.required_members:
        location = members[name].serialization.get("location")
        # Members bound to HTTP headers or the status code are the transport's, not the body's.
        if name not in value and location not in ("header", "headers", "statusCode"):
            found.append(f"{where}.{name}: required by {shape.name}, absent")


@dataclass
class ResponseChecks:
    """The problems found in the responses received while ``installed`` lasts, by ``service.Operation``."""

    found: list[str] = field(default_factory=list)
    checked: int = 0

    def check(self, operation: OperationModel, response: Any, source: str) -> None:
        if operation.has_streaming_output or operation.has_event_stream_output:
            return
        self.checked += 1
        name = f"{operation.service_model.service_name}.{operation.name}"
        root = operation.output_shape.name if operation.output_shape is not None else ""
        for problem in problems(operation.output_shape, response):
            path = problem.removeprefix(root)
            if not any(name == op and path.startswith(at) and text in path for op, at, text in MOTO_GAPS):
                self.found.append(f"{name} ({source}): {problem}")

    @contextmanager
    def installed(self) -> Iterator[ResponseChecks]:
        make_api_call = BaseClient._make_api_call  # type: ignore[attr-defined]
        do_get_response = Endpoint._do_get_response  # type: ignore[attr-defined]
        checks = self

        def checked_call(client: BaseClient, operation_name: str, api_params: Mapping[str, Any]) -> Any:
            response = make_api_call(client, operation_name, api_params)
            checks.check(client.meta.service_model.operation_model(operation_name), response, "as returned")
            return response

        def checked_response(endpoint: Endpoint, request: Any, operation: OperationModel, context: Any) -> Any:
            answer = do_get_response(endpoint, request, operation, context)
            success = answer[0]
            if success is not None and operation.service_model.resolved_protocol in JSON_PROTOCOLS:
                http, _ = success
                if http.status_code < 300 and http.content:
                    try:
                        body = json.loads(http.content)
                    except ValueError:
                        body = None
                    if isinstance(body, dict) and operation.output_shape is not None:
                        payload = operation.output_shape.serialization.get("payload")
                        checks.check(operation, body if payload is None else {payload: body}, "as sent")
            return answer

        with (
            patch.object(BaseClient, "_make_api_call", checked_call),
            patch.object(Endpoint, "_do_get_response", checked_response),
        ):
            yield self
