"""Reads overlapped in the endpoint, Studio, idle-compute and training sweeps, with nothing else changed.

- Each sweep run with one reader and with eight, from the same account and the same (emptied) audit
  table, records the same audit writes in the same order and makes the same API calls, as many of each;
  with eight, the reads of different resources are seen in flight at once.
- A throttling storm ends in paced success: while other tools in the account take most of a SageMaker read's
  rate, the sweep is answered ``ThrottlingException`` (HTTP 400, SageMaker API reference, Common Errors),
  as ``tools/bench/quota.py`` answers it, slows to what is left (``ecoguard.pacing``), and decides every
  resource in one invocation, none failed and none deferred.

The storms run in real time (a few seconds each); no assertion is about time, only about counts and outcomes.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from ecoguard import overlap, pacing
from ecoguard.adapters.clients import client
from ecoguard.decisions import Mode, Outcome
from tests.builders import idle_endpoint
from tests.builders.idle_endpoint import arn, marks, travel_past_grace
from tests.conftest import REGION, Stack, load_event, record_calls
from tests.functional.test_paced_sweeps import audit_writes
from tools.bench.quota import SAGEMAKER_THROTTLING, ApiQuota, QuotaModel, held
from tools.bench.seed import now_utc, seed_endpoints, seed_training_jobs
from tools.simulator.seed_compute import seed_idle_compute
from tools.simulator.seed_inference import backdate
from tools.simulator.seed_studio import seed_canvas, seed_domains, seed_studio_apps
from tools.simulator.training_jobs import RunningTrainingJobs

ENDPOINT_COUNT = 40  # per 20: 8 busy, 8 idle, 2 new, 1 exempt, 1 with its own idle hours (tools/bench/seed.py)
JOBS = 30
SHARING = 8  # endpoints sharing one endpoint configuration
STORM_ENDPOINTS = 20


@dataclass(frozen=True)
class Sweep:
    function: str
    event: str
    reads: str  # the SageMaker read each resource's step makes, watched for overlap


STUDIO = Sweep("StudioIdleFunction", "studio_idle/scheduled-sweep.json", "DescribeDomain")
COMPUTE = Sweep("IdleComputeFunction", "idle_compute/scheduled-sweep.json", "DescribeTrainingJob")
IDLE_ENDPOINTS = Sweep(idle_endpoint.FN, idle_endpoint.SWEEP, "DescribeEndpoint")


@dataclass
class Run:
    calls: Counter[str]
    written: list[tuple[str, str, str]]  # (resource, record key without the run id, outcome), in order
    peak: int  # the most ``reads`` calls in flight at once


def wipe(stack: Stack) -> None:
    """Empty the audit table (records, checkpoints, marks, daily claims): each run starts from the same state."""
    db = boto3.client("dynamodb", region_name=REGION)
    table = stack.resolver.refs["AuditTable"]
    for page in db.get_paginator("scan").paginate(TableName=table, ProjectionExpression="pk, sk"):
        for item in page["Items"]:
            db.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})


@contextmanager
def in_flight(operation: str, service: str = "sagemaker") -> Iterator[list[int]]:
    """The most ``operation`` calls in flight at once on ecoguard's ``service`` client, while open."""
    count, peak, lock = [0], [0], threading.Lock()

    def entering(**_: Any) -> None:
        with lock:
            count[0] += 1
            peak[0] = max(peak[0], count[0])
        time.sleep(0.002)  # a round trip, so that reads made at once are seen at once

    def leaving(**_: Any) -> None:
        with lock:
            count[0] -= 1

    events = client(service).meta.events
    events.register(f"before-call.{service}.{operation}", entering)
    events.register(f"after-call.{service}.{operation}", leaving)
    try:
        yield peak
    finally:
        events.unregister(f"before-call.{service}.{operation}", entering)
        events.unregister(f"after-call.{service}.{operation}", leaving)


def swept(
    stack: Stack, sweep: Sweep, workers: int, monkeypatch: pytest.MonkeyPatch, runs: tuple[str, ...] = ("sweep",)
) -> Run:
    """``runs`` dry-run sweeps with ``workers`` readers (before a run, what ``BETWEEN`` names), from an emptied
    table."""
    wipe(stack)
    monkeypatch.setattr(overlap, "READ_WORKERS", workers)
    services = ("sagemaker", "cloudwatch", "resourcegroupstaggingapi", "application-autoscaling")
    calls, audit = record_calls(*services), record_calls("dynamodb")
    with in_flight(sweep.reads) as peak:
        for run in runs:
            between = BETWEEN.get(run)
            if between is not None:
                between(stack)
            event = load_event(sweep.event) | {"id": f"{run}-{workers}"}
            [result] = stack.invoke(sweep.function, event, env={"ECOGUARD_MODE": "dry-run"})
            assert result["finished"] is True
    # Copies now: the logs stay registered on the cached clients and would count the next run too.
    return Run(Counter(calls.calls), without_run_ids(audit_writes(audit), workers), peak[0])


