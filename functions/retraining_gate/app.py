"""RetrainingGateFunction: start a model's retraining pipeline only on a confirmed KPI breach.

Triggers: ``CloudWatch Alarm State Change`` (alarms on Model Monitor metrics, or named in the
policy) and ``SageMaker Processing Job State Change`` for finished Model Monitor runs.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard.adapters.clients import client
from ecoguard.adapters.pipelines import PipelinesAdapter
from ecoguard.audit import AuditTrail
from ecoguard.guardrails.retraining_gate import GUARDRAIL
from ecoguard.invocation import GuardrailApp, utc_now
from ecoguard.monitor_events import ALARM_CONFIGURATION_CHANGE, ALARM_STATE_CHANGE, PROCESSING_JOB_STATE_CHANGE
from ecoguard.policy import Policy
from ecoguard.runners.retraining_gate import RetrainingGateRunner
from ecoguard.settings import Settings
from ecoguard.state import StateStore

logger = Logger()
metrics = Metrics()


def build(settings: Settings, policy: Policy, context: LambdaContext) -> RetrainingGateRunner:
    return RetrainingGateRunner(
        pipelines=PipelinesAdapter(client("sagemaker")),
        state=StateStore(client("dynamodb"), settings.audit_table, GUARDRAIL, settings.mode),
        audit=AuditTrail(client("dynamodb"), settings.audit_table),
        policy=policy,
        mode=settings.mode,
        clock=utc_now,
    )


APP = GuardrailApp(
    guardrail=GUARDRAIL,
    build=build,
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
