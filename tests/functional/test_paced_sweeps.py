"""Reads overlapped, writes paced, with nothing else changed.

- Reading buckets ahead on several threads changes no decision, no record, not their order, and no API
  call count: the same sweep with one reader and with eight records the same audit writes in the same
  order, after the same S3 calls.
- A throttling storm ends in paced success: while other tools in the account take most of
  PutRetentionPolicy's quota (5 a second, CloudWatch Logs quotas), the sweep is answered
  ThrottlingException, as AWS answers (tools/bench/quota.py), slows to what is left of the quota
  (ecoguard.pacing), and sets every retention in one invocation, none deferred and none failed.

Time is a virtual clock here (the quota model's, the limiter's and botocore's retry waits): no assertion
is about time, only about counts and outcomes.
"""

from __future__ import annotations

import threading
from collections import Counter
from types import SimpleNamespace
from typing import Any

import boto3
import botocore.endpoint
import pytest
from botocore.exceptions import ClientError

from ecoguard import overlap, pacing
from ecoguard.actions import storage_lifecycle
from ecoguard.adapters.clients import client
from ecoguard.decisions import Outcome
from tests.builders.in_flight import InFlight
from tests.conftest import REGION, Stack, load_event, record_calls
from tools.bench.quota import QuotaModel, held
from tools.bench.seed import seed_buckets
from tools.simulator.s3_shim import fake_s3_configs
from tools.simulator.seed_serving import seed_serving

BUCKETS = 60
GROUPS = 40


class VirtualClock:
    def __init__(self) -> None:
        self.now = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += max(seconds, 0.0)


def audit_writes(log: Any) -> list[tuple[str, str, str]]:
    """(resource, record key, outcome) of every audit record written, in the order written."""
    written: list[tuple[str, str, str]] = []
    for operation, params in log.params:
        items = [t["Put"]["Item"] for t in params.get("TransactItems", []) if "Put" in t]
        if operation == "PutItem":
            items = [params["Item"]]
        for item in items:
            if "outcome" in item:
                written.append((item["pk"]["S"], item["sk"]["S"], item["outcome"]["S"]))
    return written


def sweep_buckets(
    stack: Stack, run: str, workers: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[Counter[str], Any, int]:
    monkeypatch.setattr(overlap, "READ_WORKERS", workers)
    reads = InFlight(hold_s=0.002)  # a round trip, so that reads made at once are seen at once
    entering, leaving = reads.enter, reads.leave

    # A bucket's first read of its own (its tags come from the sweep's tag listing; in a dry run the tags read last
    # are read as each plan is queued, on the sweep's thread).
    s3 = client("s3")
    s3.meta.events.register("before-call.s3.GetBucketVersioning", entering)
    s3.meta.events.register("after-call.s3.GetBucketVersioning", leaving)
    s3_calls, audit_calls = record_calls("s3"), record_calls("dynamodb")
    event = load_event("storage_lifecycle/scheduled-sweep.json") | {"id": run}
    stack.invoke("StorageLifecycleFunction", event, env={"ECOGUARD_MODE": "dry-run"})
    s3.meta.events.unregister("before-call.s3.GetBucketVersioning", entering)
    s3.meta.events.unregister("after-call.s3.GetBucketVersioning", leaving)
    # Copies now: the logs stay registered on the cached clients and would count the next run too.
    return Counter(s3_calls.calls), SimpleNamespace(params=list(audit_calls.params)), reads.peak


def test_given_buckets_read_ahead_on_eight_threads_then_records_their_order_and_calls_are_one_readers(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_s3_configs():
        seed_buckets(BUCKETS)
        one_s3, one_audit, one_peak = sweep_buckets(stack, "run-one-reader", 1, monkeypatch)
        eight_s3, eight_audit, eight_peak = sweep_buckets(stack, "run-eight-readers", 8, monkeypatch)
    one, eight = audit_writes(one_audit), audit_writes(eight_audit)
    assert len(one) >= BUCKETS, "every bucket in scope is recorded (would-apply or skipped)"
    # The same records, in the same order, under each run's own key.
    assert [(pk, sk.replace("run-one-reader", "run"), o) for pk, sk, o in one] == [
        (pk, sk.replace("run-eight-readers", "run"), o) for pk, sk, o in eight
    ]
    assert eight_s3 == one_s3
    assert Counter(op for op, _ in eight_audit.params) == Counter(op for op, _ in one_audit.params)
    assert one_peak == 1 and eight_peak > 1, "one reader reads one bucket at a time; eight overlap"
    # And the same before and after in each record.
    records = {(r.resource.name, r.trigger_id): r for r in stack.records()}
    for (name, trigger), record in records.items():
        if trigger == "run-one-reader":
            twin = records[(name, "run-eight-readers")]
            assert (twin.action, twin.outcome, twin.before, twin.after) == (
                record.action,
                record.outcome,
                record.before,
                record.after,
            )


def seed_groups() -> None:
    logs = boto3.client("logs", region_name=REGION)
    for i in range(GROUPS):
        logs.create_log_group(logGroupName=f"/aws/sagemaker/Endpoints/storm-{i:03d}")


def storm_sweep(stack: Stack, monkeypatch: pytest.MonkeyPatch, limiter: Any) -> tuple[list[dict[str, Any]], Any]:
    """The log-retention sweep while other tools take 4 of PutRetentionPolicy's 5 calls a second."""
    clock = VirtualClock()
    if limiter is None:
        limiter = pacing.Limiter(clock=clock, sleep=clock.sleep)
    else:
        limiter.clock, limiter.sleep = clock, clock.sleep
    monkeypatch.setattr(pacing, "LIMITER", limiter)
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=clock.sleep))  # the SDK's retry waits
    model = QuotaModel(clock=clock, sleep=clock.sleep, co_tenant={"cloudwatch-logs.PutRetentionPolicy": 4.0})
    with held(model):
        results = stack.invoke(
            "LogRetentionFunction",
            load_event("log_retention/scheduled-sweep.json") | {"id": "storm"},
            env={"ECOGUARD_MODE": "enforce"},
        )
    return results, model


