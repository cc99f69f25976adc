"""LogRetentionFunction: give SageMaker and Lambda log groups a retention.

Triggers: a CloudTrail ``CreateLogGroup`` event (that group, at once), a daily schedule
(a resumable sweep of every group), and its own continuation of an unfinished sweep.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard.actions.log_retention import LogRetentionRunner
from ecoguard.events import CLOUDTRAIL_API_CALL
from ecoguard.events.cloudtrail import created_log_group
from ecoguard.invocation import GuardrailApp

logger = Logger()
metrics = Metrics()

APP = GuardrailApp(
    LogRetentionRunner,
    routes={CLOUDTRAIL_API_CALL: lambda runner, event, trigger: runner.on_created(created_log_group(event), trigger)},
    sweep=LogRetentionRunner.sweep,
)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.handle(event, context, metrics)
