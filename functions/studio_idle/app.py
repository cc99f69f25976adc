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
from ecoguard.invocation import GuardrailApp

logger = Logger()
metrics = Metrics()

APP = GuardrailApp(StudioIdleRunner, sweep=StudioIdleRunner.sweep)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.handle(event, context, metrics)
