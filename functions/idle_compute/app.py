"""IdleComputeFunction: end unused training warm pools, stop MLflow tracking servers in their off-hours (and
start them again after), report HyperPod clusters and Elastic Inference leftovers.

Triggers: a schedule every 15 minutes (a warm pool outlives its job by at most an hour) and its own
continuation of an unfinished sweep. AWS sends no event for a warm pool becoming idle.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard.actions.idle_compute import IdleComputeRunner
from ecoguard.invocation import GuardrailApp

logger = Logger()
metrics = Metrics()

APP = GuardrailApp(IdleComputeRunner, sweep=IdleComputeRunner.sweep)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.handle(event, context, metrics)
