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

from ecoguard.adapters.autoscaling import AutoScalingAdapter
from ecoguard.adapters.clients import client
from ecoguard.adapters.metrics import MetricsAdapter
from ecoguard.adapters.sagemaker import SageMakerAdapter
from ecoguard.adapters.tagging import TaggingAdapter
from ecoguard.audit import AuditTrail
from ecoguard.events.sagemaker import ENDPOINT_STATE_CHANGE, in_service_endpoint
from ecoguard.guardrails.idle_endpoint import GUARDRAIL
from ecoguard.invocation import GuardrailApp, utc_now
from ecoguard.policy import Policy
from ecoguard.runners.idle_endpoint import IdleEndpointRunner
from ecoguard.settings import Settings
from ecoguard.state import StateStore

logger = Logger()
metrics = Metrics()


def build(settings: Settings, policy: Policy, context: LambdaContext) -> IdleEndpointRunner:
    return IdleEndpointRunner(
        sagemaker=SageMakerAdapter(client("sagemaker"), TaggingAdapter(client("resourcegroupstaggingapi"))),
        metrics=MetricsAdapter(client("cloudwatch")),
        autoscaling=AutoScalingAdapter(client("application-autoscaling"), client("cloudwatch")),
        audit=AuditTrail(client("dynamodb"), settings.audit_table),
        state=StateStore(client("dynamodb"), settings.audit_table, GUARDRAIL, settings.mode),
        policy=policy,
        mode=settings.mode,
        clock=utc_now,
        remaining_ms=context.get_remaining_time_in_millis,
    )


APP = GuardrailApp(
    guardrail=GUARDRAIL,
    build=build,
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
