"""TrainingGuardFunction: stop SageMaker training jobs whose GPUs (or CPUs) stay idle.

Triggers: ``SageMaker Training Job State Change`` events (that job, at once: InProgress events,
or a Debugger/profiler low-utilization rule that found issues; a Completed job's energy and carbon
go into the model cards that reference it), a sweep every 15 minutes over
in-progress training and tuning jobs, and its own continuation of an unfinished sweep.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard.actions.training_guard import TrainingRunners
from ecoguard.events.sagemaker import TRAINING_STATE_CHANGE
from ecoguard.invocation import GuardrailApp

logger = Logger()
metrics = Metrics()

APP = GuardrailApp(
    TrainingRunners, routes={TRAINING_STATE_CHANGE: TrainingRunners.on_state_change}, sweep=TrainingRunners.sweep
)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.handle(event, context, metrics)
