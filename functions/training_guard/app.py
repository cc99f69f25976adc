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

from ecoguard.adapters.clients import client
from ecoguard.adapters.host_metrics import MetricsAdapter
from ecoguard.adapters.model_cards import ModelCardAdapter
from ecoguard.adapters.sagemaker_training import SageMakerTrainingAdapter
from ecoguard.audit import AuditTrail
from ecoguard.events.sagemaker import TRAINING_STATE_CHANGE
from ecoguard.guardrails.training_guard import GUARDRAIL
from ecoguard.invocation import GuardrailApp, utc_now
from ecoguard.policy import Policy
from ecoguard.runners.model_card_impact import ModelCardImpactRunner
from ecoguard.runners.training_events import TrainingRunners
from ecoguard.runners.training_guard import TrainingGuardRunner
from ecoguard.runners.training_rightsizing import CompletedJobsAdapter, TrainingRightsizingRunner
from ecoguard.settings import Settings

logger = Logger()
metrics = Metrics()


def build(settings: Settings, policy: Policy, context: LambdaContext) -> TrainingRunners:
    audit = AuditTrail(client("dynamodb"), settings.audit_table)
    guard = TrainingGuardRunner(
        jobs=SageMakerTrainingAdapter(client("sagemaker")),
        metrics=MetricsAdapter(client("cloudwatch")),
        audit=audit,
        policy=policy,
        mode=settings.mode,
        clock=utc_now,
        remaining_ms=context.get_remaining_time_in_millis,
    )
    impact = ModelCardImpactRunner(
        cards=ModelCardAdapter(client("sagemaker")),
        audit=audit,
        mode=settings.mode,
        clock=utc_now,
        ttl_days=policy.audit.ttl_days,
    )
    rightsizing = TrainingRightsizingRunner(
        jobs=CompletedJobsAdapter(client("sagemaker")),
        metrics=MetricsAdapter(client("cloudwatch")),
        audit=audit,
        policy=policy,
        mode=settings.mode,
        clock=utc_now,
    )
    return TrainingRunners(guard, impact, rightsizing)


APP = GuardrailApp(
    guardrail=GUARDRAIL,
    build=build,
    routes={TRAINING_STATE_CHANGE: TrainingRunners.on_state_change},
    sweep=TrainingRunners.sweep,
)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.handle(event, context, metrics)
