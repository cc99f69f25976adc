"""IdleNotebookFunction: stop SageMaker notebook instances with no kernel or terminal activity.

Triggers: an hourly schedule (a sweep of every InService instance) and its own continuation.
Activity comes from the stack's lifecycle configuration (``on-start.sh`` in this folder).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard.adapters.clients import client
from ecoguard.adapters.metrics import MetricsAdapter
from ecoguard.adapters.sagemaker import SageMakerAdapter
from ecoguard.adapters.tagging import TaggingAdapter
from ecoguard.audit import AuditTrail
from ecoguard.guardrails.idle_notebook import GUARDRAIL
from ecoguard.invocation import GuardrailApp, utc_now
from ecoguard.policy import Policy
from ecoguard.runners.idle_notebook import IdleNotebookRunner
from ecoguard.settings import Settings

logger = Logger()
metrics = Metrics()


def build(settings: Settings, policy: Policy, context: LambdaContext) -> IdleNotebookRunner:
    configs = set(policy.idle_inference.notebooks.activity_lifecycle_configs)
    if settings.notebook_lifecycle_config:
        configs.add(settings.notebook_lifecycle_config)
    return IdleNotebookRunner(
        sagemaker=SageMakerAdapter(client("sagemaker"), TaggingAdapter(client("resourcegroupstaggingapi"))),
        metrics=MetricsAdapter(client("cloudwatch")),
        audit=AuditTrail(client("dynamodb"), settings.audit_table),
        policy=policy,
        activity_configs=frozenset(configs),
        mode=settings.mode,
        clock=utc_now,
        remaining_ms=context.get_remaining_time_in_millis,
    )


APP = GuardrailApp(guardrail=GUARDRAIL, build=build, routes={}, sweep=IdleNotebookRunner.sweep)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.handle(event, context, metrics)
