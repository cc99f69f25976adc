"""LogRetentionFunction: give SageMaker and Lambda log groups a retention.

Triggers: a CloudTrail ``CreateLogGroup`` event (that group, at once), a daily schedule
(a resumable sweep of every group), and its own continuation of an unfinished sweep.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard.adapters.clients import client
from ecoguard.adapters.logs import LogsAdapter
from ecoguard.audit import AuditTrail
from ecoguard.events import CLOUDTRAIL_API_CALL, SCHEDULED_EVENT, EventError, parse_event
from ecoguard.executor import Trigger
from ecoguard.guardrails.log_retention import GUARDRAIL
from ecoguard.invocation import Continuation, hand_off, load_configuration, parse_continuation, publish_results, utc_now
from ecoguard.runners.log_retention import LogRetentionRunner, created_log_group

logger = Logger()
metrics = Metrics()


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    continuation = parse_continuation(event, GUARDRAIL)
    parsed = parse_event(event) if continuation is None else None
    settings, policy = load_configuration()
    runner = LogRetentionRunner(
        logs=LogsAdapter(client("logs")),
        audit=AuditTrail(client("dynamodb"), settings.audit_table),
        policy=policy,
        mode=settings.mode,
        clock=utc_now,
        remaining_ms=context.get_remaining_time_in_millis,
    )
    if parsed is not None:
        trigger = Trigger(parsed.id, f"{parsed.detail_type} {parsed.id}")
        if parsed.detail_type == CLOUDTRAIL_API_CALL:
            summary = runner.on_created(created_log_group(parsed), trigger)
            publish_results(metrics, settings, summary)
            return summary.as_dict()
        if parsed.detail_type != SCHEDULED_EVENT:
            raise EventError(f"LogRetentionFunction does not handle {parsed.detail_type!r} events")
        continuation = Continuation(GUARDRAIL, trigger, hop=0)
    assert continuation is not None
    result = runner.sweep(continuation.trigger)
    publish_results(metrics, settings, result.summary)
    next_step = None if result.finished else hand_off(settings, continuation.next())
    return {**result.summary.as_dict(), "finished": result.finished, "continuation": next_step}