def without_run_ids(written: list[tuple[str, str, str]], workers: int) -> list[tuple[str, str, str]]:
    """The records' keys (``<trigger>#<action>``) with this run's suffix taken off its run ids."""
    out = []
    for pk, sk, outcome in written:
        trigger, _, action = sk.partition("#")
        out.append((pk, f"{trigger.removesuffix(f'-{workers}')}#{action}", outcome))
    return out


def past_grace(stack: Stack) -> None:
    """Every endpoint the first sweep marked idle (dry-run's marks), its grace over: the next sweep would
    delete it, and reads it again right before (the confirm step)."""
    names = [f"bench-ep-{i:05d}" for i in range(ENDPOINT_COUNT)] + [f"shared-ep-{i}" for i in range(SHARING)]
    for name in names:
        if marks(stack, Mode.DRY_RUN).get(arn(name)).version:
            travel_past_grace(stack, name, mode=Mode.DRY_RUN)


BETWEEN: dict[str, Callable[[Stack], None]] = {"decide": past_grace}


# Per 20 seeded endpoints, those idle: the 8 idle for days and the one whose own idle hours (48) are past.
def idle(count: int) -> set[str]:
    return {arn(f"bench-ep-{i:05d}") for i in range(count) if i % 20 in (*range(8, 16), 19)}


SHARED = {arn(f"shared-ep-{i}") for i in range(SHARING)}


def assert_same(one: Run, eight: Run) -> None:
    assert one.written, "the sweep recorded something"
    assert eight.written == one.written, "the same records, in the same order"
    assert eight.calls == one.calls, "the same calls, as many of each"
    assert one.peak == 1 and eight.peak > 1, "one reader reads one resource at a time; eight overlap"


def seed_sharing_one_config() -> None:
    """Idle endpoints made from one endpoint configuration (as one config can serve many endpoints): read at
    once, they still describe it once (``SageMakerAdapter.endpoint_config``)."""
    sm: Any = boto3.client("sagemaker", region_name=REGION)
    variant = {"VariantName": "blue", "ModelName": "bench-model", "InstanceType": "ml.g4dn.xlarge"}
    sm.create_endpoint_config(EndpointConfigName="shared-config", ProductionVariants=[variant])
    for i in range(SHARING):
        sm.create_endpoint(EndpointName=f"shared-ep-{i}", EndpointConfigName="shared-config")
        backdate("endpoint", f"shared-ep-{i}", timedelta(days=5))