def test_given_a_throttling_storm_when_the_sweep_sets_retentions_then_it_ends_in_paced_success(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_groups()
    results, model = storm_sweep(stack, monkeypatch, None)
    applied = [r for r in stack.records() if r.outcome is Outcome.APPLIED]
    assert len(applied) == GROUPS and not [r for r in stack.records() if r.outcome is Outcome.FAILED]
    assert len(results) == 1 and results[0]["finished"], "one invocation: nothing deferred, no hand-off"
    assert results[0].get("deferred", 0) == 0
    assert model.throttled["cloudwatch-logs.PutRetentionPolicy"] > 0, "the storm did throttle it"
    assert model.served["cloudwatch-logs.PutRetentionPolicy"] == GROUPS, "each group set once"


def test_given_endpoints_described_on_eight_threads_then_the_advisors_findings_and_calls_are_one_readers(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_serving()
    runs: dict[int, tuple[Counter[str], list[tuple[str, str, str]]]] = {}
    # Each mode keeps its own open findings, so the second run is not told the first one's are open.
    for workers, mode in ((1, "dry-run"), (8, "enforce")):
        monkeypatch.setattr(overlap, "READ_WORKERS", workers)
        sagemaker, audit = record_calls("sagemaker"), record_calls("dynamodb")
        event = load_event("serving_advisor/scheduled-sweep.json") | {"id": f"advise-{workers}", "region": REGION}
        stack.invoke("ServingAdvisorFunction", event, env={"ECOGUARD_MODE": mode})
        written = [(pk, sk.split("#", 1)[-1], outcome) for pk, sk, outcome in audit_writes(audit)]
        runs[workers] = (Counter(sagemaker.calls), written)
    (one_calls, one_written), (eight_calls, eight_written) = runs[1], runs[8]
    assert one_written, "the advisor found something to record"
    assert eight_written == one_written
    assert eight_calls == one_calls


# Buckets read ahead per reader, and the invocations the sweep then takes: with one, ml-bench-00030 is read only
# after the sweep resumes past ml-bench-00005, so it pauses at each; with the runner's own (8 x 8 = 64 ahead, more
# than the 60 buckets), its read is made, and throttled, in the first invocation, whose sweep pauses at
# ml-bench-00005 before taking it; the second reads it again.
@pytest.mark.parametrize(("read_ahead", "invocations"), [(1, 3), (storage_lifecycle.READ_AHEAD, 2)])
def test_given_reads_made_ahead_are_throttled_then_the_sweep_pauses_at_their_buckets_and_loses_or_repeats_none(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, read_ahead: int, invocations: int
) -> None:
    monkeypatch.setattr(overlap, "READ_WORKERS", 8)
    monkeypatch.setattr(storage_lifecycle, "READ_AHEAD", read_ahead)
    throttled_once = {"ml-bench-00005", "ml-bench-00030"}
    injected: Counter[str] = Counter()
    lock = threading.Lock()

    def slow_down(params: dict[str, Any], **_: Any) -> None:
        # As an exhausted retry would: S3's SlowDown (S3 API reference, Error responses), once per bucket.
        with lock:
            if params.get("Bucket") in throttled_once and not injected[params["Bucket"]]:
                injected[params["Bucket"]] += 1
                raise ClientError(
                    {"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}},
                    "GetBucketVersioning",
                )

    with fake_s3_configs() as store:
        # The client made once the store is installed: its handlers are taken when a client is made.
        client("s3").meta.events.register("before-parameter-build.s3.GetBucketVersioning", slow_down)
        seed_buckets(BUCKETS)
        results = stack.invoke(
            "StorageLifecycleFunction",
            load_event("storage_lifecycle/scheduled-sweep.json") | {"id": "throttled-reads"},
            env={"ECOGUARD_MODE": "enforce"},
        )
    assert sum(injected.values()) == 2
    assert len(results) == invocations and results[-1]["finished"], "paused at a throttled bucket, then carried on"
    applied = Counter(r.resource.name for r in stack.records() if r.outcome is Outcome.APPLIED)
    assert set(applied.values()) == {1}, "no bucket acted on twice"
    exempt = {f"ml-bench-{i:05d}" for i in range(BUCKETS) if i % 20 == 19}
    assert set(applied) == {f"ml-bench-{i:05d}" for i in range(BUCKETS)} - exempt, "none lost"
    missing = [name for name in applied if name not in store.lifecycle]
    assert not missing, missing
