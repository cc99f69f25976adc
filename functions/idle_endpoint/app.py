"""IdleEndpointFunction: delete real-time SageMaker endpoints that get no traffic, after a grace period.

Triggers: an hourly schedule (a sweep of every InService endpoint), ``SageMaker Endpoint State
Change`` events (``IN_SERVICE`` or ``InService``: that endpoint, which starts or restarts its
window), and its own continuation of an unfinished sweep.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard.actions.idle_endpoint import IdleEndpointRunner
from ecoguard.events.sagemaker import ENDPOINT_STATE_CHANGE, in_service_endpoint
from ecoguard.invocation import GuardrailApp

logger = Logger()
metrics = Metrics()

APP = GuardrailApp(
    IdleEndpointRunner,
    routes={
        ENDPOINT_STATE_CHANGE: lambda runner, event, trigger: runner.on_state_change(
            in_service_endpoint(event), trigger
        )
    },
    sweep=IdleEndpointRunner.sweep,
)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.handle(event, context, metrics)
