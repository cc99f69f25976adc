"""Idle EC2 accelerator decisions (guardrails/ec2_accelerators.py): each numbered rule, pure, no AWS."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from ecoguard.decisions import Finding, PlannedAction, Skip
from ecoguard.guardrails.accelerator_impact import AcceleratorType, estimate
from ecoguard.guardrails.ec2_accelerators import GPU_METRIC, GpuSeries, Instance, Observed, decide
from ecoguard.policy import Ec2AcceleratorsPolicy
from tests.unit.fakes import NOW

POLICY = Ec2AcceleratorsPolicy()
HOURS = POLICY.idle_hours
# As DescribeInstanceTypes describes them (one T4g GPU and EBS only; A10G with 250 GB of NVMe instance store;
# one Inferentia2 device and EBS only).
G5G = AcceleratorType("g5g.xlarge", vcpu=4, memory_mib=8192, gpus=1, gpu_model="NVIDIA T4g")
G5 = AcceleratorType("g5.xlarge", vcpu=4, memory_mib=16384, gpus=1, gpu_model="NVIDIA A10G", instance_storage_gb=250)
INF2 = AcceleratorType("inf2.xlarge", vcpu=4, memory_mib=16384, neuron_devices=1, neuron_model="Inferentia2")
M5 = AcceleratorType("m5.large", vcpu=2, memory_mib=8192)


def instance(
    *, tags: dict[str, str] | None = None, running_for: timedelta = timedelta(days=3), **fields: object
) -> Instance:
    base = Instance(
        instance_id="i-0123456789abcdef0",
        arn="arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0",
        instance_type="g5g.xlarge",
        state="running",
        launch_time=NOW - running_for,
        root_device_type="ebs",
        tags=tags or {},
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def gpu(index: int = 0, peak: float = 0.0, hours: int = HOURS, samples: float = 60.0) -> GpuSeries:
    dims = (("InstanceId", "i-0123456789abcdef0"), ("index", str(index)), ("name", "NVIDIA T4G"))
    return GpuSeries(dims, (peak,) * hours, (samples,) * hours)


def observed(inst: Instance | None = None, kind: AcceleratorType | None = G5G, *series: GpuSeries) -> Observed:
    return Observed(inst or instance(), kind, series if series else (gpu(),))


def test_given_an_ebs_backed_gpu_instance_idle_for_the_window_then_it_is_stopped() -> None:
    decision = decide(observed(), POLICY, NOW)
    assert isinstance(decision, PlannedAction)
    assert decision.before == {"State": "running", "InstanceType": "g5g.xlarge"}
    assert decision.after == {"State": "stopped"}
    assert "EBS volumes kept" in decision.reason


def test_rule_1_given_a_type_without_accelerators_or_a_stopped_instance_then_nothing_is_decided() -> None:
    assert decide(observed(kind=M5), POLICY, NOW) is None
    assert decide(observed(kind=None), POLICY, NOW) is None
    assert decide(observed(instance(state="stopped")), POLICY, NOW) is None
    assert decide(observed(), Ec2AcceleratorsPolicy(enabled=False), NOW) is None


def test_rule_2_given_an_invalid_idle_hours_tag_then_it_is_skipped_with_the_reason() -> None:
    decision = decide(observed(instance(tags={"ecoguard:idle-hours": "soon"})), POLICY, NOW)
    assert isinstance(decision, Skip) and "ecoguard:idle-hours" in decision.reason


def test_rule_3_given_an_instance_started_within_the_window_then_nothing_is_decided_yet() -> None:
    assert decide(observed(instance(running_for=timedelta(hours=HOURS - 1))), POLICY, NOW) is None


def test_rule_4_given_an_inferentia_instance_then_a_finding_names_the_missing_metric_and_it_is_not_stopped() -> None:
    decision = decide(Observed(instance(instance_type="inf2.xlarge"), INF2, ()), POLICY, NOW)
    assert isinstance(decision, Finding) and decision.kind == "no-accelerator-metric"
    assert "Inferentia2" in decision.reason and "not stopped" in decision.reason


def test_rule_5_given_no_gpu_series_then_a_finding_names_the_cwagent_metric_not_a_stop() -> None:
    decision = decide(Observed(instance(), G5G, ()), POLICY, NOW)
    assert isinstance(decision, Finding) and decision.kind == "gpu-metric-missing"
    assert f"CWAgent {GPU_METRIC}" in decision.reason and "InstanceId=i-0123456789abcdef0" in decision.reason


def test_rule_5_given_an_hour_of_the_window_without_data_then_missing_data_is_not_idleness() -> None:
    decision = decide(observed(None, G5G, gpu(hours=HOURS - 1)), POLICY, NOW)
    assert isinstance(decision, Finding) and decision.kind == "gpu-metric-missing"


def test_rule_5_given_four_gpus_and_three_series_then_it_is_a_finding() -> None:
    four = replace(G5G, gpus=4)
    decision = decide(observed(None, four, gpu(0), gpu(1), gpu(2)), POLICY, NOW)
    assert isinstance(decision, Finding) and decision.evidence["SeriesFound"] == 3


def test_rule_6_given_added_zero_datapoints_then_the_crowded_hour_is_an_anomaly_never_a_stop() -> None:
    # Another principal's PutMetricData of zeros into CWAgent: 60 agent datapoints + 60 forged in one hour.
    decision = decide(observed(None, G5G, gpu(samples=120.0)), POLICY, NOW)
    assert isinstance(decision, Finding) and decision.kind == "gpu-metric-anomaly"


def test_rule_6_given_the_agents_own_jitter_then_one_extra_datapoint_is_tolerated() -> None:
    assert isinstance(decide(observed(None, G5G, gpu(samples=61.0)), POLICY, NOW), PlannedAction)


def test_rule_6_given_a_faster_agent_interval_in_the_policy_then_its_cadence_is_expected() -> None:
    fast = Ec2AcceleratorsPolicy(agent_interval_seconds=10)
    assert isinstance(decide(observed(None, G5G, gpu(samples=360.0)), fast, NOW), PlannedAction)


def test_rule_7_given_one_busy_hour_on_one_gpu_then_the_instance_is_busy() -> None:
    busy = GpuSeries(gpu(1).dimensions, (0.0,) * (HOURS - 1) + (40.0,), (60.0,) * HOURS)
    assert decide(observed(None, replace(G5G, gpus=2), gpu(0), busy), POLICY, NOW) is None


def test_rule_7_given_forged_zeros_the_maximum_keeps_the_real_busy_datapoint() -> None:
    # An Average would fall under the threshold with enough zeros; the hourly Maximum does not.
    real_busy = GpuSeries(gpu().dimensions, (90.0,) * HOURS, (60.0,) * HOURS)
    assert decide(observed(None, G5G, real_busy), POLICY, NOW) is None


@pytest.mark.parametrize(
    ("fields", "kind", "said"),
    [
        ({"tags": {"aws:autoscaling:groupName": "gpu-asg"}}, "idle-managed", "Auto Scaling group"),
        ({"tags": {"eks:cluster-name": "ml"}}, "idle-managed", "Amazon EKS"),
        ({"tags": {"kubernetes.io/cluster/ml": "owned"}}, "idle-managed", "Kubernetes"),
        ({"tags": {"aws:batch:compute-environment": "ce"}}, "idle-managed", "AWS Batch"),
        ({"tags": {"aws:sagemaker:cluster-name": "hp"}}, "idle-managed", "SageMaker"),
        ({"tags": {"aws:ec2spot:fleet-request-id": "sfr-1"}}, "idle-managed", "Spot Fleet"),
        ({"lifecycle": "spot"}, "idle-managed", "Spot Instance"),
        ({"lifecycle": "capacity-block"}, "idle-managed", "paid in advance"),
        ({"operator": "eks.amazonaws.com"}, "idle-managed", "eks.amazonaws.com"),
        ({"disable_api_stop": True}, "idle-stop-protected", "DisableApiStop"),
        ({"root_device_type": "instance-store"}, "idle-instance-store", "instance-store"),
    ],
)
def test_rule_8_given_an_idle_instance_another_owns_or_a_stop_would_harm_then_it_is_a_finding_only(
    fields: dict[str, object], kind: str, said: str
) -> None:
    decision = decide(observed(replace(instance(), **fields)), POLICY, NOW)  # type: ignore[arg-type]
    assert isinstance(decision, Finding) and decision.kind == kind
    assert said in decision.reason and "not stopped" in decision.reason


def test_rule_8_given_a_type_with_instance_store_then_the_idle_instance_is_reported_not_stopped() -> None:
    decision = decide(observed(instance(instance_type="g5.xlarge"), G5), POLICY, NOW)
    assert isinstance(decision, Finding) and decision.kind == "idle-instance-store"
    assert "250 GB of instance store" in decision.reason


def test_rule_9_given_the_exempt_tag_then_the_stop_becomes_a_skip_and_findings_stay_quiet() -> None:
    exempt = {"ecoguard:exempt": "TRUE "}
    decision = decide(observed(instance(tags=exempt)), POLICY, NOW)
    assert isinstance(decision, Skip) and decision.reason == "tagged ecoguard:exempt=true"
    assert decide(Observed(instance(tags=exempt), G5G, ()), POLICY, NOW) is None


def test_given_the_idle_hours_tag_then_it_replaces_the_policy_window() -> None:
    tagged = instance(tags={"ecoguard:idle-hours": "2"}, running_for=timedelta(hours=3))
    decision = decide(Observed(tagged, G5G, (gpu(hours=2),)), POLICY, NOW)
    assert isinstance(decision, PlannedAction) and "for 2 h" in decision.reason


def test_given_a_gpu_with_a_sourced_price_and_power_then_a_day_idle_is_priced_and_unknowns_are_named() -> None:
    priced = estimate(G5, "us-east-1", hours=24, utilization_pct=0, period="per idle day")
    assert priced.usd == pytest.approx(1.006 * 24) and priced.kwh is not None and priced.kwh > 0
    unpriced = estimate(G5G, "us-east-1", hours=24, utilization_pct=0, period="per idle day")
    assert unpriced.usd is None and unpriced.kwh is not None
    assert "no sourced EC2 on-demand price for g5g.xlarge in us-east-1" in unpriced.unknown
    neuron = estimate(INF2, "us-east-1", hours=24, utilization_pct=0, period="per idle day")
    assert neuron.kwh is None and neuron.kg_co2e is None and neuron.usd == pytest.approx(0.7582 * 24)
    assert any("Inferentia2" in why for why in neuron.unknown)
    abroad = estimate(G5, "eu-west-3", hours=24, utilization_pct=0, period="per idle day")
    assert abroad.usd is None
