"""Ec2AcceleratorsFunction: stop idle EC2 GPU instances; report idle Trainium, Inferentia and managed ones.

Triggers: an hourly schedule (a sweep of every running instance) and its own continuation.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard.actions.ec2_accelerators import Ec2AcceleratorsRunner
from ecoguard.invocation import GuardrailApp

logger = Logger()
metrics = Metrics()

APP = GuardrailApp(Ec2AcceleratorsRunner, sweep=Ec2AcceleratorsRunner.sweep)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.handle(event, context, metrics)
