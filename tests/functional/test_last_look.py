"""The S3 lifecycle sweep's last look: each bucket about to be written has its tags read again when its batch is
carried out, side by side with the batch's other buckets, before any record of the batch is stored.

- A bucket its owner exempts after its plan was queued, before its batch is carried out, is skipped and not
  written (it was written before: its tags were read again only when its plan was queued).
- The looks of a batch overlap with eight writers and are made one at a time with one; either way every bucket
  written has its tags read exactly twice (once ahead, once last), each look before its bucket's record is
  stored, and no bucket is written before its record is stored.
- A look throttled past the SDK's retries defers its bucket: its pending record is taken over when the sweep
  resumes at it, and it is written once.

No IAM Deny backs the exempt tag on a bucket (S3 evaluates ``aws:ResourceTag`` only with ABAC enabled, off by
default: S3 User Guide, "Enabling ABAC in general purpose buckets"), so this read is the only control.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import Counter
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from ecoguard import overlap
from ecoguard.actions.storage_lifecycle import StorageLifecycleRunner
from ecoguard.adapters.clients import client
from ecoguard.decisions import Outcome
from tests.builders.transactions import pending_puts
from tests.conftest import REGION, Stack, load_event, record_calls
from tools.bench.seed import seed_buckets
from tools.simulator.invoke import as_another_actor
from tools.simulator.s3_shim import fake_s3_configs

FN = "StorageLifecycleFunction"
BUCKETS = 40
EXEMPT = {f"ml-bench-{i:05d}" for i in range(BUCKETS) if i % 20 == 19}
GOVERNED = {f"ml-bench-{i:05d}" for i in range(BUCKETS)} - EXEMPT
PUT = "PutBucketLifecycleConfiguration"
TAGS = "GetBucketTagging"
LATE = "ml-bench-00001"  # a data-class bucket (its rules are written), early in the first batch


def sweep(stack: Stack, run: str) -> list[dict[str, Any]]:
    event = load_event("storage_lifecycle/scheduled-sweep.json") | {"id": run}
    return stack.invoke(FN, event, env={"ECOGUARD_MODE": "enforce"})


@pytest.mark.parametrize("readers", [1, 8])
def test_given_a_bucket_exempted_after_its_plan_is_queued_then_it_is_skipped_and_not_written(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, readers: int
) -> None:
    monkeypatch.setattr(overlap, "READ_WORKERS", readers)
    owner = boto3.client("s3", region_name=REGION)
    decide = StorageLifecycleRunner._act  # between a plan queued and its batch carried out
    queued: list[str] = []

    def then_exempted(runner: StorageLifecycleRunner, bucket: Any, reading: Any, executor: Any) -> Any:
        outcome = decide(runner, bucket, reading, executor)
        queued.append(bucket.name)
        if bucket.name == LATE:
            assert outcome is None, "queued in a batch, not carried out yet"
            with as_another_actor():  # the owner's call, not the function's
                owner.put_bucket_tagging(
                    Bucket=LATE,
                    Tagging={
                        "TagSet": [
                            {"Key": "ecoguard:exempt", "Value": "true"},
                            {"Key": "ecoguard:data-class", "Value": "raw"},
                        ]
                    },
                )
        return outcome

    monkeypatch.setattr(StorageLifecycleRunner, "_act", then_exempted)
    with fake_s3_configs() as store:
        seed_buckets(BUCKETS)
        before = store.lifecycle.get(LATE)
        results = sweep(stack, "exempted-late")
        assert store.lifecycle.get(LATE) == before, "nothing written on the bucket exempted since"
        written = {name for name in GOVERNED if store.lifecycle.get(name) is not None}
    assert LATE in queued and len(results) == 1 and results[0]["finished"]
    records = [r for r in stack.records() if r.resource.name == LATE]
    assert [(r.action, r.outcome) for r in records] == [("skip", Outcome.SKIPPED)]
    assert records[0].reason == "tagged ecoguard:exempt=true"
    applied = {r.resource.name for r in stack.records() if r.outcome is Outcome.APPLIED}
    assert applied == GOVERNED - {LATE}, "every other bucket written"
    assert written >= applied


class Looks:
    """GetBucketTagging calls in flight at once (their peak), per bucket, and each look (a bucket's second tags
    read) made after its bucket's pending record was stored; PutBucketLifecycleConfiguration made before."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.tags: Counter[str] = Counter()
        self.stored: set[str] = set()
        self.late_looks: list[str] = []
        self.early_writes: list[str] = []

    def reading(self, params: dict[str, Any], **_: Any) -> None:
        with self.lock:
            self.tags[params["Bucket"]] += 1
            if self.tags[params["Bucket"]] > 1 and self._stored(params["Bucket"]):
                self.late_looks.append(params["Bucket"])
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        time.sleep(0.002)  # a round trip, so that reads made at once are seen at once

    def read(self, **_: Any) -> None:
        with self.lock:
            self.in_flight -= 1

    def writing(self, params: dict[str, Any], **_: Any) -> None:
        with self.lock:
            if not self._stored(params["Bucket"]):
                self.early_writes.append(params["Bucket"])

    def records_stored(self, params: dict[str, Any], **_: Any) -> None:
        with self.lock:
            self.stored.update(record["pk"]["S"] for record in pending_puts(params))

    def _stored(self, bucket: str) -> bool:
        return any(key.endswith(f":::{bucket}") for key in self.stored)


