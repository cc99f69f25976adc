"""``ecoguard restore --apply --stack S`` goes through the stack's RestoreFunction (its role is the one the audit
table lets write and sign records), and reads Lambda's Invoke answer as the API reference documents it: the
handler's result, or ``FunctionError`` with the error as the payload."""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from ecoguard.decisions import Outcome
from ecoguard.restore import RestoreResult
from ecoguard_cli import __main__ as cli
from ecoguard_cli import operations
from ecoguard_cli.errors import UserError
from ecoguard_cli.operations import restore_through_function

STACK, FUNCTION, ACTION = "ecoguard", "ecoguard-RestoreFunction-1A2B3C", "3f2a9c0d1e4b5a6c"


class Session:
    """Stubbed clients, each expected call in order and no other (Stubber)."""

    def __init__(self, payload: Any, function_error: str | None = None) -> None:
        self.region_name = "us-east-1"
        self.cloudformation = boto3.client("cloudformation", region_name="us-east-1")
        self.lam = boto3.client("lambda", region_name="us-east-1")
        self.stubs = [Stubber(self.cloudformation), Stubber(self.lam)]
        self.stubs[0].add_response(
            "describe_stack_resource",
            {
                "StackResourceDetail": {
                    "LogicalResourceId": "RestoreFunction",
                    "PhysicalResourceId": FUNCTION,
                    "ResourceType": "AWS::Lambda::Function",
                    "LastUpdatedTimestamp": "2026-12-01T00:00:00Z",
                    "ResourceStatus": "CREATE_COMPLETE",
                }
            },
            {"StackName": STACK, "LogicalResourceId": "RestoreFunction"},
        )
        body = json.dumps(payload).encode()
        answer: dict[str, Any] = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(body), len(body))}
        if function_error:
            answer["FunctionError"] = function_error
        self.stubs[1].add_response(
            "invoke",
            answer,
            {
                "FunctionName": FUNCTION,
                "InvocationType": "RequestResponse",
                "Payload": json.dumps({"action_id": ACTION, "apply": True}).encode(),
            },
        )
        for stub in self.stubs:
            stub.activate()

    def client(self, service: str, config: Any = None) -> Any:
        return {"cloudformation": self.cloudformation, "lambda": self.lam}[service]

    def done(self) -> None:
        for stub in self.stubs:
            stub.assert_no_pending_responses()


def test_given_the_function_restores_then_its_result_is_the_cli_s() -> None:
    session = Session(
        {
            "outcome": "restored",
            "message": "put back",
            "resource": "/aws/x",
            "not_restored": "events",
            "pending_step": None,
        }
    )
    result = restore_through_function(session, STACK, ACTION)  # type: ignore[arg-type]
    session.done()
    assert (result.outcome, result.message, result.not_restored, result.pending_step) == (
        Outcome.RESTORED,
        "put back",
        "events",
        None,
    )


def test_given_the_function_raises_then_one_line_names_the_error_and_its_log_group() -> None:
    # Lambda Developer Guide, "Python Lambda function errors": the payload of an unhandled error.
    session = Session({"errorMessage": "boom", "errorType": "RuntimeError", "stackTrace": []}, "Unhandled")
    with pytest.raises(UserError, match=rf"{FUNCTION} failed: RuntimeError: boom .*/aws/lambda/{FUNCTION}"):
        restore_through_function(session, STACK, ACTION)  # type: ignore[arg-type]
    session.done()


def test_given_the_function_rejects_the_request_then_its_reason_is_said() -> None:
    session = Session({"rejected": True, "reason": "malformed restore request: field action_id"})
    with pytest.raises(UserError, match="rejected the request: malformed restore request"):
        restore_through_function(session, STACK, ACTION)  # type: ignore[arg-type]


def test_given_no_such_record_then_the_user_is_sent_to_the_audit_listing() -> None:
    session = Session({"outcome": "not-found", "message": f"no audit record with action id {ACTION}"})
    with pytest.raises(UserError, match=f"no audit record with action id {ACTION}: `ecoguard audit --stack"):
        restore_through_function(session, STACK, ACTION)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("argv", "route"),
    [
        (["restore", "--stack", STACK, ACTION, "--apply"], "function"),
        (["restore", "--stack", STACK, ACTION], "preview"),
        (["restore", "--table", "t", ACTION, "--apply", "--record-key", "k"], "preview"),
    ],
)
def test_given_apply_on_a_stack_then_the_restore_is_the_function_s_and_otherwise_the_cli_s(
    argv: list[str], route: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    routes: list[str] = []
    record = type("Record", (), {"resource": type("Resource", (), {"name": "/aws/x"})()})()
    monkeypatch.setattr(operations, "audit_table_of", lambda session, stack: "t")
    monkeypatch.setattr(operations, "require_table", lambda session, table: table)
    monkeypatch.setattr(operations, "record_key_of", lambda session, stack: "k")
    monkeypatch.setattr(operations, "find_record", lambda trail, table, action_id: record)

    def through_function(*_: Any) -> Any:
        routes.append("function")
        return RestoreResult(Outcome.RESTORED, "done")

    def by_the_cli(*_: Any, **__: Any) -> Any:
        routes.append("preview")
        return RestoreResult(Outcome.WOULD_APPLY, "would")

    monkeypatch.setattr(operations, "restore_through_function", through_function)
    monkeypatch.setattr(operations, "restore_record", by_the_cli)
    assert cli.main([*argv, "--region", "us-east-1"]) == 0
    assert routes == [route]
