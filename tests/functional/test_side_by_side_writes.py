"""The S3 lifecycle sweep's writes made side by side within a batch, with nothing else changed.

- Writing on eight threads changes no decision, no record, not their order, no API call count and no
  bucket's resulting configuration: the same account swept in enforce with one writer and with eight
  records the same audit writes in the same order, after the same S3 calls, and leaves the same rules.
- The write-ahead rule holds on every thread: no bucket's configuration is written before its audit
  record is stored.
- A write throttled past the SDK's retries in the middle of a batch makes the sweep pause at that bucket;
  the writes already made beside it are recorded, and none is lost or made twice.
- A throttling storm ends in paced success: S3 answers ``SlowDown`` (HTTP 503; Amazon S3 API reference,
  "Error responses": "Please reduce your request rate") to writes made eight at a time, the SDK retries,
  ecoguard's limiter slows to what is answered (``ecoguard.pacing``), and every bucket is written once in one
  invocation, none deferred, none failed.

Time in the storm is a virtual clock (the quota model's, the limiter's and botocore's retry waits): no
assertion is about time, only about counts and outcomes.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import Counter
from types import SimpleNamespace
from typing import Any

import boto3
import botocore.endpoint
import pytest
from botocore.exceptions import ClientError

from ecoguard import overlap, pacing
from ecoguard.adapters.clients import client
from ecoguard.decisions import Outcome
from tests.builders.transactions import pending_puts
from tests.conftest import REGION, Stack, load_event, record_calls
from tests.functional.test_paced_sweeps import VirtualClock, audit_writes
from tools.bench.quota import S3_THROTTLING, ApiQuota, QuotaModel, held
from tools.bench.seed import seed_buckets
from tools.simulator.s3_shim import fake_s3_configs

BUCKETS = 60
EXEMPT = {f"ml-bench-{i:05d}" for i in range(BUCKETS) if i % 20 == 19}
GOVERNED = {f"ml-bench-{i:05d}" for i in range(BUCKETS)} - EXEMPT
PUT = "PutBucketLifecycleConfiguration"


class Watch:
    """Writes in flight at once (their peak), and every write made before its bucket's record was stored."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.stored: set[str] = set()  # buckets whose pending record a transaction has stored
        self.early: list[str] = []

    def records_stored(self, params: dict[str, Any], http_response: Any, **_: Any) -> None:
        if getattr(http_response, "status_code", 500) >= 300:
            return
        with self.lock:
            self.stored.update(record["pk"]["S"] for record in pending_puts(params))

    def writing(self, params: dict[str, Any], **_: Any) -> None:
        with self.lock:
            if not any(key.endswith(f":::{params['Bucket']}") for key in self.stored):
                self.early.append(params["Bucket"])
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        time.sleep(0.002)  # a round trip, so that writes made at once are seen at once

    def written(self, **_: Any) -> None:
        with self.lock:
            self.in_flight -= 1


