"""IdleNotebookFunction: stop SageMaker notebook instances with no kernel or terminal activity.

Triggers: an hourly schedule (a sweep of every InService instance) and its own continuation.
Activity comes from the stack's lifecycle configuration (``on-start.sh`` in this folder).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard.actions.idle_notebook import IdleNotebookRunner
from ecoguard.invocation import GuardrailApp

logger = Logger()
metrics = Metrics()

APP = GuardrailApp(IdleNotebookRunner, sweep=IdleNotebookRunner.sweep)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.handle(event, context, metrics)
