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
from ecoguard.adapters.clients import client
from ecoguard.adapters.sagemaker_compute import ComputeAdapter
from ecoguard.audit import AuditTrail
from ecoguard.guardrails.compute_resources import GUARDRAIL
from ecoguard.invocation import GuardrailApp, utc_now
from ecoguard.policy import Policy
from ecoguard.settings import Settings
from ecoguard.state import StateStore

logger = Logger()
metrics = Metrics()


def build(settings: Settings, policy: Policy, context: LambdaContext) -> IdleComputeRunner:
    return IdleComputeRunner(
        compute=ComputeAdapter(client("sagemaker")),
        audit=AuditTrail(client("dynamodb"), settings.audit_table),
        state=StateStore(client("dynamodb"), settings.audit_table, GUARDRAIL, settings.mode),
        policy=policy,
        mode=settings.mode,
        clock=utc_now,
        remaining_ms=context.get_remaining_time_in_millis,
    )


APP = GuardrailApp(guardrail=GUARDRAIL, build=build, routes={}, sweep=IdleComputeRunner.sweep)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.handle(event, context, metrics)
