"""RetrainingGateFunction: start a model's retraining pipeline only on a confirmed KPI breach.

Triggers: ``CloudWatch Alarm State Change`` (alarms on Model Monitor metrics, or named in the
policy) and ``SageMaker Processing Job State Change`` for finished Model Monitor runs.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard.actions.retraining_gate import RetrainingGateRunner
from ecoguard.invocation import GuardrailApp
from ecoguard.monitor_events import ALARM_CONFIGURATION_CHANGE, ALARM_STATE_CHANGE, PROCESSING_JOB_STATE_CHANGE

logger = Logger()
metrics = Metrics()

APP = GuardrailApp(
    RetrainingGateRunner,
    routes={
        ALARM_STATE_CHANGE: lambda runner, event, trigger: runner.on_alarm(event, trigger),
        PROCESSING_JOB_STATE_CHANGE: lambda runner, event, trigger: runner.on_processing_job(event, trigger),
        # The rule does not send these; if one arrives anyway it is ignored, not an error.
        ALARM_CONFIGURATION_CHANGE: lambda runner, event, trigger: runner.ignore(event, trigger),
    },
)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.handle(event, context, metrics)