def looked(stack: Stack, run: str, writers: int, monkeypatch: pytest.MonkeyPatch) -> tuple[Looks, Counter[str]]:
    # One reader: the reads ahead are made on the sweep's thread, one at a time, so any overlap is the looks'.
    monkeypatch.setattr(overlap, "READ_WORKERS", 1)
    monkeypatch.setattr(overlap, "WRITE_WORKERS", writers)
    looks = Looks()
    s3, dynamodb = client("s3"), client("dynamodb")
    params_of: dict[int, dict[str, Any]] = {}  # each transaction's parameters: the records it stores

    def keep(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        params_of[id(context)] = params

    def stored(http_response: Any, context: dict[str, Any], **_: Any) -> None:
        if getattr(http_response, "status_code", 500) < 300:
            looks.records_stored(params_of.pop(id(context), {}))

    hooks = [
        (s3, f"before-parameter-build.s3.{TAGS}", looks.reading),
        (s3, f"after-call.s3.{TAGS}", looks.read),
        (s3, f"before-parameter-build.s3.{PUT}", looks.writing),
        (dynamodb, "provide-client-params.dynamodb.TransactWriteItems", keep),
        (dynamodb, "after-call.dynamodb.TransactWriteItems", stored),
    ]
    for c, name, hook in hooks:
        c.meta.events.register(name, hook)
    calls = record_calls("s3")
    results = sweep(stack, run)
    for c, name, hook in hooks:
        c.meta.events.unregister(name, hook)
    assert len(results) == 1 and results[0]["finished"]
    return looks, Counter(calls.calls)


def test_given_a_batch_then_its_looks_overlap_each_before_its_record_and_only_written_buckets_have_tags_read(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_s3_configs() as store:
        seed_buckets(BUCKETS)
        seeded = copy.deepcopy((store.lifecycle, store.tiering))
        one, one_calls = looked(stack, "looks-one-writer", 1, monkeypatch)
        store.lifecycle, store.tiering = copy.deepcopy(seeded)  # the same account again
        eight, eight_calls = looked(stack, "looks-eight-writers", 8, monkeypatch)
    for looks in (one, eight):
        # Decided first on the sweep's tag listing: a bucket's own tags are read once, last, and only if it is to
        # be written (the listing names the exempt ones, which are skipped unread).
        assert looks.tags == Counter(dict.fromkeys(GOVERNED, 1))
        assert not looks.late_looks, "every look made before its bucket's record is stored"
        assert not looks.early_writes, "no bucket written before its record is stored"
    assert eight_calls == one_calls
    assert eight_calls[TAGS] == len(GOVERNED)
    assert eight_calls[PUT] == len(GOVERNED)
    assert one.peak == 1 and eight.peak > 1, (
        "with one writer the looks are made one at a time; with eight, side by side"
    )
    applied = Counter(r.trigger_id for r in stack.records() if r.outcome is Outcome.APPLIED)
    assert applied["looks-one-writer"] == applied["looks-eight-writers"] >= len(GOVERNED)


def test_given_a_look_throttled_past_retries_then_its_bucket_is_deferred_and_written_once_when_the_sweep_resumes(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(overlap, "WRITE_WORKERS", 8)
    lock = threading.Lock()
    tags_read: Counter[str] = Counter()
    refused: list[str] = []

    def slow_down(params: dict[str, Any], **_: Any) -> None:
        # Its look (its only tag read: the sweep decides it first on the tag listing) answered SlowDown (S3 API
        # reference, Error responses), once, as an exhausted retry would: raised before the request is built, so no
        # retry is made.
        with lock:
            tags_read[params["Bucket"]] += 1
            refuse = params["Bucket"] == LATE and tags_read[LATE] == 1
        if refuse:
            refused.append(LATE)
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}, TAGS)

    sent: Counter[str] = Counter()

    def writing(params: dict[str, Any], **_: Any) -> None:
        with lock:
            sent[params["Bucket"]] += 1

    with fake_s3_configs() as store:
        seed_buckets(BUCKETS)
        s3 = client("s3")
        s3.meta.events.register(f"before-parameter-build.s3.{TAGS}", slow_down)
        s3.meta.events.register(f"before-parameter-build.s3.{PUT}", writing)
        results = sweep(stack, "throttled-look")
        s3.meta.events.unregister(f"before-parameter-build.s3.{TAGS}", slow_down)
        s3.meta.events.unregister(f"before-parameter-build.s3.{PUT}", writing)
        assert store.lifecycle.get(LATE) is not None, "written when the sweep resumed"
    assert refused == [LATE]
    assert len(results) == 2 and results[-1]["finished"], "paused at the bucket whose look was throttled, then resumed"
    assert results[0].get("deferred", 0) >= 1 and not results[-1].get("deferred", 0)
    assert sent == Counter(dict.fromkeys(GOVERNED, 1)), "each bucket written once, none lost"
    applied = Counter(r.resource.name for r in stack.records() if r.outcome is Outcome.APPLIED)
    assert set(applied) == GOVERNED and set(applied.values()) == {1}
    assert not [r for r in stack.records() if r.outcome in (Outcome.FAILED, Outcome.PENDING)]
