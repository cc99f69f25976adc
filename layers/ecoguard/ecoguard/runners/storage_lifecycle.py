"""Run the storage-lifecycle guardrail: a resumable sweep of the region's buckets, or one bucket
named by a CloudTrail ``CreateBucket`` / ``PutBucketTagging`` event."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from ecoguard.decisions import Mode, Outcome, PlannedAction, Skip
from ecoguard.adapters.s3 import S3Adapter
from ecoguard.audit import AuditRecord, AuditTrail
from ecoguard.errors import AwsError, NotFound, Throttled
from ecoguard.events import BUCKET_NAME, EventBridgeEvent, EventError, parse_cloudtrail
from ecoguard.executor import Applier, Executor, RunSummary, Trigger
from ecoguard.guardrails.storage_lifecycle import (
    ACTION,
    GUARDRAIL,
    Bucket,
    BucketConfig,
    decide_bucket,
    in_scope,
)
from ecoguard.guardrails.tags import is_exempt
from ecoguard.policy import Policy
from ecoguard.runners.base import GuardrailRunner
from ecoguard.sweep import Sweep, SweepResult

logger = Logger(child=True)

BUCKET_EVENTS = frozenset({"CreateBucket", "PutBucketTagging"})
# The configuration is re-read just before the write; if it changed, the merge is redone, this often.
MERGE_ATTEMPTS = 3


def bucket_of_event(event: EventBridgeEvent) -> str | None:
    """The bucket a CloudTrail CreateBucket / PutBucketTagging event names; None for other or failed calls."""
    call = parse_cloudtrail(event)
    if call.eventName not in BUCKET_EVENTS or call.errorCode:
        logger.info("ignoring API call", extra={"event_name": call.eventName, "error_code": call.errorCode})
        return None
    name = (call.requestParameters or {}).get("bucketName")
    if not isinstance(name, str) or not name:
        raise EventError(f"malformed {call.eventName} event: requestParameters.bucketName is missing")
    if not BUCKET_NAME.fullmatch(name):
        raise EventError(f"malformed {call.eventName} event: requestParameters.bucketName is not an S3 bucket name")
    return name


class StorageLifecycleRunner(GuardrailRunner):
    guardrail = GUARDRAIL

    def __init__(
        self,
        *,
        s3: S3Adapter,
        region: str,
        audit: AuditTrail,
        policy: Policy,
        mode: Mode,
        clock: Callable[[], datetime],
        remaining_ms: Callable[[], int],
    ) -> None:
        super().__init__(audit=audit, policy=policy, mode=mode, clock=clock)
        self._s3 = s3
        self._region = region
        self._sweep = Sweep[Bucket](GUARDRAIL, audit, clock, remaining_ms)

    def _appliers(self) -> Mapping[str, Applier]:
        return {ACTION: self._apply}

    def _apply(self, action: PlannedAction) -> None:
        self._s3.write(
            action.resource.name, BucketConfig.from_state(action.before), BucketConfig.from_state(action.after)
        )

    def on_bucket(self, name: str | None, trigger: Trigger) -> RunSummary:
        executor = self._executor(trigger)
        if name is None or not in_scope(name, self._policy.storage_lifecycle):
            return executor.summary
        if self._evaluate(Bucket(name, self._region), executor) is Outcome.DEFERRED:
            raise Throttled("PutBucketLifecycleConfiguration", "SlowDown", f"deferred {name}")
        return executor.summary

    def sweep(self, trigger: Trigger) -> SweepResult:
        return self._sweep.run(trigger, self._executor(trigger), self._s3.page, self._evaluate)

    def _evaluate(self, bucket: Bucket, executor: Executor) -> Outcome | None:
        policy = self._policy.storage_lifecycle
        executor.summary.evaluated += 1
        if not in_scope(bucket.name, policy):
            return None
        try:
            tags = self._s3.tags(bucket.name)
            if is_exempt(tags):
                # Nothing else is read from an exempt bucket.
                return executor.execute(Skip(GUARDRAIL, bucket.resource, "tagged ecoguard:exempt=true"))
            versioned = self._s3.versioned(bucket.name)
            current = self._s3.config(bucket.name)
            for _ in range(MERGE_ATTEMPTS):
                decisions = decide_bucket(bucket, tags, versioned, current, policy)
                if self._mode is not Mode.ENFORCE or not any(isinstance(d, PlannedAction) for d in decisions):
                    break
                fresh = self._s3.config(bucket.name)  # just before the write
                if fresh == current:
                    break
                logger.info("configuration changed since the decision; merging again", extra={"bucket": bucket.name})
                current = fresh
            else:
                return executor.fail(GUARDRAIL, bucket.resource, "lifecycle configuration kept changing; not written")
        except Throttled:
            raise
        except NotFound:
            return None  # deleted since it was listed
        except AwsError as exc:
            return executor.fail(GUARDRAIL, bucket.resource, str(exc))
        if not any(isinstance(d, PlannedAction) for d in decisions):
            executor.summary.compliant += 1
        outcome: Outcome | None = None
        for decision in decisions:
            outcome = executor.execute(decision)
            if outcome is Outcome.DEFERRED:
                return outcome
        return outcome


class StorageLifecycleRestorer:
    """Puts a bucket's lifecycle configuration (or none) and ecoguard's tiering configs back as recorded."""

    def __init__(self, s3: S3Adapter) -> None:
        self._s3 = s3

    def current(self, record: AuditRecord) -> dict[str, Any] | None:
        try:
            return self._s3.config(record.resource.name).state()
        except NotFound:
            return None

    def apply(self, record: AuditRecord, state: Mapping[str, Any]) -> None:
        name = record.resource.name
        self._s3.write(name, self._s3.config(name), BucketConfig.from_state(state), restoring=True)
