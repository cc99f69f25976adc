"""StudioIdleFunction: give every Studio domain the built-in idle shutdown, log idle Canvas users out, and
report running Studio apps.

Triggers: an hourly schedule (a resumable sweep of every domain) and its own continuation. AWS sends no event
for a domain's settings that ecoguard routes, so a sweep is the only trigger.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard.actions.studio_idle import StudioIdleRunner
from ecoguard.adapters.canvas_activity import CanvasActivityAdapter
from ecoguard.adapters.clients import client
from ecoguard.adapters.metrics import MetricsAdapter
from ecoguard.adapters.sagemaker_studio import StudioAdapter
from ecoguard.audit import AuditTrail
from ecoguard.guardrails.studio import GUARDRAIL
from ecoguard.invocation import GuardrailApp, utc_now
from ecoguard.policy import Policy
from ecoguard.settings import Settings

logger = Logger()
metrics = Metrics()


def build(settings: Settings, policy: Policy, context: LambdaContext) -> StudioIdleRunner:
    return StudioIdleRunner(
        studio=StudioAdapter(client("sagemaker")),
        canvas=CanvasActivityAdapter(MetricsAdapter(client("cloudwatch"))),
        audit=AuditTrail(client("dynamodb"), settings.audit_table),
        policy=policy,
        mode=settings.mode,
        clock=utc_now,
        remaining_ms=context.get_remaining_time_in_millis,
    )


APP = GuardrailApp(guardrail=GUARDRAIL, build=build, routes={}, sweep=StudioIdleRunner.sweep)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.handle(event, context, metrics)
