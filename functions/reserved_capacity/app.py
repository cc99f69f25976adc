"""ReservedCapacityFunction: notice training plans and Capacity Blocks that end soon with reserved hours unused.

Trigger: a daily schedule (a resumable sweep of Active training plans and active Capacity Blocks), and its own
continuation of an unfinished sweep. Findings only: it changes nothing in the account, in any mode.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard.actions.reserved_capacity import ReservedCapacityRunner
from ecoguard.invocation import GuardrailApp

logger = Logger()
metrics = Metrics()

APP = GuardrailApp(ReservedCapacityRunner, sweep=ReservedCapacityRunner.sweep)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.handle(event, context, metrics)
