"""The storage-lifecycle guardrail's one action: merge ecoguard's rules into a bucket's lifecycle
configuration and Intelligent-Tiering configurations, keeping every rule of the owner's.

The runner: a resumable sweep of the region's buckets, or one bucket
named by a CloudTrail ``CreateBucket`` / ``PutBucketTagging`` event.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from aws_lambda_powertools import Logger

from ecoguard import overlap
from ecoguard.adapters.bucket_sizes import BucketSizes
from ecoguard.adapters.metrics import MetricsAdapter
from ecoguard.adapters.s3 import S3Adapter
from ecoguard.adapters.sdk_support import SdkTooOld
from ecoguard.adapters.tagging import TaggingAdapter
from ecoguard.audit import AuditRecord
from ecoguard.confirm import Confirmation, Fresh
from ecoguard.decisions import OUT_OF_SCOPE, Outcome, Plan, PlannedAction, Resource, Skip, Unreadable
from ecoguard.errors import AwsError, NotFound, Throttled
from ecoguard.executor import Executor
from ecoguard.guardrails.lifecycle_merge import under_floor
from ecoguard.guardrails.storage_lifecycle import (
    ACTION,
    DATA_CLASS_TAG,
    GUARDRAIL,
    Bucket,
    BucketConfig,
    bucket_arn,
    decide_bucket,
    in_scope,
)
from ecoguard.guardrails.storage_savings import NOT_READ, StoredBytes
from ecoguard.guardrails.tags import EXEMPT_TAG, is_exempt
from ecoguard.paging import Page
from ecoguard.policy import Policy
from ecoguard.reading import GONE, Gone, read
from ecoguard.runner import GuardrailRunner
from ecoguard.summary import RunSummary, Trigger
from ecoguard.sweep import Overlapped, Sweep, SweepResult
from ecoguard.units import ActionUnit, Clients, Registry
from ecoguard.wiring import Wiring

logger = Logger(child=True)

# The tagging API's resource type filter for S3: a service alone names all its types (``service[:type]``,
# GetResources API reference); a bucket is found by its ARN among them.
TAGGED_TYPE = "s3"

WRITE_PERMISSIONS = frozenset({"s3:PutLifecycleConfiguration", "s3:PutIntelligentTieringConfiguration"})
READ_PERMISSIONS = frozenset({"s3:GetLifecycleConfiguration", "s3:GetIntelligentTieringConfiguration"})
# Buckets read ahead of the one decided, per reading thread: with eight threads, about two thirds of a batch (a
# batch holds up to 100 records, one or two a bucket), so the next batch's reads are made while one is carried out.
READ_AHEAD = 8


class MergeLifecycle(ActionUnit[S3Adapter]):
    """Write the merged configuration; undone by writing the recorded one back (or none)."""

    name = ACTION
    permissions = WRITE_PERMISSIONS
    restore_permissions = READ_PERMISSIONS | WRITE_PERMISSIONS | {"s3:GetBucketTagging"}
    # Expiration deletes objects (and NoncurrentVersionExpiration noncurrent versions) for good; transitions
    # move objects to another storage class (S3 User Guide, "Lifecycle configuration elements").
    irreversible = (
        "objects and noncurrent versions the added expiration rules expire are deleted for good, incomplete "
        "multipart uploads aborted, and objects already transitioned stay in their new storage class; a "
        "restore puts the previous configuration back, not those objects"
    )
    # Objects in S3 Glacier Flexible Retrieval or Deep Archive are not available for real-time access: a GET
    # needs a RestoreObject first (S3 User Guide, "Restoring an archived object").
    interrupts = (
        "nothing restarts; objects moved to S3 Glacier Flexible Retrieval or Deep Archive are read only after "
        "a restore (RestoreObject)"
    )
    # The configuration is read again just before the write; a change made since is merged again.
    confirm_first = True

    def apply(self, action: PlannedAction) -> None:
        self.ports.write(
            action.resource.name, BucketConfig.from_state(action.before), BucketConfig.from_state(action.after)
        )

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        try:
            return self.ports.config(record.resource.name).state()
        except NotFound:
            return None

    def undo(self, record: AuditRecord) -> None:
        name = record.resource.name
        self.ports.write(name, self.ports.config(name), BucketConfig.from_state(record.before), restoring=True)

    def refused_write(self, record: AuditRecord, floor_days: int) -> str | None:
        # The rules of ecoguard's the undo puts back are checked as new ones are (policy.document.check_floors).
        found = under_floor(BucketConfig.from_state(record.before).lifecycle, floor_days)
        if not found:
            return None
        return (
            f"{'; '.join(found)}, under the floor of {floor_days} days for settings that delete data (the stack "
            "parameter DestructiveFloorDays lowers it)"
        )


def connect(clients: Clients) -> S3Adapter:
    s3 = clients("s3")
    return S3Adapter(s3, s3.meta.region_name)


REGISTRY = Registry(GUARDRAIL, "StorageLifecycleFunction", (MergeLifecycle,), connect)


@dataclass(frozen=True)
class ObservedBucket:
    """A governed bucket as read: its tags, and (unless it is exempt, when nothing else is read) whether it
    is versioned, its lifecycle and Intelligent-Tiering configuration, and its bytes per storage class."""

    bucket: Bucket
    tags: Mapping[str, str]
    versioned: bool = False
    config: BucketConfig | None = None
    stored: StoredBytes = NOT_READ


@dataclass(frozen=True)
class Reading:
    """A bucket's read (or why it could not be), and when it ended (``Wiring.monotonic``): the age the
    confirm step measures, however long the read waited to be decided on."""

    observed: ObservedBucket | Gone | Unreadable
    read_at: float


class StorageLifecycleRunner(GuardrailRunner):
    guardrail = GUARDRAIL
    side_by_side = True  # each write changes its own bucket alone (below)

    def __init__(
        self,
        wiring: Wiring,
        s3: S3Adapter,
        region: str,
        read_workers: int | None = None,
        sizes: BucketSizes | None = None,
        *,
        write_workers: int | None = None,
        tagging: TaggingAdapter | None = None,
    ) -> None:
        super().__init__(wiring, REGISTRY.bind(s3))
        self._s3 = s3
        self._region = region
        self._read_workers = read_workers
        # Each write changes its own bucket's configuration alone (MergeLifecycle), and S3 publishes no request
        # rate for bucket configuration calls (its quotas are per prefix for object requests: S3 User Guide,
        # "Best practices design patterns: optimizing Amazon S3 performance"), so a batch's writes, each made
        # after its record is stored, go side by side; a SlowDown answer paces them (ecoguard.pacing).
        self.write_workers = write_workers
        self._sizes = sizes
        # The current page's buckets' bytes per storage class (their read's exception raised here).
        self._stored: Callable[[], dict[str, StoredBytes]] = dict
        self._sizing: ThreadPoolExecutor | None = None  # reads them beside the page's buckets (a sweep's)
        # A sweep decides each bucket first on the tagging API's listing of the keys that govern it, read once
        # beside the first page (``_first_tags``); None: each bucket's own tags (an event, or no tagging client).
        self._tagging = tagging
        self._listed: Future[dict[str, dict[str, str]] | None] | None = None

    @classmethod
    def build(cls, wiring: Wiring) -> StorageLifecycleRunner:
        s3 = wiring.clients("s3")
        own = replace(wiring, policy=without_own_buckets(wiring.policy, wiring.settings.report_bucket))
        sizes = BucketSizes(MetricsAdapter(wiring.clients("cloudwatch")))
        tagging = TaggingAdapter(wiring.clients("resourcegroupstaggingapi"))
        return cls(own, S3Adapter(s3, s3.meta.region_name), s3.meta.region_name, sizes=sizes, tagging=tagging)

    def on_bucket(self, name: str | None, trigger: Trigger) -> RunSummary:
        executor = self._executor(trigger)
        if name is None or not in_scope(name, self._policy.storage_lifecycle):
            return executor.summary
        try:
            stored = self._read_sizes([name])
        except Throttled as exc:  # one bucket, on its event: decided now, its saving unknown, not retried
            stored = {name: StoredBytes.unknown(f"the bucket size read was throttled: {exc}")}
        self._stored = lambda: stored
        if self._evaluate(Bucket(name, self._region), executor) is Outcome.DEFERRED:
            raise Throttled("PutBucketLifecycleConfiguration", "SlowDown", f"deferred {name}")
        return executor.summary

    def sweep(self, trigger: Trigger) -> SweepResult:
        executor = self._executor(trigger)
        # Closed with the sweep: a size read or the tag listing still running is waited for, so none outlives it.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ecoguard-sizes") as self._sizing:
            if self._tagging is not None:
                self._listed = self._sizing.submit(contextvars.copy_context().run, self._tags_listed)
            try:
                return self._swept(trigger, executor)
            finally:
                self._listed = None

    def _swept(self, trigger: Trigger, executor: Executor) -> SweepResult:
        try:
            sweep: Sweep[Bucket] = self._make_sweep()
            # Each bucket's reads are its own: made ahead, several at once; decided in listing order. Deciding
            # makes no call (the exemption is read again when the batch is carried out), so reads run up to
            # READ_AHEAD buckets ahead: they go on while a batch's records are stored and its writes made, and
            # are decided well within confirm.FRESH_FOR of being made.
            workers = self._read_workers or overlap.READ_WORKERS
            handle = Overlapped(self._read, self._act, workers, READ_AHEAD * workers)
            return sweep.run(trigger, executor, self._page, handle)
        except SdkTooOld as exc:
            # Not retried: the same runtime gives the same answer. Recorded failed, so reported and notified.
            listing = Resource(
                arn=bucket_arn("*", self._region), name=f"buckets in {self._region}", kind="AWS::S3::Bucket"
            )
            executor.fail(GUARDRAIL, listing, str(exc))
            return SweepResult(executor.summary, finished=True)

    def _page(self, token: str | None) -> Page[Bucket]:
        """A page of buckets, and the bytes per storage class of those in scope: read for the page at once, beside
        the buckets' own reads (only the decisions use them, to estimate what the rules save)."""
        page = self._s3.page(token)
        policy = self._policy.storage_lifecycle
        names = [b.name for b in page.items if in_scope(b.name, policy)]
        assert self._sizing is not None
        self._stored = self._sizing.submit(contextvars.copy_context().run, self._read_sizes, names).result
        return page

    def _read_sizes(self, names: list[str]) -> dict[str, StoredBytes]:
        """Throttling pauses the sweep; any other error leaves the sizes unknown, with why: the rules do not
        depend on them, only the estimate of what they save."""
        if self._sizes is None or not names:
            return {}
        try:
            return self._sizes.stored(names, self._clock())
        except Throttled:
            raise
        except AwsError as exc:
            return dict.fromkeys(names, StoredBytes.unknown(f"the bucket sizes could not be read: {exc}"))

    def _evaluate(self, bucket: Bucket, executor: Executor) -> Outcome | None:
        return self._act(bucket, self._read(bucket), executor)

    def _read(self, bucket: Bucket) -> Reading | None:
        """The bucket read (None: out of scope, nothing read). Only reads: safe on a read thread."""
        if not in_scope(bucket.name, self._policy.storage_lifecycle):
            return None
        observed = read(GUARDRAIL, bucket.resource, lambda: self._observe(bucket))
        return Reading(observed, self._wiring.read_clock())

    def _act(self, bucket: Bucket, reading: Reading | None, executor: Executor) -> Outcome | None:
        if reading is None:
            return executor.run(OUT_OF_SCOPE)
        observed = reading.observed
        if observed is GONE:
            return executor.run(OUT_OF_SCOPE)  # deleted since it was listed
        if isinstance(observed, Unreadable):
            return executor.run(Plan(unreadable=observed))
        if observed.config is not None:  # not exempt: its saving is estimated (throttling pauses the sweep here)
            observed = replace(observed, stored=self._stored().get(bucket.name, NOT_READ))
        # Exempt everywhere (issue 27): S3 evaluates aws:ResourceTag only on a bucket with ABAC enabled (off by
        # default; S3 User Guide, "Enabling ABAC in general purpose buckets"), so no IAM Deny backs the exempt
        # tag. A bucket about to be written has its tags read last, whatever the read's age: when its batch is
        # carried out, before the batch's records are stored and its writes made (``last_look``, side by side with
        # the batch's other buckets); its configuration is read again only once that read is no longer fresh.
        confirmation = Confirmation(
            GUARDRAIL, observed, self._reread, self._decide, read_at=reading.read_at, last_look=self._tags_read_now
        )
        return executor.run(self._decide(observed), confirmation)

    def _tags_read_now(self, observed: ObservedBucket) -> ObservedBucket:
        """``observed`` with the bucket's tags read now; an exempt bucket keeps nothing else (it is skipped)."""
        tags = self._s3.tags(observed.bucket.name)
        if is_exempt(tags):
            return ObservedBucket(observed.bucket, tags)
        return replace(observed, tags=tags)

    def _tags_listed(self) -> dict[str, dict[str, str]] | None:
        """Bucket ARN -> every tag, for each bucket with a key that governs it or that the report attributes by:
        one listing per key, however many buckets there are. None where the listing is refused (each bucket's own
        tags are read then); throttling is raised, at every bucket, so the sweep pauses."""
        assert self._tagging is not None
        keys = (EXEMPT_TAG, DATA_CLASS_TAG, *self._policy.report.attribution_tags)
        try:
            return self._tagging.tagged(TAGGED_TYPE, keys)
        except Throttled:
            raise
        except AwsError as exc:
            logger.warning("the tag listing was refused; each bucket's own tags are read", extra={"error": str(exc)})
            return None

    def _first_tags(self, bucket: Bucket) -> dict[str, str]:
        """The tags a bucket is first decided on. In a sweep, the tagging API's listing: it may lag a tag change
        by a short while, so a bucket about to be written is decided again on its own tags, read last
        (``_tags_read_now``), and one the listing names exempt is skipped without a write. On an event, or
        where the listing is refused, the bucket's own (GetBucketTagging)."""
        listed = self._listed.result() if self._listed is not None else None
        if listed is not None:
            return dict(listed.get(bucket.resource.arn, {}))
        return self._s3.tags(bucket.name)

    def _observe(self, bucket: Bucket) -> ObservedBucket:
        tags = self._first_tags(bucket)
        if is_exempt(tags):
            return ObservedBucket(bucket, tags)  # nothing else is read from an exempt bucket
        return ObservedBucket(bucket, tags, self._s3.versioned(bucket.name), self._s3.config(bucket.name))

    def _decide(self, observed: ObservedBucket) -> Plan:
        if observed.config is None:
            return Plan((Skip(GUARDRAIL, observed.bucket.resource, "tagged ecoguard:exempt=true"),))
        policy = self._policy.storage_lifecycle
        decisions = decide_bucket(
            observed.bucket, observed.tags, observed.versioned, observed.config, policy, stored=observed.stored
        )
        return Plan(tuple(decisions))

    def _reread(self, observed: ObservedBucket) -> Fresh[ObservedBucket]:
        """The configuration read again before the write, once the first read is no longer fresh
        (``confirm.FRESH_FOR``): a change made since is merged again."""
        fresh = self._s3.config(observed.bucket.name)
        return Fresh(replace(observed, config=fresh), changed=fresh != observed.config)


def without_own_buckets(policy: Policy, report_bucket: str | None) -> Policy:
    """The stack's own report bucket has its lifecycle rules in template.yaml: never govern it."""
    if not report_bucket:
        return policy
    storage = policy.storage_lifecycle
    excluded = storage.model_copy(update={"exclude": (*storage.exclude, report_bucket)})
    return policy.model_copy(update={"storage_lifecycle": excluded})
