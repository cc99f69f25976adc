"""StorageLifecycleFunction: S3 lifecycle rules and Intelligent-Tiering by data class, merged
with the owner's own rules.

Triggers: CloudTrail ``CreateBucket`` / ``PutBucketTagging`` events (that bucket, at once), a weekly
schedule (a resumable sweep of the region's buckets), and its own continuation of a sweep.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard.actions.storage_lifecycle import StorageLifecycleRunner
from ecoguard.events import CLOUDTRAIL_API_CALL
from ecoguard.events.cloudtrail import bucket_of_event
from ecoguard.invocation import GuardrailApp

logger = Logger()
metrics = Metrics()

APP = GuardrailApp(
    StorageLifecycleRunner,
    routes={CLOUDTRAIL_API_CALL: lambda runner, event, trigger: runner.on_bucket(bucket_of_event(event), trigger)},
    sweep=StorageLifecycleRunner.sweep,
)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.handle(event, context, metrics)
