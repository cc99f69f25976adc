"""Updates of an ``AWS::DynamoDB::Table`` that turn its stream on or off, which LocalStack does not implement.

LocalStack's table resource provider has no update: the engine logs a warning and reports the update
complete with the table unchanged. ecoguard's audit table gets a stream when ``CentralBusArn`` is set
(the audit forwarder reads it), so the smoke test's update needs this one change to happen. This update
applies a change of ``StreamSpecification`` with UpdateTable and refreshes ``StreamArn``; any other property
is left as it is, as LocalStack leaves it, with a warning in LocalStack's log.
Installed as a LocalStack ``on_infra_start`` hook.
"""

from __future__ import annotations

import logging
from typing import Any

from localstack.runtime import hooks

# Attributes CloudFormation reads back from the table: not part of what the template asks for.
READ_ONLY = {"Arn", "StreamArn"}
LOG = logging.getLogger(__name__)


def _stream_request(wanted: Any) -> dict[str, Any]:
    if wanted:
        return {"StreamEnabled": True, "StreamViewType": wanted["StreamViewType"]}
    return {"StreamEnabled": False}


def update_stream(request: Any) -> Any:
    from localstack.services.cloudformation.resource_provider import OperationStatus, ProgressEvent

    previous: dict[str, Any] = dict(request.previous_state or {})
    model: dict[str, Any] = dict(request.desired_state)
    others = {k for k in set(model) | set(previous) if k not in READ_ONLY and k != "StreamSpecification"}
    changed = sorted(k for k in others - {"TableName"} if model.get(k) != previous.get(k))
    if changed:
        # LocalStack's create rewrites some properties in the state it keeps (SSESpecification), so a
        # difference here may be none: leave them unchanged, as LocalStack's engine does, and say so.
        LOG.warning("ecoguard: table update applies StreamSpecification only; left unchanged: %s", changed)
    dynamodb = request.aws_client_factory.dynamodb
    model["TableName"] = previous["TableName"]
    if model.get("StreamSpecification") != previous.get("StreamSpecification"):
        dynamodb.update_table(
            TableName=model["TableName"], StreamSpecification=_stream_request(model.get("StreamSpecification"))
        )
    table = dynamodb.describe_table(TableName=model["TableName"])["Table"]
    model["Arn"] = table["TableArn"]
    model.pop("StreamArn", None)
    if table.get("StreamSpecification", {}).get("StreamEnabled"):
        model["StreamArn"] = table["LatestStreamArn"]
    return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)


def install() -> None:
    from localstack.services.dynamodb.resource_providers.aws_dynamodb_table import DynamoDBTableProvider

    def update(self: Any, request: Any) -> Any:
        return update_stream(request)

    DynamoDBTableProvider.update = update


@hooks.on_infra_start()
def ecoguard_table_stream_update() -> None:
    install()