def test_given_endpoints_described_on_eight_threads_then_their_records_order_and_calls_are_one_readers(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_endpoints(ENDPOINT_COUNT, now_utc())
    seed_sharing_one_config()
    one = swept(stack, IDLE_ENDPOINTS, 1, monkeypatch, ("mark", "decide"))
    eight = swept(stack, IDLE_ENDPOINTS, 8, monkeypatch, ("mark", "decide"))
    assert_same(one, eight)
    # Marked idle, then (the grace over) the deletion decided after reading each endpoint again: per 20, the 8
    # idle for days and the one whose own idle hours (48) are past.
    for sk in ("mark#mark-idle", "decide#delete-endpoint"):
        assert {pk for pk, key, o in one.written if key == sk and o == "would-apply"} == idle(
            ENDPOINT_COUNT
        ) | SHARED, sk


def test_given_studio_domains_read_on_eight_threads_then_their_records_order_and_calls_are_one_readers(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed_domains()
    seed_studio_apps(ids, datetime.now(UTC))
    seed_canvas(ids, datetime.now(UTC))
    one = swept(stack, STUDIO, 1, monkeypatch)
    eight = swept(stack, STUDIO, 8, monkeypatch)
    assert_same(one, eight)
    assert {o for _, _, o in one.written} >= {"would-apply", "skipped"}


def test_given_compute_read_on_eight_threads_then_their_records_order_and_calls_are_one_readers(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_idle_compute()
    one = swept(stack, COMPUTE, 1, monkeypatch, ("notice", "end"))
    eight = swept(stack, COMPUTE, 8, monkeypatch, ("notice", "end"))
    assert_same(one, eight)
    ended = {pk.rsplit("/", 1)[-1] for pk, key, o in one.written if key == "end#end-warm-pool" and o == "would-apply"}
    assert ended == {"bert-pool-unused"}, "the unused pool, after its notice"


def test_given_training_jobs_read_on_eight_threads_then_the_guards_records_and_calls_are_one_readers(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    with RunningTrainingJobs.install():  # moto_jobs_finish_at_once (tests/README.md)
        seed_training_jobs(JOBS, now_utc())
        runs = {}
        for workers in (1, 8):
            wipe(stack)
            monkeypatch.setattr(overlap, "READ_WORKERS", workers)
            calls, audit = record_calls("sagemaker", "cloudwatch"), record_calls("dynamodb")
            event = load_event("training_guard/scheduled-sweep.json") | {"id": f"guard-{workers}"}
            [result] = stack.invoke("TrainingGuardFunction", event, env={"ECOGUARD_MODE": "dry-run"})
            assert result["finished"] is True
            written = without_run_ids(audit_writes(audit), workers)
            # Each judged job's sighting (rule 5b), read together with the others of its page (BatchGetItem).
            sightings = [
                key["sk"]["S"]
                for op, params in audit.params
                if op == "BatchGetItem"
                for request in params["RequestItems"].values()
                for key in request["Keys"]
            ]
            runs[workers] = (Counter(calls.calls), written, sightings)
    (one_calls, one_written, one_sightings), (eight_calls, eight_written, eight_sightings) = runs[1], runs[8]
    assert one_written and eight_written == one_written
    assert eight_calls == one_calls
    assert eight_sightings == one_sightings and len(set(one_sightings)) >= JOBS // 10 * 3, "each judged job's sighting"


# --- throttling storms --------------------------------------------------------------------------------------


def storm(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, sweep: Sweep, rate: float, taken: float
) -> tuple[list[dict[str, Any]], QuotaModel]:
    """``sweep`` (enforce, eight readers) while other tools take ``taken`` of the ``rate`` calls a second its
    read is held to, in real time: the read threads' waits overlap, as they do on Lambda (a clock that adds
    up every thread's waits would run fast, and refill the quota sooner than AWS does).

    SageMaker publishes no rate for its control plane (FIELD_NOTES.md): ``rate`` is this storm's, not AWS's;
    the answer over it is SageMaker's own (``SAGEMAKER_THROTTLING``)."""
    monkeypatch.setattr(pacing, "LIMITER", pacing.Limiter())
    monkeypatch.setattr(overlap, "READ_WORKERS", 8)
    api = f"sagemaker.{sweep.reads}"
    quota = ApiQuota(rate, SAGEMAKER_THROTTLING, "the storm's own rate (SageMaker publishes none)")
    model = QuotaModel(quotas={api: quota}, co_tenant={api: taken})
    with held(model):
        event = load_event(sweep.event) | {"id": "storm"}
        results = stack.invoke(sweep.function, event, env={"ECOGUARD_MODE": "enforce"})
    return results, model


def assert_paced(results: list[dict[str, Any]], model: QuotaModel, stack: Stack, api: str) -> None:
    assert model.throttled[api] > 0, "the storm did throttle it"
    assert len(results) == 1 and results[0]["finished"], "one invocation: nothing deferred, no hand-off"
    assert results[0].get("deferred", 0) == 0
    assert not [r for r in stack.records() if r.outcome is Outcome.FAILED], "none failed for throttling"


def test_given_a_throttling_storm_on_describe_endpoint_then_the_endpoint_sweep_ends_in_paced_success(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1 call a second left of 4: without pacing, the SDK's retries alone leave this sweep handing off (over 200
    # invocations, measured) rather than finishing.
    seed_endpoints(STORM_ENDPOINTS, now_utc())
    results, model = storm(stack, monkeypatch, IDLE_ENDPOINTS, 4, 3)
    assert_paced(results, model, stack, "sagemaker.DescribeEndpoint")
    marked = [r.resource.arn for r in stack.records() if r.action == "mark-idle" and r.outcome is Outcome.APPLIED]
    assert sorted(marked) == sorted(idle(STORM_ENDPOINTS)), "every idle endpoint marked, each once"


def test_given_a_throttling_storm_on_describe_domain_then_the_studio_sweep_ends_in_paced_success(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without pacing, the SDK's retries alone leave a domain throttled: the sweep pauses and hands off (measured).
    ids = seed_domains()
    seed_studio_apps(ids, datetime.now(UTC))
    results, model = storm(stack, monkeypatch, STUDIO, 2, 1)
    assert_paced(results, model, stack, "sagemaker.DescribeDomain")
    assert results[0]["evaluated"] == len(ids), "every domain decided"
