"""The idle-compute rules (warm pools, MLflow tracking servers, HyperPod, Elastic Inference), with no AWS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ecoguard.decisions import Finding, Outcome, Put, Remove, Skip
from ecoguard.guardrails.compute_advisories import ELASTIC_INFERENCE, HYPERPOD, plan_accelerators, plan_cluster
from ecoguard.guardrails.idle_compute import (
    AcceleratorHolder,
    Cluster,
    InstanceGroup,
    Mark,
    ObservedPool,
    ObservedServer,
    TrackingServer,
    WarmPool,
)
from ecoguard.guardrails.mlflow_servers import RUNNING, START_SERVER, STOP_SERVER, plan_tracking_server
from ecoguard.guardrails.warm_pools import END_POOL, NOTICE, plan_warm_pool
from ecoguard.policy import AdvisoryPolicy, MlflowPolicy, OffHours, Policy, WarmPoolsPolicy

NOW = datetime(2026, 3, 4, 21, 0, tzinfo=UTC)  # a Wednesday, 21:00 UTC
POOLS = WarmPoolsPolicy()  # 30 minutes
ARN = "arn:aws:sagemaker:us-east-1:123456789012"


def pool(unused_minutes: float = 45, status: str = "Available", **tags: str) -> WarmPool:
    return WarmPool(
        job="bert-finetune",
        arn=f"{ARN}:training-job/bert-finetune",
        status=status,
        ended_at=NOW - timedelta(minutes=unused_minutes),
        keep_alive_seconds=3600,
        retained_billable_seconds=int(unused_minutes * 60),
        instance_type="ml.g5.12xlarge",
        instance_count=2,
        tags={k.replace("_", ":"): v for k, v in tags.items()},
    )


NOTICED = Mark(NOW - timedelta(minutes=20), 3)


def test_given_an_available_pool_seen_first_then_a_notice_is_recorded_and_the_mark_set_but_nothing_ended() -> None:
    plan = plan_warm_pool(ObservedPool(pool(unused_minutes=45)), POOLS, NOW)
    [notice] = plan.decisions
    assert isinstance(notice, Finding) and notice.kind == NOTICE
    assert "cannot be undone" in notice.reason
    assert notice.evidence["ResourceRetainedBillableTimeInSeconds"] == 2700
    assert plan.actions == ()
    assert plan.state_change is not None
    assert isinstance(plan.state_change.settled(Outcome.FINDING), Put)
    assert plan.state_change.settled(Outcome.FAILED) is None


@pytest.mark.parametrize(("minutes", "ended"), [(0, False), (29.9, False), (30, True), (59, True)])
def test_given_a_noticed_pool_then_it_is_ended_only_once_unused_the_window(minutes: float, ended: bool) -> None:
    plan = plan_warm_pool(ObservedPool(pool(unused_minutes=minutes), NOTICED), POOLS, NOW)
    if not ended:
        assert plan.decisions == ()
        return
    [end] = plan.actions
    assert end.action == END_POOL
    assert end.after == {"KeepAlivePeriodInSeconds": 0}
    assert end.before["KeepAlivePeriodInSeconds"] == 3600
    assert end.before["ResourceRetainedBillableTimeInSeconds"] == int(minutes * 60)
    assert end.impact is not None and end.impact["period"] == "until the keep-alive ends"
    assert plan.state_change is not None and isinstance(plan.state_change.settled(Outcome.APPLIED), Remove)


@pytest.mark.parametrize("status", ["InUse", "Reused", "Terminated", ""])
def test_given_a_pool_not_available_then_no_decision(status: str) -> None:
    assert plan_warm_pool(ObservedPool(pool(status=status), NOTICED), POOLS, NOW).decisions == ()


def test_given_an_exempt_pool_then_it_is_skipped_never_noticed_nor_ended() -> None:
    plan = plan_warm_pool(ObservedPool(pool(ecoguard_exempt="true"), NOTICED), POOLS, NOW)
    [skip] = plan.decisions
    assert isinstance(skip, Skip) and plan.state_change is None


def test_given_a_noticed_pool_without_an_end_time_then_it_never_counts_as_unused() -> None:
    unknown = WarmPool("j", f"{ARN}:training-job/j", "Available", None, 3600, 0, "ml.m5.large", 1)
    assert plan_warm_pool(ObservedPool(unknown, NOTICED), POOLS, NOW).decisions == ()


def server(status: str = "Started", active: str | None = None, **tags: str) -> TrackingServer:
    """A server as DescribeMlflowTrackingServer reports it; ``IsActive`` follows the status unless given."""
    tagged = {k.replace("_", ":"): v for k, v in tags.items()}
    if active is None:
        active = "Inactive" if status in ("Stopped", "Starting") else "Active"
    arn = f"{ARN}:mlflow-tracking-server/team-mlflow"
    return TrackingServer("team-mlflow", arn, status, "Medium", tagged, active=active)


EVENINGS = MlflowPolicy(off_hours=OffHours(start="20:00", end="07:00", weekends=True))
DAYTIME = MlflowPolicy(off_hours=OffHours(start="08:00", end="09:00", weekends=False))


def test_given_no_off_hours_then_a_running_server_is_reported_with_its_size_and_nothing_stopped() -> None:
    [finding] = plan_tracking_server(ObservedServer(server()), MlflowPolicy(), NOW).decisions
    assert isinstance(finding, Finding) and finding.kind == RUNNING
    assert finding.evidence["TrackingServerSize"] == "Medium"
    assert finding.impact is not None and finding.impact["usd"] is None and finding.impact["unknown"]
    assert plan_tracking_server(ObservedServer(server("Stopped")), MlflowPolicy(), NOW).decisions == ()


def test_given_off_hours_then_a_running_server_is_stopped_and_marked_in_either_mode() -> None:
    plan = plan_tracking_server(ObservedServer(server()), EVENINGS, NOW)
    [stop] = plan.actions
    assert stop.action == STOP_SERVER and stop.after == {"TrackingServerStatus": "Stopped", "IsActive": "Inactive"}
    assert plan.state_change is not None
    assert isinstance(plan.state_change.settled(Outcome.APPLIED), Put)
    assert isinstance(plan.state_change.settled(Outcome.WOULD_APPLY), Put)


def test_given_off_hours_and_an_exempt_server_then_it_is_kept_on() -> None:
    [skip] = plan_tracking_server(ObservedServer(server(ecoguard_exempt="true")), EVENINGS, NOW).decisions
    assert isinstance(skip, Skip)


def test_given_the_off_hours_ended_then_only_a_server_ecoguard_stopped_is_started_again() -> None:
    marked = ObservedServer(server("Stopped"), Mark(NOW - timedelta(hours=12), 2))
    plan = plan_tracking_server(marked, DAYTIME, NOW)
    [start] = plan.actions
    assert start.action == START_SERVER
    assert plan.state_change is not None and isinstance(plan.state_change.settled(Outcome.APPLIED), Remove)
    assert plan_tracking_server(ObservedServer(server("Stopped")), DAYTIME, NOW).decisions == ()


@pytest.mark.parametrize("status", ["Created", "Updated", "MaintenanceComplete", "Started", "StopFailed"])
def test_given_off_hours_then_an_active_server_is_stopped_whatever_its_creation_status(status: str) -> None:
    # TrackingServerStatus is the creation and update status: a server never stopped stays Created, an updated
    # one Updated or MaintenanceComplete; IsActive says whether it runs (SageMaker API reference,
    # DescribeMlflowTrackingServer and TrackingServerSummary).
    [stop] = plan_tracking_server(ObservedServer(server(status, "Active")), EVENINGS, NOW).actions
    assert stop.action == STOP_SERVER and stop.before["IsActive"] == "Active"
    [finding] = plan_tracking_server(ObservedServer(server(status, "Active")), MlflowPolicy(), NOW).decisions
    assert isinstance(finding, Finding) and finding.kind == RUNNING


def test_given_a_server_whose_activity_is_not_in_the_response_then_nothing_is_decided() -> None:
    # An SDK that predates IsActive drops it from the parsed response: the server's activity is unknown.
    arn = f"{ARN}:mlflow-tracking-server/team-mlflow"
    unknown = ObservedServer(TrackingServer("team-mlflow", arn, "Created", "Medium", active=None), Mark(NOW, 1))
    for policy in (EVENINGS, DAYTIME, MlflowPolicy()):
        assert plan_tracking_server(unknown, policy, NOW).decisions == ()


@pytest.mark.parametrize("status", ["Starting", "Stopping", "Updating", "Creating", "MaintenanceInProgress"])
def test_given_a_server_in_transition_then_no_decision_either_side_of_the_window(status: str) -> None:
    marked = ObservedServer(server(status), Mark(NOW, 1))
    assert plan_tracking_server(marked, EVENINGS, NOW).decisions == ()
    assert plan_tracking_server(marked, DAYTIME, NOW).decisions == ()


def test_given_a_weekend_then_the_whole_day_is_off_hours() -> None:
    saturday_noon = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    assert plan_tracking_server(ObservedServer(server()), EVENINGS, saturday_noon).actions


def test_given_a_hyperpod_cluster_then_one_finding_with_its_groups_and_the_reason_ecoguard_does_not_act() -> None:
    cluster = Cluster(
        "llm-pretrain",
        f"{ARN}:cluster/abc123",
        "InService",
        (InstanceGroup("controller", "ml.m5.xlarge", 1, 1), InstanceGroup("workers", "ml.g5.12xlarge", 4, 4)),
    )
    [finding] = plan_cluster(cluster, AdvisoryPolicy()).decisions
    assert isinstance(finding, Finding) and finding.kind == HYPERPOD
    assert finding.evidence["instance_groups"][1] == {
        "name": "workers",
        "instance_type": "ml.g5.12xlarge",
        "count": 4,
        "target": 4,
    }
    assert "visible only inside the cluster" in finding.reason and "does not act" in finding.reason
    assert finding.impact is not None and finding.impact["period"] == "per month"
    assert finding.impact["usd"] is None
    assert plan_cluster(cluster, AdvisoryPolicy(enabled=False)).decisions == ()


@pytest.mark.parametrize(
    ("accelerators", "found"),
    [(("ml.eia2.medium",), True), (("ml.eia1.large", "ml.eia2.xlarge"), True), ((), False), (("ml.g5.xlarge",), False)],
)
def test_given_an_eia_accelerator_then_a_finding_says_the_service_is_gone(
    accelerators: tuple[str, ...], found: bool
) -> None:
    holder = AcceleratorHolder("endpoint-config", "old-config", f"{ARN}:endpoint-config/old-config", accelerators)
    decisions = plan_accelerators(holder, AdvisoryPolicy()).decisions
    assert bool(decisions) is found
    if found:
        [finding] = decisions
        assert isinstance(finding, Finding) and finding.kind == ELASTIC_INFERENCE
        assert "no longer available" in finding.reason


@pytest.mark.parametrize("section", [{"warm_pools": {"idle_minutes": 360}}, {"warm_pools": {"idle_minutes": 0}}])
def test_given_an_idle_window_a_pool_can_never_reach_then_the_policy_is_rejected(section: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="idle_minutes"):
        Policy.model_validate({"version": 1, "idle_compute": section})


def test_given_a_keep_alive_of_six_hours_then_a_pool_noticed_is_ended_after_two_and_its_mark_outlives_it() -> None:
    # KeepAlivePeriodInSeconds: 0 to 21,600 in botocore's SageMaker model (ResourceConfig); the mark must last
    # as long as the longest pool, or a pool noticed early is noticed again instead of ended.
    six_hours = WarmPool("j", f"{ARN}:training-job/j", "Available", NOW - timedelta(hours=2), 21_600, 7200, None, 1)
    two_hours = WarmPoolsPolicy(idle_minutes=120)
    plan = plan_warm_pool(ObservedPool(six_hours), two_hours, NOW)
    assert plan.state_change is not None
    put = plan.state_change.settled(Outcome.FINDING)
    assert isinstance(put, Put) and put.ttl > timedelta(seconds=21_600)
    [end] = plan_warm_pool(ObservedPool(six_hours, Mark(NOW - timedelta(hours=1), 1)), two_hours, NOW).actions
    assert end.action == END_POOL


def test_given_restricted_and_flexible_instance_groups_then_every_node_is_counted_and_estimated_per_type() -> None:
    # DescribeCluster: RestrictedInstanceGroups beside InstanceGroups; a flexible group has InstanceRequirements
    # and InstanceTypeDetails (a CurrentCount per InstanceType) instead of one InstanceType (SageMaker API
    # reference, ClusterInstanceGroupDetails, ClusterRestrictedInstanceGroupDetails).
    flexible = InstanceGroup(
        "workers", "ml.g5.12xlarge|ml.g5.48xlarge", 3, 3, by_type=(("ml.g5.12xlarge", 2), ("ml.g5.48xlarge", 1))
    )
    nova = InstanceGroup("nova", "ml.p4d.24xlarge", 2, 2, restricted=True)
    cluster = Cluster(
        "llm", f"{ARN}:cluster/x", "InService", (InstanceGroup("ctl", "ml.m5.xlarge", 1, 1), flexible, nova)
    )
    [finding] = plan_cluster(cluster, AdvisoryPolicy()).decisions
    assert isinstance(finding, Finding) and "with 6 node(s)" in finding.reason
    assert finding.evidence["instance_groups"][2]["restricted"] is True
    assert finding.evidence["instance_groups"][1]["by_type"] == [["ml.g5.12xlarge", 2], ["ml.g5.48xlarge", 1]]
    alone = plan_cluster(Cluster("llm", f"{ARN}:cluster/x", "InService", (cluster.groups[0],)), AdvisoryPolicy())
    assert finding.impact is not None and alone.decisions[0].impact is not None
    assert finding.impact["kwh"] > 6 * alone.decisions[0].impact["kwh"]
    assert "2 x ml.p4d.24xlarge" in finding.impact["basis"] and "1 x ml.g5.48xlarge" in finding.impact["basis"]


PLAN = f"{ARN}:training-plan/llm-reserved"


def test_given_a_cluster_whose_groups_all_run_on_a_training_plan_then_no_scale_down_advice_and_the_plan_named() -> None:
    # DescribeCluster: InstanceGroups[].TrainingPlanArn (ClusterInstanceGroupDetails); the plan is paid upfront
    # (CreateTrainingPlan), so fewer nodes save nothing.
    cluster = Cluster(
        "llm-pretrain",
        f"{ARN}:cluster/abc123",
        "InService",
        (InstanceGroup("workers", "ml.p5.48xlarge", 4, 4, training_plan=PLAN),),
    )
    [finding] = plan_cluster(cluster, AdvisoryPolicy()).decisions
    assert isinstance(finding, Finding) and finding.kind == HYPERPOD
    assert "review" not in finding.reason and "utilization" not in finding.reason
    assert "training plan llm-reserved" in finding.reason and "no scale-down advice" in finding.reason
    assert finding.evidence["training_plans"] == [PLAN]
    assert finding.evidence["instance_groups"][0]["training_plan"] == PLAN
    assert finding.impact is None, "nothing would be avoided by scaling a prepaid group down"


def test_given_a_cluster_with_one_group_on_a_plan_then_only_the_on_demand_group_is_advised_and_estimated() -> None:
    ctl = InstanceGroup("ctl", "ml.m5.xlarge", 1, 1)
    workers = InstanceGroup("workers", "ml.p5.48xlarge", 4, 4, training_plan=PLAN)
    [finding] = plan_cluster(
        Cluster("llm", f"{ARN}:cluster/x", "InService", (ctl, workers)), AdvisoryPolicy()
    ).decisions
    [alone] = plan_cluster(Cluster("llm", f"{ARN}:cluster/x", "InService", (ctl,)), AdvisoryPolicy()).decisions
    assert isinstance(finding, Finding) and isinstance(alone, Finding)
    assert "review the utilization of ctl there" in finding.reason
    assert "workers run(s) on training plan llm-reserved" in finding.reason
    assert finding.impact == alone.impact, "the estimate covers the on-demand group only"
