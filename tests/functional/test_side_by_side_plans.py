"""Plans carried out side by side in the endpoint sweep (enforce), and training stops confirmed ahead, with nothing
else changed.

The idle-endpoint sweep marks each idle endpoint (AddTags) and settles its idle mark in the state table. Run with
one writer and with eight, from the same account (its marks and tags taken off, its audit table emptied), it
records the same audit writes in the same order, makes the same API calls, as many of each, and leaves the
same endpoints marked, tagged and settled; with eight, the marks are seen in flight at once.
"""

from __future__ import annotations

from collections import Counter

import boto3
import pytest

from ecoguard import overlap
from ecoguard.guardrails.idle_endpoint import IDLE_SINCE_TAG
from tests.builders import idle_endpoint
from tests.builders.idle_endpoint import arn, marks
from tests.conftest import REGION, Stack, load_event, record_calls
from tests.functional.test_overlapped_sweeps import ENDPOINT_COUNT, JOBS, idle, in_flight, wipe, without_run_ids
from tests.functional.test_paced_sweeps import audit_writes
from tools.bench.seed import now_utc, seed_endpoints, seed_training_jobs
from tools.simulator.training_jobs import RunningTrainingJobs, seen_by_the_previous_sweep

NAMES = [f"bench-ep-{i:05d}" for i in range(ENDPOINT_COUNT)]


def untag(names: list[str]) -> None:
    sm = boto3.client("sagemaker", region_name=REGION)
    for name in names:
        sm.delete_tags(ResourceArn=arn(name), TagKeys=[IDLE_SINCE_TAG])


def tagged(names: list[str]) -> set[str]:
    sm = boto3.client("sagemaker", region_name=REGION)
    out = set()
    for name in names:
        tags = {t["Key"] for t in sm.list_tags(ResourceArn=arn(name))["Tags"]}
        if IDLE_SINCE_TAG in tags:
            out.add(arn(name))
    return out


def test_given_endpoints_marked_by_eight_writers_then_records_order_calls_and_marks_are_one_writers(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_endpoints(ENDPOINT_COUNT, now_utc())
    runs = {}
    for writers in (1, 8):
        wipe(stack)
        untag(NAMES)
        monkeypatch.setattr(overlap, "WRITE_WORKERS", writers)
        calls = record_calls("sagemaker", "cloudwatch", "resourcegroupstaggingapi", "application-autoscaling")
        audit = record_calls("dynamodb")
        event = load_event(idle_endpoint.SWEEP) | {"id": f"mark-{writers}"}
        with in_flight("AddTags") as peak:
            [result] = stack.invoke(idle_endpoint.FN, event, env={"ECOGUARD_MODE": "enforce"})
        assert result["finished"] is True
        settled = {arn(name) for name in NAMES if marks(stack).get(arn(name)).version}
        runs[writers] = (
            Counter(calls.calls),
            without_run_ids(audit_writes(audit), writers),
            tagged(NAMES),
            settled,
            peak[0],
        )
    (one_calls, one_written, one_tagged, one_settled, one_peak) = runs[1]
    (eight_calls, eight_written, eight_tagged, eight_settled, eight_peak) = runs[8]
    assert one_written and eight_written == one_written, "the same records, in the same order"
    assert eight_calls == one_calls, "the same calls, as many of each"
    assert one_tagged == eight_tagged == one_settled == eight_settled == idle(ENDPOINT_COUNT)
    assert one_peak == 1 and eight_peak > 1, "one writer marks one endpoint at a time; eight overlap"
    # Each mark's record is stored (pending) before its change, and its outcome after.
    for pk in idle(ENDPOINT_COUNT):
        outcomes = [o for p, key, o in one_written if p == pk and key == "mark#mark-idle"]
        assert outcomes == ["pending", "applied"], pk


def test_given_training_stops_confirmed_on_eight_threads_then_records_order_and_calls_are_one_readers(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each stop is confirmed on a fresh read (DescribeTrainingJob, ListTags, ``ecoguard.confirm``) on the read
    threads, ahead of its turn: with one reader and with eight (dry-run, so the account stays as seeded), the same
    records in the same order and the same calls; with eight, the confirming reads are seen in flight at once."""
    sm = boto3.client("sagemaker", region_name=REGION)
    now = now_utc()
    with RunningTrainingJobs.install():  # moto_jobs_finish_at_once (tests/README.md)
        seed_training_jobs(JOBS, now)
        # The jobs the previous sweep saw idle (per 10, slots 5, 6 and 8: tools/bench/seed.py): now stopped.
        idle_twice = [f"bench-job-{i:05d}" for i in range(JOBS) if i % 10 in (5, 6, 8)]
        runs = {}
        for readers in (1, 8):
            wipe(stack)
            for name in idle_twice:
                seen_by_the_previous_sweep(sm, name, now)
            monkeypatch.setattr(overlap, "READ_WORKERS", readers)
            calls, audit = record_calls("sagemaker", "cloudwatch"), record_calls("dynamodb")
            event = load_event("training_guard/scheduled-sweep.json") | {"id": f"guard-{readers}"}
            with in_flight("DescribeTrainingJob") as confirms:
                [result] = stack.invoke("TrainingGuardFunction", event, env={"ECOGUARD_MODE": "dry-run"})
            assert result["finished"] is True
            runs[readers] = (Counter(calls.calls), without_run_ids(audit_writes(audit), readers), confirms[0])
    (one_calls, one_written, one_peak), (eight_calls, eight_written, eight_peak) = runs[1], runs[8]
    stopped = {pk.rsplit("/", 1)[-1] for pk, key, o in one_written if key.endswith("#stop-training-job")}
    assert stopped == set(idle_twice)
    assert eight_written == one_written, "the same records, in the same order"
    assert eight_calls == one_calls and one_calls["DescribeTrainingJob"] >= len(idle_twice), "a read for each stop"
    assert one_peak == 1 and eight_peak > 1, "one reader confirms one stop at a time; eight overlap"
