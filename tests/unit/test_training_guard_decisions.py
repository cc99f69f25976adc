"""Training guard decisions: pure, no AWS. Normalization, warm-up, window coverage, hosts, tags, advice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoguard.decisions import OUT_OF_SCOPE, Finding, PlannedAction, Put, Skip, Unreadable
from ecoguard.guardrails.tags import EXEMPT_TAG
from ecoguard.guardrails.training_guard import (
    ACTION,
    FIRST_SIGHTING,
    GOVERNING_TAGS,
    MIN_UTIL_TAG,
    NAMESPACE,
    SIGHTING_TTL,
    Observation,
    ObservedJob,
    Sighting,
    TrainingJob,
    TuningJob,
    advise,
    advise_tuning,
    creation_request,
    decide,
    decide_stop,
    plan_observation,
)
from ecoguard.policy import PolicyError, TrainingGuardPolicy, build_policy

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
POLICY = TrainingGuardPolicy()
LONG_AGO = NOW - timedelta(hours=3)


def job(
    instance_type: str | None = "ml.p4d.24xlarge",
    count: int = 1,
    *,
    started: datetime | None = LONG_AGO,
    tags: dict[str, str] | None = None,
    status: str = "InProgress",
    **config: Any,
) -> TrainingJob:
    resources: dict[str, Any] = {"InstanceCount": count, "VolumeSizeInGB": 50}
    if instance_type:
        resources["InstanceType"] = instance_type
    return TrainingJob(
        name="bert",
        arn="arn:aws:sagemaker:us-east-1:123456789012:training-job/bert",
        status=status,
        secondary_status="Training",
        training_start=started,
        tags=tags or {},
        config={"ResourceConfig": resources, "RoleArn": "arn:aws:iam::123456789012:role/SM", **config},
    )


def observe(j: TrainingJob, policy: TrainingGuardPolicy = POLICY, now: datetime = NOW) -> Observation:
    plan = plan_observation(j, policy, now)
    assert isinstance(plan, Observation), plan
    return plan


def flat(plan: Observation, *per_host: float) -> dict[str, dict[datetime, float]]:
    """Every host at a constant raw CloudWatch value through the window."""
    return {h: dict.fromkeys(plan.buckets, v) for h, v in zip(plan.hosts, per_host, strict=True)}


def test_given_an_8_gpu_job_at_72_percent_raw_then_it_is_9_percent_per_gpu_and_idle() -> None:
    plan = observe(job("ml.p4d.24xlarge"))
    assert plan.metric == "GPUUtilization" and plan.per_instance == 8
    decision = decide_stop(job(), plan, flat(plan, 72.0))
    assert isinstance(decision, PlannedAction) and decision.action == ACTION
    assert decision.before["utilization"]["peak"] == 9.0
    assert decision.before["utilization"]["namespace"] == NAMESPACE


def test_given_an_8_gpu_job_at_88_percent_raw_then_it_is_11_percent_per_gpu_and_kept() -> None:
    plan = observe(job("ml.p4d.24xlarge"))
    assert decide_stop(job(), plan, flat(plan, 88.0)) is None


def test_given_a_single_gpu_job_at_72_percent_then_it_is_busy() -> None:
    j = job("ml.g5.xlarge")
    plan = observe(j)
    assert plan.per_instance == 1
    assert decide_stop(j, plan, flat(plan, 72.0)) is None


@given(
    gpus=st.sampled_from([1, 4, 8]),
    per_gpu=st.floats(min_value=0, max_value=100).filter(lambda v: abs(v - 10) > 1e-6),
)
def test_given_any_gpu_count_then_only_per_gpu_utilization_decides(gpus: int, per_gpu: float) -> None:
    instance = {1: "ml.g5.xlarge", 4: "ml.g5.12xlarge", 8: "ml.p4d.24xlarge"}[gpus]
    j = job(instance)
    plan = observe(j)
    stopped = isinstance(decide_stop(j, plan, flat(plan, per_gpu * gpus)), PlannedAction)
    assert stopped is (per_gpu < 10)


def test_given_a_cpu_only_job_then_cpu_utilization_per_vcpu_against_its_own_threshold() -> None:
    j = job("ml.m5.4xlarge")  # 16 vCPUs
    plan = observe(j)
    assert plan.metric == "CPUUtilization" and plan.per_instance == 16 and plan.threshold == 5
    assert isinstance(decide_stop(j, plan, flat(plan, 64.0)), PlannedAction)  # 4 % per vCPU
    assert decide_stop(j, plan, flat(plan, 96.0)) is None  # 6 % per vCPU


def test_given_a_job_still_in_warm_up_then_nothing_is_measured() -> None:
    assert plan_observation(job(started=NOW - timedelta(minutes=15)), POLICY, NOW) is None


def test_given_warm_up_over_but_no_whole_window_after_it_then_nothing_is_measured() -> None:
    # 20 min warm-up + 60 min window: a job 79 minutes in is not judged yet; at 85 it is.
    assert plan_observation(job(started=NOW - timedelta(minutes=79)), POLICY, NOW) is None
    plan = observe(job(started=NOW - timedelta(minutes=85)))
    assert plan.start >= NOW - timedelta(minutes=85) + timedelta(minutes=20)
    assert len(plan.buckets) == 12 and plan.end <= NOW


def test_given_a_window_only_partly_below_the_threshold_then_the_job_is_kept() -> None:
    j = job("ml.g5.xlarge")
    plan = observe(j)
    series = {plan.hosts[0]: {b: (3.0 if i < 11 else 40.0) for i, b in enumerate(plan.buckets)}}
    assert decide_stop(j, plan, series) is None


@pytest.mark.parametrize("missing", [0, 5, 11])
def test_given_one_period_without_a_datapoint_then_missing_data_never_counts_as_idle(missing: int) -> None:
    j = job("ml.g5.xlarge")
    plan = observe(j)
    series = {plan.hosts[0]: {b: 0.0 for i, b in enumerate(plan.buckets) if i != missing}}
    assert decide_stop(j, plan, series) is None


def test_given_no_metrics_at_all_then_the_job_is_kept() -> None:
    j = job("ml.g5.xlarge", 2)
    plan = observe(j)
    assert decide_stop(j, plan, {}) is None
    assert decide_stop(j, plan, {plan.hosts[0]: dict.fromkeys(plan.buckets, 0.0)}) is None, "host 2 reported nothing"


def test_given_four_hosts_one_idle_three_busy_then_the_host_average_keeps_the_job() -> None:
    # The average over hosts decides: (0 + 40 + 40 + 40) / 4 = 30 % per GPU, above 10 %.
    j = job("ml.g5.xlarge", 4)
    plan = observe(j)
    assert plan.hosts == ("bert/algo-1", "bert/algo-2", "bert/algo-3", "bert/algo-4")
    assert decide_stop(j, plan, flat(plan, 0.0, 40.0, 40.0, 40.0)) is None


def test_given_four_hosts_one_busy_three_idle_then_the_host_average_stops_the_job() -> None:
    # (30 + 0 + 0 + 0) / 4 = 7.5 % per GPU, below 10 %: one busy host does not keep a cluster of idle ones.
    j = job("ml.g5.xlarge", 4)
    plan = observe(j)
    decision = decide_stop(j, plan, flat(plan, 30.0, 0.0, 0.0, 0.0))
    assert isinstance(decision, PlannedAction)
    assert decision.before["utilization"]["host_means"] == {
        "bert/algo-1": 30.0,
        "bert/algo-2": 0.0,
        "bert/algo-3": 0.0,
        "bert/algo-4": 0.0,
    }
    assert decision.before["utilization"]["mean"] == 7.5


def test_given_an_unknown_instance_type_then_it_is_skipped_with_the_reason_never_stopped() -> None:
    plan = plan_observation(job("ml.x99.mega"), POLICY, NOW)
    assert isinstance(plan, Skip) and "unknown instance type 'ml.x99.mega'" in plan.reason


def test_given_a_neuron_or_heterogeneous_job_then_it_is_skipped() -> None:
    assert isinstance(plan_observation(job("ml.trn1.32xlarge"), POLICY, NOW), Skip)
    assert isinstance(plan_observation(job(None), POLICY, NOW), Skip)


@pytest.mark.parametrize("status", ["Completed", "Stopping", "Stopped", "Failed"])
def test_given_a_finished_job_then_there_is_no_decision(status: str) -> None:
    assert plan_observation(job(status=status), POLICY, NOW) is None


def test_given_the_min_gpu_util_tag_then_it_replaces_the_threshold() -> None:
    j = job("ml.g5.xlarge", tags={"ecoguard:min-gpu-util": "30"})
    plan = observe(j)
    assert plan.threshold == 30 and plan.threshold_source == "tag ecoguard:min-gpu-util"
    assert isinstance(decide_stop(j, plan, flat(plan, 25.0)), PlannedAction)


@pytest.mark.parametrize("raw", ["0", "101", "ten", "nan", ""])
def test_given_an_invalid_min_gpu_util_tag_then_the_job_is_skipped(raw: str) -> None:
    plan = plan_observation(job(tags={"ecoguard:min-gpu-util": raw}), POLICY, NOW)
    assert isinstance(plan, Skip) and "ecoguard:min-gpu-util" in plan.reason


def test_given_an_exempt_idle_job_then_it_is_skipped_with_the_evidence() -> None:
    j = job("ml.g5.xlarge", tags={"ecoguard:exempt": "TRUE"})
    plan = observe(j)
    decision = decide_stop(j, plan, flat(plan, 1.0))
    assert isinstance(decision, Skip) and decision.reason.startswith("tagged ecoguard:exempt=true")
    assert decision.before["peak"] == 1.0


def test_given_a_stop_then_before_holds_a_recreatable_configuration_and_the_evidence() -> None:
    j = job("ml.g5.xlarge")
    plan = observe(j)
    decision = decide_stop(j, plan, flat(plan, 2.0))
    assert isinstance(decision, PlannedAction)
    assert decision.before["config"]["ResourceConfig"]["InstanceType"] == "ml.g5.xlarge"
    assert decision.before["utilization"]["series"] == [2.0] * 12
    assert decision.after == {"TrainingJobStatus": "Stopped"}


def test_given_a_description_then_the_creation_request_drops_read_only_fields_and_aws_tags() -> None:
    described = {
        "TrainingJobName": "bert",
        "TrainingJobArn": "arn:...",
        "TrainingJobStatus": "InProgress",
        "CreationTime": NOW,
        "ModelArtifacts": {"S3ModelArtifacts": "s3://b/m"},
        "RoleArn": "arn:aws:iam::1:role/r",
        "ResourceConfig": {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "VpcConfig": {},
    }
    request = creation_request(described, {"team": "nlp", "aws:cloudformation:stack-name": "s"})
    assert request == {
        "RoleArn": "arn:aws:iam::1:role/r",
        "ResourceConfig": {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "Tags": [{"Key": "team", "Value": "nlp"}],
    }


def test_the_governing_tags_are_every_tag_a_decision_reads() -> None:
    assert set(GOVERNING_TAGS) == {EXEMPT_TAG, MIN_UTIL_TAG}
    j = job("ml.g5.xlarge", tags={EXEMPT_TAG: "TRUE", MIN_UTIL_TAG: "5", "team": "nlp"})
    assert j.governing_tags() == {EXEMPT_TAG: "TRUE", MIN_UTIL_TAG: "5"}
    # Only the governing tags decide: the same job with its other tags dropped decides the same.
    plan = observe(j)
    bare = job("ml.g5.xlarge", tags=j.governing_tags())
    assert decide_stop(j, plan, flat(plan, 1.0)) == decide_stop(bare, observe(bare), flat(observe(bare), 1.0))


def kinds(findings: list[Finding]) -> set[str]:
    return {f.kind for f in findings}


def test_given_an_on_demand_p4d_job_without_limits_then_every_finding_is_recorded() -> None:
    findings = advise(job("ml.p4d.24xlarge"), POLICY, NOW)
    assert kinds(findings) == {"no-managed-spot", "no-max-runtime", "no-checkpointing", "trainium-alternative"}
    trainium = next(f for f in findings if f.kind == "trainium-alternative")
    assert trainium.evidence["suggested"] == "ml.trn1.32xlarge" and "MLSUS-12" in trainium.evidence["source"]


def test_given_a_short_spot_job_with_checkpoints_on_a_g5_then_there_is_no_finding() -> None:
    j = job(
        "ml.g5.xlarge",
        started=NOW - timedelta(hours=1),
        EnableManagedSpotTraining=True,
        StoppingCondition={"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200},
        CheckpointConfig={"S3Uri": "s3://b/ckpt"},
    )
    assert advise(j, POLICY, NOW) == []


def test_given_a_warm_pool_job_then_spot_is_not_suggested() -> None:
    warm_pool = {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1, "KeepAlivePeriodInSeconds": 600}
    j = job("ml.g5.xlarge", StoppingCondition={"MaxRuntimeInSeconds": 3600})
    j = TrainingJob(**{**j.__dict__, "config": {**j.config, "ResourceConfig": warm_pool}})
    assert "no-managed-spot" not in kinds(advise(j, POLICY, NOW))


def test_given_findings_disabled_then_there_is_no_advice() -> None:
    assert advise(job(), TrainingGuardPolicy(findings=False), NOW) == []


@pytest.mark.parametrize(
    ("strategy", "early", "expected"),
    [
        ("Random", "Off", {"tuning-not-bayesian", "tuning-no-early-stopping"}),
        ("Grid", None, {"tuning-not-bayesian"}),
        ("Bayesian", "Off", {"tuning-no-early-stopping"}),
        ("Bayesian", "Auto", set()),
        ("Hyperband", "Off", set()),
    ],
)
def test_given_a_tuning_job_then_its_strategy_and_early_stopping_are_advised(
    strategy: str, early: str | None, expected: set[str]
) -> None:
    tuning = TuningJob("hpo", "arn:aws:sagemaker:us-east-1:1:hyper-parameter-tuning-job/hpo", strategy, early)
    assert kinds(advise_tuning(tuning, POLICY)) == expected


# --- decide: one plan per job --------------------------------------------------------------------------


def seen(observation: Observation, periods_ago: int = 1) -> Sighting:
    """What the previous sweep recorded: the job idle in a window ``periods_ago`` periods earlier."""
    return Sighting(observation.end - timedelta(seconds=periods_ago * observation.period_seconds), version=1)


def test_given_an_idle_job_seen_idle_by_the_previous_sweep_then_its_plan_is_its_advice_then_the_stop() -> None:
    j = job("ml.p4d.24xlarge")
    plan = decide(ObservedJob(j, flat(observe(j), 72.0), sighting=seen(observe(j))), POLICY, NOW)
    *advice, stop = plan.decisions
    assert [d.kind for d in advice if isinstance(d, Finding)] == [f.kind for f in advise(j, POLICY, NOW)]
    assert len(advice) == 4 and isinstance(stop, PlannedAction) and stop.action == ACTION
    assert plan.actions == (stop,) and not plan.compliant and plan.state_change is None


# --- rule 5b: two sweeps that agree -------------------------------------------------------------------------


def test_given_an_idle_job_never_seen_before_then_the_first_sweep_records_a_sighting_and_does_not_stop() -> None:
    j = job("ml.p4d.24xlarge")
    plan = decide(ObservedJob(j, flat(observe(j), 72.0)), POLICY, NOW)
    assert plan.actions == ()
    [sighting] = [d for d in plan.decisions if isinstance(d, Finding) and d.kind == FIRST_SIGHTING]
    assert "not stopped yet" in sighting.reason
    change = plan.state_change
    assert change is not None and change.key == j.arn and change.version == 0
    assert change.claim == Put({"window_end": observe(j).end.isoformat()}, SIGHTING_TTL)


def test_given_a_sighting_in_the_same_window_then_it_is_not_a_second_sweep_and_nothing_is_stopped_or_written() -> None:
    j = job("ml.p4d.24xlarge")
    same = Sighting(observe(j).end, version=3)
    plan = decide(ObservedJob(j, flat(observe(j), 72.0), sighting=same), POLICY, NOW)
    assert plan.actions == () and plan.state_change is None
    assert any(isinstance(d, Finding) and d.kind == FIRST_SIGHTING for d in plan.decisions)


def test_given_a_sighting_older_than_the_window_then_it_does_not_count_and_a_new_one_is_recorded() -> None:
    j = job("ml.p4d.24xlarge")
    old = seen(observe(j), periods_ago=POLICY.window_minutes * 60 // POLICY.period_seconds + 1)
    plan = decide(ObservedJob(j, flat(observe(j), 72.0), sighting=old), POLICY, NOW)
    assert plan.actions == ()
    assert plan.state_change is not None and plan.state_change.version == old.version


def test_given_a_sighting_when_the_next_sweep_finds_the_job_busy_then_the_sighting_is_cleared() -> None:
    j = job("ml.p4d.24xlarge")
    plan = decide(ObservedJob(j, flat(observe(j), 700.0), sighting=seen(observe(j))), POLICY, NOW)
    assert plan.actions == ()
    assert plan.state_change is not None and plan.state_change.claim == Put({"window_end": None}, SIGHTING_TTL)


def test_given_no_sighting_and_a_busy_job_then_nothing_is_written() -> None:
    j = job("ml.p4d.24xlarge")
    assert decide(ObservedJob(j, flat(observe(j), 700.0)), POLICY, NOW).state_change is None


def test_given_a_busy_job_or_one_not_yet_measured_then_its_plan_is_advice_only_and_compliant() -> None:
    j = job("ml.p4d.24xlarge")
    busy = decide(ObservedJob(j, flat(observe(j), 700.0)), POLICY, NOW)
    warming = decide(ObservedJob(job("ml.p4d.24xlarge", started=NOW - timedelta(minutes=5))), POLICY, NOW)
    for plan in (busy, warming):
        assert plan.decisions and all(isinstance(d, Finding) for d in plan.decisions) and plan.compliant


def test_given_a_job_that_cannot_be_measured_or_is_exempt_then_its_plan_ends_with_a_skip() -> None:
    unknown = decide(ObservedJob(job("ml.x99.mega")), POLICY, NOW)
    assert isinstance(unknown.decisions[-1], Skip) and "unknown instance type" in unknown.decisions[-1].reason
    exempt = job("ml.g5.xlarge", tags={EXEMPT_TAG: "true"})
    plan = decide(ObservedJob(exempt, flat(observe(exempt), 1.0)), POLICY, NOW)
    assert isinstance(plan.decisions[-1], Skip) and not plan.actions and not plan.compliant


def test_given_a_series_that_could_not_be_read_then_the_plan_keeps_the_advice_and_is_unreadable() -> None:
    j = job("ml.g5.xlarge")
    failure = Unreadable("training-guard", j.resource, "GetMetricData: AccessDeniedException: no")
    plan = decide(ObservedJob(j, failure), POLICY, NOW)
    assert plan.unreadable == failure and not plan.actions
    assert plan.decisions and all(isinstance(d, Finding) for d in plan.decisions)
    unmeasured = decide(ObservedJob(j), POLICY, NOW)
    assert unmeasured.unreadable is not None and unmeasured.unreadable.error == "utilization not read"


@pytest.mark.parametrize("status", ["Completed", "Stopping", "Stopped", "Failed"])
def test_given_a_job_no_longer_in_progress_then_it_is_out_of_scope(status: str) -> None:
    assert decide(ObservedJob(job(status=status)), POLICY, NOW) == OUT_OF_SCOPE


def test_given_a_tuning_job_then_its_plan_is_its_advice_and_it_is_not_counted_compliant() -> None:
    tuning = TuningJob("hpo", "arn:aws:sagemaker:us-east-1:1:hyper-parameter-tuning-job/hpo", "Random", "Off")
    plan = decide(tuning, POLICY, NOW)
    assert kinds([d for d in plan.decisions if isinstance(d, Finding)]) == {
        "tuning-not-bayesian",
        "tuning-no-early-stopping",
    }
    assert not plan.in_scope and not plan.compliant


def test_given_a_window_that_is_not_whole_periods_then_the_policy_is_rejected() -> None:
    with pytest.raises(ValueError, match="whole number of periods"):
        TrainingGuardPolicy(window_minutes=62, period_seconds=300)


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ("training_guard: {min_gpu_util_percent: 0}", "training_guard.min_gpu_util_percent"),
        ("training_guard: {min_cpu_util_percent: 101}", "training_guard.min_cpu_util_percent"),
        ("training_guard: {period_seconds: 120}", "training_guard.period_seconds"),
        ("training_guard: {warmup_minutes: -1}", "training_guard.warmup_minutes"),
        ("training_guard: {stop: true}", "training_guard.stop"),
    ],
)
def test_given_an_invalid_training_guard_policy_then_the_error_names_the_field(override: str, field: str) -> None:
    with pytest.raises(PolicyError, match=f"invalid policy field {field}"):
        build_policy(override_text=override)


def test_given_the_bundled_policy_then_the_training_guard_defaults_are_the_documented_ones() -> None:
    policy = build_policy().training_guard
    assert (policy.min_gpu_util_percent, policy.window_minutes, policy.warmup_minutes) == (10, 60, 20)


def test_given_an_idle_job_on_a_training_plan_then_the_stop_names_the_plan_and_books_no_money_saved() -> None:
    # DescribeTrainingJob ResourceConfig.TrainingPlanArn: the job runs on a plan paid upfront (CreateTrainingPlan).
    plan_arn = "arn:aws:sagemaker:us-east-1:123456789012:training-plan/llm-reserved"
    j = job("ml.p4d.24xlarge")
    on_plan = TrainingJob(**{**j.__dict__, "config": {**j.config, "ResourceConfig": {
        **j.resource_config, "TrainingPlanArn": plan_arn}}})  # fmt: skip
    plan = observe(on_plan)
    stop = decide_stop(on_plan, plan, flat(plan, 72.0))
    on_demand = decide_stop(j, plan, flat(plan, 72.0))
    assert isinstance(stop, PlannedAction) and isinstance(on_demand, PlannedAction)
    assert "training plan llm-reserved, paid in advance" in stop.reason
    assert stop.before["utilization"]["training_plan"] == plan_arn
    assert stop.impact is not None and on_demand.impact is not None
    assert stop.impact["usd"] == 0.0 and on_demand.impact["usd"] != 0.0
    assert stop.impact["kwh"] == on_demand.impact["kwh"], "the instances still stop drawing power"
    assert "training plan" not in on_demand.reason