def sweep_enforced(
    stack: Stack, run: str, writers: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[Counter[str], list[tuple[str, str, str]], Watch]:
    monkeypatch.setattr(overlap, "WRITE_WORKERS", writers)  # the S3 lifecycle runner's writers
    watch = Watch()
    s3, dynamodb = client("s3"), client("dynamodb")
    # Registered with the transaction's parameters in hand: they are the records it stores.
    params_of: dict[int, dict[str, Any]] = {}

    def keep(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        params_of[id(context)] = params

    def stored(http_response: Any, context: dict[str, Any], **_: Any) -> None:
        watch.records_stored(params_of.pop(id(context), {}), http_response)

    hooks = [
        (dynamodb, "provide-client-params.dynamodb.TransactWriteItems", keep),
        (dynamodb, "after-call.dynamodb.TransactWriteItems", stored),
        (s3, f"before-parameter-build.s3.{PUT}", watch.writing),
        (s3, f"after-call.s3.{PUT}", watch.written),
    ]
    for c, name, hook in hooks:
        c.meta.events.register(name, hook)
    s3_calls, audit_calls = record_calls("s3"), record_calls("dynamodb")
    event = load_event("storage_lifecycle/scheduled-sweep.json") | {"id": run}
    results = stack.invoke("StorageLifecycleFunction", event, env={"ECOGUARD_MODE": "enforce"})
    for c, name, hook in hooks:
        c.meta.events.unregister(name, hook)
    assert len(results) == 1 and results[0]["finished"]
    # Copies now: the logs stay registered on the cached clients and would count the next run too.
    return Counter(s3_calls.calls), audit_writes(SimpleNamespace(params=list(audit_calls.params))), watch


def test_given_buckets_written_on_eight_threads_then_records_their_order_calls_and_rules_are_one_writers(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_s3_configs() as store:
        seed_buckets(BUCKETS)
        seeded = copy.deepcopy((store.lifecycle, store.tiering))
        one_s3, one_written, one = sweep_enforced(stack, "run-one-writer", 1, monkeypatch)
        after_one = copy.deepcopy((store.lifecycle, store.tiering))
        store.lifecycle, store.tiering = copy.deepcopy(seeded)  # the same account again
        eight_s3, eight_written, eight = sweep_enforced(stack, "run-eight-writers", 8, monkeypatch)
        after_eight = copy.deepcopy((store.lifecycle, store.tiering))
    assert one_s3[PUT] == len(GOVERNED), "every bucket not exempt is written once"
    assert [(pk, sk.replace("run-one-writer", "run"), o) for pk, sk, o in one_written] == [
        (pk, sk.replace("run-eight-writers", "run"), o) for pk, sk, o in eight_written
    ]
    assert eight_s3 == one_s3
    assert after_eight == after_one, "the same rules left on every bucket, the owner's kept"
    assert one.peak == 1 and eight.peak > 1, "one writer writes one bucket at a time; eight overlap"
    assert not one.early and not eight.early, "no bucket written before its record was stored"
    records = {(r.resource.name, r.trigger_id, r.action): r for r in stack.records()}
    applied = [r for r in records.values() if r.outcome is Outcome.APPLIED]
    assert len(applied) == 2 * len(GOVERNED)
    for (name, trigger, action), record in records.items():
        if trigger == "run-one-writer":
            twin = records[(name, "run-eight-writers", action)]
            assert (twin.action, twin.outcome, twin.before, twin.after) == (
                record.action,
                record.outcome,
                record.before,
                record.after,
            )


def test_given_writes_throttled_past_retries_in_a_batch_then_the_sweep_pauses_at_them_and_loses_or_repeats_none(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(overlap, "WRITE_WORKERS", 8)
    throttled_once = {"ml-bench-00005", "ml-bench-00030"}
    injected: Counter[str] = Counter()
    lock = threading.Lock()

    sent: Counter[str] = Counter()

    def slow_down(params: dict[str, Any], **_: Any) -> None:
        # As an exhausted retry would: S3's SlowDown (S3 API reference, Error responses), once per bucket,
        # after the SDK's retries took their time, while the writes beside it carry on.
        with lock:
            sent[params["Bucket"]] += 1
            refuse = params["Bucket"] in throttled_once and not injected[params["Bucket"]]
            injected[params["Bucket"]] += refuse
        if refuse:
            time.sleep(0.2)
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}, PUT)

    with fake_s3_configs() as store:
        seed_buckets(BUCKETS)  # the owner's rules written first, not counted
        client("s3").meta.events.register(f"before-parameter-build.s3.{PUT}", slow_down)
        results = stack.invoke(
            "StorageLifecycleFunction",
            load_event("storage_lifecycle/scheduled-sweep.json") | {"id": "throttled-writes"},
            env={"ECOGUARD_MODE": "enforce"},
        )
        client("s3").meta.events.unregister(f"before-parameter-build.s3.{PUT}", slow_down)
    assert sum(injected.values()) == 2
    # Buckets after ml-bench-00005 were written beside it, while its retries ran out: counted in the first
    # invocation (5 buckets come before it), not written again when the sweep resumes at it.
    assert results[0]["applied"] > 5
    # Paused at ml-bench-00005; ml-bench-00030 throttled in the same invocation (written beside it) or in the next.
    assert len(results) in (2, 3) and results[-1]["finished"], "paused at a throttled bucket, then carried on"
    assert results[0].get("deferred", 0) >= 1 and not results[-1].get("deferred", 0)
    applied = Counter(r.resource.name for r in stack.records() if r.outcome is Outcome.APPLIED)
    assert set(applied.values()) == {1}, "no bucket acted on twice"
    assert set(applied) == GOVERNED, "none lost"
    assert sent == Counter({name: 1 + (name in throttled_once) for name in GOVERNED}), "each written once"
    assert not [r for r in stack.records() if r.outcome in (Outcome.FAILED, Outcome.PENDING)]
    missing = [name for name in GOVERNED if name not in store.lifecycle]
    assert not missing, missing


def storm(stack: Stack, monkeypatch: pytest.MonkeyPatch, limiter: pacing.Limiter) -> tuple[Any, QuotaModel]:
    """The sweep while S3 answers SlowDown to PutBucketLifecycleConfiguration past 2 calls a second."""
    clock = VirtualClock()
    limiter.clock, limiter.sleep = clock, clock.sleep
    monkeypatch.setattr(pacing, "LIMITER", limiter)
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=clock.sleep))  # the SDK's retry waits
    # S3 publishes no rate for bucket configuration calls; it answers SlowDown when it must, which this
    # bucket of 2 a second stands for. On moto's own S3 handler (tools/bench/quota.py::held): see below.
    quota = ApiQuota(2, S3_THROTTLING, "a SlowDown storm (S3 API reference, Error responses)")
    model = QuotaModel(quotas={f"s3.{PUT}": quota}, clock=clock, sleep=clock.sleep)
    with held(model):
        results = stack.invoke(
            "StorageLifecycleFunction",
            load_event("storage_lifecycle/scheduled-sweep.json") | {"id": "storm"},
            env={"ECOGUARD_MODE": "enforce"},
        )
    return results, model


def seed_plain_buckets() -> None:
    # Without the s3_shim (its answers come before botocore sends, so no retry or pacing would see a SlowDown:
    # s3_shim_answers_before_send, tests/README.md): buckets whose configuration moto keeps as written.
    s3 = boto3.client("s3", region_name=REGION)
    for name in sorted(GOVERNED):
        s3.create_bucket(Bucket=name)
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "ecoguard:data-class", "Value": "raw"}]})


def test_given_a_slowdown_storm_when_buckets_are_written_eight_at_a_time_then_it_ends_in_paced_success(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(overlap, "WRITE_WORKERS", 8)
    seed_plain_buckets()
    results, model = storm(stack, monkeypatch, pacing.Limiter())
    applied = Counter(r.resource.name for r in stack.records() if r.outcome is Outcome.APPLIED)
    assert set(applied) == GOVERNED and set(applied.values()) == {1}
    assert not [r for r in stack.records() if r.outcome is Outcome.FAILED]
    assert len(results) == 1 and results[0]["finished"], "one invocation: nothing deferred, no hand-off"
    assert results[0].get("deferred", 0) == 0
    assert model.throttled[f"s3.{PUT}"] > 0, "the storm did throttle the writes"
    assert model.served[f"s3.{PUT}"] == len(GOVERNED), "each bucket written once"
