"""BedrockThroughputFunction: notice, then delete, idle Bedrock Provisioned Throughput bought without a
commitment; report the ones bought with a commitment with the end of their term.

Triggers: a schedule every 6 hours (idleness is judged over days) and its own continuation of an unfinished
sweep. AWS sends no event for a throughput becoming idle.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard.actions.bedrock_throughput import BedrockThroughputRunner
from ecoguard.invocation import GuardrailApp

logger = Logger()
metrics = Metrics()

APP = GuardrailApp(BedrockThroughputRunner, sweep=BedrockThroughputRunner.sweep)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.handle(event, context, metrics)
