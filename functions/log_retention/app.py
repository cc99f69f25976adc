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
from ecoguard.adapters.tagging import TaggingAdapter
from ecoguard.audit import AuditTrail
from ecoguard.events import CLOUDTRAIL_API_CALL
from ecoguard.events.cloudtrail import created_log_group
from ecoguard.guardrails.log_retention import GUARDRAIL
from ecoguard.invocation import GuardrailApp, utc_now
from ecoguard.policy import Policy
from ecoguard.runners.log_retention import LogRetentionRunner
from ecoguard.settings import Settings

logger = Logger()
metrics = Metrics()


def build(settings: Settings, policy: Policy, context: LambdaContext) -> LogRetentionRunner:
    return LogRetentionRunner(
        logs=LogsAdapter(client("logs"), TaggingAdapter(client("resourcegroupstaggingapi"))),
        audit=AuditTrail(client("dynamodb"), settings.audit_table),
        policy=policy,
        mode=settings.mode,
        clock=utc_now,
        remaining_ms=context.get_remaining_time_in_millis,
    )


APP = GuardrailApp(
    guardrail=GUARDRAIL,
    build=build,
    routes={CLOUDTRAIL_API_CALL: lambda runner, event, trigger: runner.on_created(created_log_group(event), trigger)},
    sweep=LogRetentionRunner.sweep,
)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.handle(event, context, metrics)
