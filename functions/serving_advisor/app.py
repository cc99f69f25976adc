"""ServingAdvisorFunction: advise how each endpoint variant should be served, from its own metrics.

Trigger: a weekly schedule (a resumable sweep of every InService endpoint), and its own continuation of an
unfinished sweep. Findings only: it changes nothing in the account, in any mode.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard.actions.serving_advisor import ServingAdvisorRunner, StoredOpenState
from ecoguard.adapters.clients import client
from ecoguard.adapters.metrics import MetricsAdapter
from ecoguard.adapters.serving import ServingAdapter
from ecoguard.adapters.tagging import TaggingAdapter
from ecoguard.audit import AuditTrail
from ecoguard.guardrails.serving_advisor import GUARDRAIL
from ecoguard.invocation import GuardrailApp, utc_now
from ecoguard.policy import Policy
from ecoguard.settings import Settings
from ecoguard.state import StateStore

logger = Logger()
metrics = Metrics()


def build(settings: Settings, policy: Policy, context: LambdaContext) -> ServingAdvisorRunner:
    state = StateStore(client("dynamodb"), settings.audit_table, GUARDRAIL, settings.mode)
    return ServingAdvisorRunner(
        endpoints=ServingAdapter(client("sagemaker"), TaggingAdapter(client("resourcegroupstaggingapi"))),
        metrics=MetricsAdapter(client("cloudwatch")),
        open_state=StoredOpenState(state),
        state=state,
        audit=AuditTrail(client("dynamodb"), settings.audit_table),
        policy=policy,
        mode=settings.mode,
        clock=utc_now,
        remaining_ms=context.get_remaining_time_in_millis,
    )


APP = GuardrailApp(guardrail=GUARDRAIL, build=build, routes={}, sweep=ServingAdvisorRunner.sweep)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.handle(event, context, metrics)
