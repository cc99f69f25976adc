"""IdleComputeFunction end to end: the handler from template.yaml, on a simulated account.

moto lacks warm pools, UpdateTrainingJob and every MLflow call: ``tools/simulator/compute_shim.py`` covers them
(shims ``moto_has_no_warm_pools``, ``moto_has_no_mlflow``; tests/README.md's gaps table).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from ecoguard.adapters.clients import client
from ecoguard.decisions import Outcome
from ecoguard.invocation import invoke_own_function
from ecoguard_cli import operations
from tests.conftest import REGION, Stack, fail_calls, lambda_async_invoke_shim, load_event, record_calls
from tools.simulator.compute_shim import (
    seed_warm_pool,
    tracking_server_active,
    tracking_server_status,
    warm_pool_status,
)
from tools.simulator.invoke import reset_caches
from tools.simulator.seed_compute import CLUSTER, EIA_CONFIG, EIA_NOTEBOOK, seed_idle_compute

FN = "IdleComputeFunction"
SWEEP = "idle_compute/scheduled-sweep.json"


def sweep(stack: Stack, mode: str, run: str) -> dict[str, object]:
    [result] = stack.invoke(FN, load_event(SWEEP) | {"id": run}, env={"ECOGUARD_MODE": mode})
    return result


def set_off_hours(stack: Stack, inside: bool) -> None:
    now = datetime.now(UTC)
    start, end = (
        (now - timedelta(hours=1), now + timedelta(hours=1))
        if inside
        else (now + timedelta(hours=2), now + timedelta(hours=3))
    )
    window = {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "weekends": False}
    stack.use_policy({"idle_compute": {"mlflow": {"off_hours": window}}})
    reset_caches()  # the policy parameter is cached, as Powertools caches it in Lambda


@pytest.fixture
def seeded(stack: Stack) -> Stack:
    seed_idle_compute()
    return stack


def test_given_warm_pools_then_the_first_sweep_only_notices_and_the_next_ends_exactly_the_unused_one(
    seeded: Stack,
) -> None:
    calls = record_calls("sagemaker")
    sweep(seeded, "enforce", "run-1")
    assert "UpdateTrainingJob" not in calls.calls, "never ended without a record first"
    notices = {r.resource.name for r in seeded.records() if r.action == "finding:warm-pool-notice"}
    assert notices == {"bert-pool-unused", "resnet-pool-fresh"}

    sweep(seeded, "enforce", "run-2")
    assert warm_pool_status("bert-pool-unused") == "Terminated"
    assert warm_pool_status("resnet-pool-fresh") == "Available", "ended 5 minutes ago"
    assert warm_pool_status("llm-pool-reused") == "Reused"
    assert warm_pool_status("audit-pool-exempt") == "Available"
    [ended] = [r for r in seeded.records() if r.action == "end-warm-pool"]
    assert ended.outcome is Outcome.APPLIED and ended.resource.name == "bert-pool-unused"
    assert "not fully reversible: an ended warm pool cannot be brought back" in ended.reason
    assert ended.before["ResourceRetainedBillableTimeInSeconds"] == 40 * 60 * 2
    assert ended.before["KeepAlivePeriodInSeconds"] == 3600
    assert ended.impact is not None and ended.impact["kwh"] is not None
    skipped = {r.resource.name for r in seeded.records() if r.outcome is Outcome.SKIPPED}
    assert "audit-pool-exempt" in skipped


def test_given_dry_run_then_no_pool_is_ended_and_the_would_apply_follows_the_notice(seeded: Stack) -> None:
    calls = record_calls("sagemaker")
    sweep(seeded, "dry-run", "run-1")
    sweep(seeded, "dry-run", "run-2")
    assert "UpdateTrainingJob" not in calls.calls and "StopMlflowTrackingServer" not in calls.calls
    assert warm_pool_status("bert-pool-unused") == "Available"
    would = [r for r in seeded.records() if r.action == "end-warm-pool"]
    assert [(r.outcome, r.resource.name) for r in would] == [(Outcome.WOULD_APPLY, "bert-pool-unused")]


def test_given_an_ended_pool_then_restore_refuses_saying_why(seeded: Stack) -> None:
    sweep(seeded, "enforce", "run-1")
    sweep(seeded, "enforce", "run-2")
    [ended] = [r for r in seeded.records() if r.action == "end-warm-pool"]
    session = boto3.session.Session(region_name=REGION)
    result = operations.restore_record(
        session, seeded.resolver.refs["AuditTable"], ended.action_id, apply=True, record_key=seeded.record_key
    )
    assert result.outcome is Outcome.SKIPPED
    assert result.message == "cannot be restored: " + (
        "an ended warm pool cannot be brought back; the next training job provisions new instances"
    )
    [through_function] = seeded.invoke("RestoreFunction", {"action_id": ended.action_id, "apply": True})
    assert through_function["outcome"] == "skipped"
    assert not [r for r in seeded.records() if r.action.startswith("restore:")]


def test_given_a_pool_reused_between_the_listing_and_the_end_then_the_fresh_read_keeps_it(seeded: Stack) -> None:
    sweep(seeded, "enforce", "run-1")
    described = {"n": 0}

    def reused_after_listing(parsed: dict[str, object], **_: object) -> None:
        if parsed.get("TrainingJobName") != "bert-pool-unused":
            return
        described["n"] += 1
        if described["n"] == 1:  # the next job takes the pool right after the sweep read it
            seed_warm_pool("bert-pool-unused", status="InUse")

    client("sagemaker").meta.events.register("after-call.sagemaker.DescribeTrainingJob", reused_after_listing)
    sweep(seeded, "enforce", "run-2")
    assert described["n"] == 2, "read again before the end"
    assert warm_pool_status("bert-pool-unused") == "InUse"
    assert not [r for r in seeded.records() if r.action == "end-warm-pool"]


def test_given_update_training_job_fails_then_the_pool_is_failed_and_the_sweep_finishes(seeded: Stack) -> None:
    # UpdateTrainingJob documents ResourceLimitExceeded and ResourceNotFound (SageMaker API reference).
    sweep(seeded, "enforce", "run-1")
    fail_calls("sagemaker", "UpdateTrainingJob", "ResourceLimitExceeded")
    result = sweep(seeded, "enforce", "run-2")
    assert result["finished"] is True
    [ended] = [r for r in seeded.records() if r.action == "end-warm-pool"]
    assert ended.outcome is Outcome.FAILED
    assert warm_pool_status("bert-pool-unused") == "Available"


def test_given_off_hours_then_the_running_server_is_stopped_the_exempt_kept_and_both_are_started_after(
    seeded: Stack,
) -> None:
    set_off_hours(seeded, inside=True)
    sweep(seeded, "enforce", "run-1")
    assert tracking_server_status("team-mlflow") == "Stopped"
    assert tracking_server_active("registry-mlflow") is True, "ecoguard:exempt keeps it on"

    set_off_hours(seeded, inside=False)
    sweep(seeded, "enforce", "run-2")
    assert tracking_server_status("team-mlflow") == "Started", "the end of the off-hours starts it again"
    actions = [(r.action, r.resource.name, r.outcome) for r in seeded.records() if "tracking-server" in r.action]
    assert sorted(actions) == [
        ("start-tracking-server", "team-mlflow", Outcome.APPLIED),
        ("stop-tracking-server", "team-mlflow", Outcome.APPLIED),
    ]


def test_given_a_server_someone_else_stopped_then_the_end_of_the_off_hours_leaves_it_stopped(seeded: Stack) -> None:
    boto3.client("sagemaker", region_name=REGION).stop_mlflow_tracking_server(TrackingServerName="team-mlflow")
    set_off_hours(seeded, inside=False)
    sweep(seeded, "enforce", "run-1")
    assert tracking_server_status("team-mlflow") == "Stopped"


def test_given_a_stopped_server_when_restored_then_it_runs_again(seeded: Stack) -> None:
    set_off_hours(seeded, inside=True)
    sweep(seeded, "enforce", "run-1")
    [stop] = [r for r in seeded.records() if r.action == "stop-tracking-server"]
    [done] = seeded.invoke("RestoreFunction", {"action_id": stop.action_id, "apply": True})
    assert done["outcome"] == "restored"
    assert tracking_server_status("team-mlflow") == "Started"


def test_given_a_server_started_after_the_off_hours_when_restored_then_it_is_stopped_again(seeded: Stack) -> None:
    set_off_hours(seeded, inside=True)
    sweep(seeded, "enforce", "run-1")
    set_off_hours(seeded, inside=False)
    sweep(seeded, "enforce", "run-2")
    [start] = [r for r in seeded.records() if r.action == "start-tracking-server"]
    [done] = seeded.invoke("RestoreFunction", {"action_id": start.action_id, "apply": True})
    assert done["outcome"] == "restored"
    assert tracking_server_status("team-mlflow") == "Stopped"


def test_given_no_off_hours_then_servers_are_reported_with_their_size_and_none_is_stopped(seeded: Stack) -> None:
    calls = record_calls("sagemaker")
    sweep(seeded, "enforce", "run-1")
    assert "StopMlflowTrackingServer" not in calls.calls
    running = {r.resource.name: r for r in seeded.records() if r.action == "finding:tracking-server-running"}
    assert set(running) == {"team-mlflow", "registry-mlflow"}
    assert running["team-mlflow"].before["TrackingServerSize"] == "Medium"
    assert running["team-mlflow"].impact is not None and running["team-mlflow"].impact["usd"] is None


def test_given_a_hyperpod_cluster_and_eia_leftovers_then_each_is_reported_once_a_day_and_nothing_acted_on(
    seeded: Stack,
) -> None:
    sweep(seeded, "enforce", "run-1")
    sweep(seeded, "enforce", "run-2")
    findings = [(r.action, r.resource.name) for r in seeded.records() if r.outcome is Outcome.FINDING]
    assert findings.count(("finding:hyperpod-cluster", CLUSTER)) == 1
    assert findings.count(("finding:elastic-inference-accelerator", EIA_CONFIG)) == 1
    assert findings.count(("finding:elastic-inference-accelerator", EIA_NOTEBOOK)) == 1
    [cluster] = [r for r in seeded.records() if r.action == "finding:hyperpod-cluster"]
    assert cluster.before["instance_groups"] == [
        {"name": "controller", "instance_type": "ml.m5.xlarge", "count": 1, "target": 1},
        {"name": "workers", "instance_type": "ml.g5.12xlarge", "count": 4, "target": 4},
    ]
    assert "ecoguard reports it and does not act" in cluster.reason


def test_given_the_daily_advice_claimed_then_a_later_sweep_does_not_list_clusters_again(seeded: Stack) -> None:
    sweep(seeded, "enforce", "run-1")
    calls = record_calls("sagemaker")
    sweep(seeded, "enforce", "run-2")
    assert "ListClusters" not in calls.calls and "DescribeEndpointConfig" not in calls.calls
    assert calls.calls["ListTrainingJobs"] == 1 and calls.calls["ListMlflowTrackingServers"] == 1


def test_given_a_sweep_out_of_time_then_it_hands_off_and_the_continuation_finishes_every_listing(
    seeded: Stack,
) -> None:
    invoked = lambda_async_invoke_shim()
    [paused] = seeded.invoke(
        FN,
        load_event(SWEEP),
        env={"ECOGUARD_MODE": "dry-run"},
        hand_off=invoke_own_function,
        remaining_ms=lambda: 10_000,
    )
    assert paused["finished"] is False
    [request] = invoked
    [finished] = seeded.invoke(FN, json.loads(request["body"]), env={"ECOGUARD_MODE": "dry-run"})
    assert finished["finished"] is True
    kinds = {r.action for r in seeded.records()}
    assert {"finding:hyperpod-cluster", "finding:elastic-inference-accelerator", "finding:warm-pool-notice"} <= kinds
