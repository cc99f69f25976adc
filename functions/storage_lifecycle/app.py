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

from ecoguard.adapters.clients import client
from ecoguard.adapters.s3 import S3Adapter
from ecoguard.audit import AuditTrail
from ecoguard.events import CLOUDTRAIL_API_CALL
from ecoguard.events.cloudtrail import bucket_of_event
from ecoguard.guardrails.storage_lifecycle import GUARDRAIL
from ecoguard.invocation import GuardrailApp, utc_now
from ecoguard.policy import Policy
from ecoguard.runners.storage_lifecycle import StorageLifecycleRunner
from ecoguard.settings import Settings

logger = Logger()
metrics = Metrics()


def build(settings: Settings, policy: Policy, context: LambdaContext) -> StorageLifecycleRunner:
    s3 = client("s3")
    return StorageLifecycleRunner(
        s3=S3Adapter(s3, s3.meta.region_name),
        region=s3.meta.region_name,
        audit=AuditTrail(client("dynamodb"), settings.audit_table),
        policy=without_own_buckets(policy, settings),
        mode=settings.mode,
        clock=utc_now,
        remaining_ms=context.get_remaining_time_in_millis,
    )


def without_own_buckets(policy: Policy, settings: Settings) -> Policy:
    """The stack's own report bucket has its lifecycle rules in template.yaml: never govern it."""
    if not settings.report_bucket:
        return policy
    storage = policy.storage_lifecycle
    excluded = storage.model_copy(update={"exclude": (*storage.exclude, settings.report_bucket)})
    return policy.model_copy(update={"storage_lifecycle": excluded})


APP = GuardrailApp(
    guardrail=GUARDRAIL,
    build=build,
    routes={CLOUDTRAIL_API_CALL: lambda runner, event, trigger: runner.on_bucket(bucket_of_event(event), trigger)},
    sweep=StorageLifecycleRunner.sweep,
)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return APP.handle(event, context, metrics)
