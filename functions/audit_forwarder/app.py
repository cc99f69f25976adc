"""AuditForwarderFunction: forward every audit record to the organization's central event bus.

Fed by the audit table's DynamoDB stream (created only when the stack's CentralBusArn is set).
Returns ``batchItemFailures`` so Lambda retries only what EventBridge did not take. A malformed
batch is rejected before anything is sent (``ecoguard.invocation.reject``: one structured error log,
the ``EventsRejected`` metric): the same batch never becomes valid, so it is not retried. Its records
stay in the member's own audit table.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard.adapters.central_bus import CentralBus
from ecoguard.adapters.clients import client
from ecoguard.forwarding import bus_region, forward, parse_stream_batch
from ecoguard.invocation import run_or_reject
from ecoguard.settings import SettingsError, load_settings

logger = Logger()
metrics = Metrics()


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_or_reject("audit-forwarder", lambda: forward_batch(event), metrics)


def forward_batch(event: dict[str, Any]) -> dict[str, Any]:
    records = parse_stream_batch(event)
    settings = load_settings()
    if not settings.central_bus_arn:
        raise SettingsError("invalid setting ECOGUARD_CENTRAL_BUS_ARN: required by AuditForwarderFunction")
    bus_arn = settings.central_bus_arn
    region = bus_region(bus_arn)
    result = forward(records, CentralBus(client("events", region)), bus_arn) if records else None
    forwarded, failed = (result.forwarded, len(result.failed)) if result else (0, 0)
    metrics.add_metric(name="AuditRecordsForwarded", unit=MetricUnit.Count, value=forwarded)
    metrics.add_metric(name="AuditRecordsNotForwarded", unit=MetricUnit.Count, value=failed)
    logger.info(
        "forwarded",
        extra={"records": len(records), "forwarded": forwarded, "failed": failed, "errors": result and result.errors},
    )
    return result.response() if result else {"batchItemFailures": []}
