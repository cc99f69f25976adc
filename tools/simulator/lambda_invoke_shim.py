"""Server-side shims for the sandbox, where the CLI talks to moto's server.

``moto_lambda_runs_no_handler_without_docker``: moto's Lambda runs a function's code only in Docker, and
answers ``Invoke`` without it with a canned "Simple Lambda happy path OK". The sandbox serves the stack's
functions as ``sam deploy`` leaves them, so the shim runs each deployed ecoguard function's handler in-process,
with the environment template.yaml gives it (tools/simulator/invoke.py), and answers as Lambda's Invoke does:
the handler's JSON result, or, when it raises, ``X-Amz-Function-Error: Unhandled`` with a payload of
``errorMessage`` and ``errorType`` (Lambda API Reference, Invoke: FunctionError; Lambda Developer Guide,
"Python Lambda function errors")."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

from moto.awslambda.models import LambdaBackend
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend

from tools.simulator.invoke import invoke
from tools.simulator.template import Resolver, functions

_moto_invoke = LambdaBackend.invoke


@contextmanager
def deployed_functions_run_in_process(template: Mapping[str, Any], resolver: Resolver) -> Iterator[None]:
    """While installed, ``Invoke`` of a function of the deployed stack (by name or ARN) runs its handler."""
    by_name = {resolver.refs[logical]: logical for logical in functions(template) if logical in resolver.refs}

    def run(  # noqa: PLR0917 - moto's LambdaBackend.invoke signature
        backend: LambdaBackend, function_name: str, qualifier: str | None, body: Any, headers: Any, response: Any
    ) -> str | bytes | None:
        logical = by_name.get(function_name.rsplit(":function:", 1)[-1].split(":", maxsplit=1)[0])
        if logical is None:
            return _moto_invoke(backend, function_name, qualifier, body, headers, response)
        event = json.loads(body) if body else {}
        try:
            [result, *_] = invoke(logical, event, resolver, template=template, max_hops=1)
        except Exception as exc:  # noqa: BLE001 - answered as Lambda answers a function error
            response["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorMessage": str(exc), "errorType": type(exc).__name__})
        return json.dumps(result, default=str)

    with patch.object(LambdaBackend, "invoke", run):
        yield


def _describe_stack_resource(backend: CloudFormationBackend, stack_name: str, logical_resource_id: str) -> Any:
    stack = backend.get_stack(stack_name)
    for resource in stack.stack_resources:
        if getattr(resource, "logical_resource_id", None) == logical_resource_id:
            return stack, resource
    raise ValidationError(stack_name, f"Resource {logical_resource_id} does not exist for stack {stack_name}")


@contextmanager
def describe_stack_resource_past_unmodelled_ones() -> Iterator[None]:
    """``moto_describe_stack_resource_stops_at_an_unmodelled_resource``: moto 5.2.5's DescribeStackResource walks
    the stack's resources and raises AttributeError (HTTP 500) at one its CloudFormation keeps as None, before
    reaching the logical id asked for (here RestoreFunction's). CloudFormation answers every resource of the
    stack, or ValidationError "Resource X does not exist for stack Y" (API Reference, DescribeStackResource)."""
    with patch.object(CloudFormationBackend, "describe_stack_resource", _describe_stack_resource):
        yield
