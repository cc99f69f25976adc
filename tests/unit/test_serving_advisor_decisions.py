"""The serving advisor's rules, pure: each rule at its boundary, each exclusion, normalization, missing
data, microseconds, the monthly estimate, and open findings closing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from ecoguard.decisions import OUT_OF_SCOPE, Finding, Put, Remove, Skip
from ecoguard.guardrails.serving_advisor import (
    ASYNC,
    BATCH,
    CONSOLIDATION,
    INFERENTIA,
    SERVERLESS,
    SMALLER,
    ObservedEndpoint,
    OpenFindings,
    ServedEndpoint,
    VariantUsage,
    advise,
    consolidation,
    figures_of,
    next_size_down,
    normalized,
    recommend,
    serverless_exclusions,
)
from ecoguard.instances import lookup
from ecoguard.policy import ServingAdvisorPolicy
from tests.builders.serving_advisor import (
    PYTORCH,
    SKLEARN,
    endpoint,
    every_hour,
    hourly,
    observed,
    steady,
    usage,
)

POLICY = ServingAdvisorPolicy()


def kinds(one: ObservedEndpoint, policy: ServingAdvisorPolicy = POLICY) -> list[str]:
    return [r.kind for r in recommend(one, policy)]


def only(one: ObservedEndpoint, policy: ServingAdvisorPolicy = POLICY) -> Any:
    found = recommend(one, policy)
    assert len(found) == 1, [r.kind for r in found]
    return found[0]


def in_hours(*hours_of_day: int, per_hour: float = 500.0) -> dict[datetime, float]:
    return hourly(lambda t: per_hour if t.hour in hours_of_day else 0.0)


def first_hours(count: int, per_hour: float = 10.0) -> dict[datetime, float]:
    return dict.fromkeys(every_hour()[:count], per_hour)


# --- batch transform ----------------------------------------------------------------------------------


def test_given_invocations_only_in_four_hours_of_the_day_then_batch_transform_with_the_hours() -> None:
    rec = only(observed(endpoint(), usage(in_hours(1, 2, 3, 4))))
    assert rec.kind == BATCH
    assert "01:00, 02:00, 03:00, 04:00" in rec.reason
    assert rec.figures["window_days"] == 14 and rec.figures["hours_with_invocations"] == 4 * 14


def test_given_invocations_in_five_hours_of_the_day_then_not_batch() -> None:
    assert BATCH not in kinds(observed(endpoint(), usage(in_hours(1, 2, 3, 4, 5), memory=None)))


def test_given_periodic_invocations_on_one_day_only_then_not_batch() -> None:
    one_day = {t: v for t, v in in_hours(2).items() if t.date() == every_hour()[30].date()}
    assert BATCH not in kinds(observed(endpoint(), usage(one_day, memory=None)))


def test_given_a_latency_target_then_batch_is_excluded_and_says_why() -> None:
    policy = ServingAdvisorPolicy(latency_target_ms=200)
    rec = only(observed(endpoint(), usage(in_hours(2, 3), memory=10.0)), policy)
    assert rec.kind == SERVERLESS
    assert "latency target (200 ms)" in rec.excluded[BATCH]


def test_given_a_model_package_of_the_endpoint_s_own_account_then_it_is_no_marketplace_exclusion() -> None:
    own = with_variant(model_package="arn:aws:sagemaker:us-east-1:123456789012:model-package/ours/3")
    assert "marketplace" not in serverless_exclusions(own, own.variants[0], lookup("ml.m5.xlarge"))


def with_variant(**changes: Any) -> ServedEndpoint:
    served = endpoint()
    return replace(served, variants=(replace(served.variants[0], **changes),))


# --- asynchronous --------------------------------------------------------------------------------------


def bursty(t: datetime) -> float:
    if t.hour % 3:
        return 0.0
    return 400.0 if t.hour == 12 and t.day % 3 == 0 else 10.0


@pytest.mark.parametrize(("latency_ms", "fires"), [(30_000.0, True), (29_999.0, False)])
def test_given_bursts_and_idle_gaps_then_asynchronous_from_a_p95_latency_of_30_s(
    latency_ms: float, fires: bool
) -> None:
    found = kinds(observed(endpoint(), usage(hourly(bursty), latency_ms=latency_ms)))
    assert (ASYNC in found) is fires


def test_given_long_latency_but_steady_traffic_then_not_asynchronous() -> None:
    assert ASYNC not in kinds(observed(endpoint(), usage(steady(10.0), latency_ms=45_000.0)))


def test_given_an_endpoint_already_asynchronous_then_not_asynchronous_again() -> None:
    one = observed(endpoint(asynchronous=True), usage(hourly(bursty), latency_ms=45_000.0))
    assert ASYNC not in kinds(one)


# --- serverless ----------------------------------------------------------------------------------------


def twelve_hours() -> dict[datetime, float]:
    return in_hours(*range(8, 20), per_hour=100.0)


@pytest.mark.parametrize(("memory", "fires"), [(37.5, True), (37.6, False)])
def test_given_memory_in_use_then_serverless_up_to_6_gb(memory: float, fires: bool) -> None:
    # ml.m5.xlarge has 16 GiB: 37.5 % is 6 GiB, the largest serverless memory size.
    assert (SERVERLESS in kinds(observed(endpoint(), usage(twelve_hours(), memory=memory)))) is fires


def test_given_half_the_hours_idle_then_serverless_and_less_then_not() -> None:
    assert kinds(observed(endpoint(), usage(twelve_hours(), memory=10.0))) == [SERVERLESS]
    thirteen = in_hours(*range(8, 21), per_hour=100.0)
    assert SERVERLESS not in kinds(observed(endpoint(), usage(thirteen, memory=10.0)))


@pytest.mark.parametrize(("peak", "fires"), [(18_000.0, True), (18_001.0, False)])
def test_given_the_busiest_hours_concurrency_then_serverless_up_to_the_policy(peak: float, fires: bool) -> None:
    # 18,000 invocations in an hour at 1 s each: a mean concurrency of 5, the default maximum.
    traffic = {**twelve_hours(), next(t for t in every_hour() if t.hour == 9): peak}
    one = observed(endpoint(), usage(traffic, memory=10.0, latency_ms=1000.0))
    assert (SERVERLESS in kinds(one)) is fires


@pytest.mark.parametrize(
    ("served", "reason"),
    [
        (endpoint(vpc=True), "vpc-only"),
        (endpoint(data_capture=True), "data-capture"),
        (endpoint(multi_model=True), "multi-model"),
        (endpoint(variants=2), "multi-variant"),
        (endpoint(instance_type="ml.g4dn.xlarge"), "accelerator"),
        # "Serverless Inference", feature exclusions: network isolation, inference pipelines, Marketplace model
        # packages, private Docker registries; read from DescribeModel (EnableNetworkIsolation, Containers,
        # ContainerDefinition ModelPackageName and ImageConfig.RepositoryAccessMode).
        (with_variant(network_isolation=True), "network-isolation"),
        (with_variant(containers=3), "inference-pipeline"),
        (
            with_variant(model_package="arn:aws:sagemaker:us-east-1:865070037744:model-package/seller-bert-abc"),
            "marketplace",
        ),
        (with_variant(private_registry=True), "private-registry"),
        # Model Monitor: a schedule that monitors the endpoint (ListMonitoringSchedules, a summary whose
        # EndpointName is the endpoint's and MonitoringScheduleStatus Scheduled or Pending).
        (replace(endpoint(), monitoring_schedules=("ep-data-quality",)), "model-monitor"),
    ],
)
def test_given_a_serverless_exclusion_then_no_serverless_and_the_reason_is_named(
    served: ServedEndpoint, reason: str
) -> None:
    assert SERVERLESS not in kinds(observed(served, usage(twelve_hours(), memory=10.0)))
    assert set(serverless_exclusions(served, served.variants[0], lookup(served.variants[0].instance_type or ""))) == {
        reason
    }


def test_given_an_excluded_endpoint_that_fits_another_rule_then_its_exclusions_are_in_the_evidence() -> None:
    rec = only(
        observed(
            endpoint(instance_type="ml.m5.2xlarge", data_capture=True), usage(twelve_hours(), cpu=100.0, memory=10.0)
        )
    )
    assert rec.kind == SMALLER
    assert "data capture" in rec.excluded["serverless:data-capture"]


# --- smaller instance ----------------------------------------------------------------------------------


def test_next_size_down_stays_in_the_family_and_the_accelerator() -> None:
    assert next_size_down(lookup("ml.m5.2xlarge")) == lookup("ml.m5.xlarge")  # type: ignore[arg-type]
    assert next_size_down(lookup("ml.g5.12xlarge")) == lookup("ml.g5.8xlarge")  # type: ignore[arg-type]
    assert next_size_down(lookup("ml.m5.large")) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cpu", "memory", "fires"),
    [(280.0, 35.0, True), (281.0, 35.0, False), (280.0, 35.1, False)],
)
def test_given_p95_cpu_and_memory_then_the_next_size_down_with_30_percent_headroom(
    cpu: float, memory: float, fires: bool
) -> None:
    # ml.m5.2xlarge (8 vCPU, 32 GiB) -> ml.m5.xlarge (4 vCPU, 16 GiB): usable 2.8 vCPU and 11.2 GiB.
    one = observed(endpoint(instance_type="ml.m5.2xlarge"), usage(steady(100.0), cpu=cpu, memory=memory))
    assert (kinds(one) == [SMALLER]) is fires


@pytest.mark.parametrize(("gpu", "gpu_memory", "fires"), [(70.0, 70.0, True), (71.0, 70.0, False), (70.0, 71.0, False)])
def test_given_gpu_figures_then_per_gpu_they_must_fit_the_smaller_gpu_count(
    gpu: float, gpu_memory: float, fires: bool
) -> None:
    # ml.g5.12xlarge (4 GPUs) -> ml.g5.8xlarge (1 GPU): at most 0.7 of one GPU's work and memory.
    used = usage(steady(100.0), cpu=1000.0, memory=20.0, gpu=gpu, gpu_memory=gpu_memory)
    assert (kinds(observed(endpoint(instance_type="ml.g5.12xlarge"), used)) == [SMALLER]) is fires


def test_given_a_latency_target_then_smaller_only_under_half_of_it() -> None:
    policy = ServingAdvisorPolicy(latency_target_ms=100)
    fits = usage(steady(100.0), cpu=100.0, memory=10.0, latency_ms=49.0)
    slow = usage(steady(100.0), cpu=100.0, memory=10.0, latency_ms=50.0)
    assert kinds(observed(endpoint(instance_type="ml.m5.2xlarge"), fits), policy) == [SMALLER]
    assert kinds(observed(endpoint(instance_type="ml.m5.2xlarge"), slow), policy) == []


def test_given_a_headroom_of_zero_then_the_whole_smaller_size_counts() -> None:
    policy = ServingAdvisorPolicy(headroom_percent=0)
    one = observed(endpoint(instance_type="ml.m5.2xlarge"), usage(steady(100.0), cpu=400.0, memory=50.0))
    assert kinds(one, policy) == [SMALLER]
    assert kinds(one) == []


# --- Inferentia ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("active_hours", "fires"), [(303, True), (302, False)])
def test_given_a_gpu_endpoint_serving_90_percent_of_hours_on_pytorch_then_an_inferentia_candidate(
    active_hours: int, fires: bool
) -> None:
    one = observed(
        endpoint(instance_type="ml.g5.xlarge", image=PYTORCH),
        usage(first_hours(active_hours), gpu=90.0, gpu_memory=80.0, cpu=300.0, memory=60.0),
    )
    found = recommend(one, POLICY)
    assert ([r.kind for r in found] == [INFERENTIA]) is fires
    if fires:
        assert "benchmark must confirm" in found[0].reason


def test_given_a_framework_neuron_does_not_support_then_no_inferentia() -> None:
    one = observed(
        endpoint(instance_type="ml.g5.xlarge", image=SKLEARN), usage(steady(10.0), gpu=90.0, gpu_memory=80.0)
    )
    assert INFERENTIA not in kinds(one)


# --- consolidation -------------------------------------------------------------------------------------


def light(name: str, image: str = SKLEARN, per_hour: float = 10.0, cpu: float = 20.0) -> ObservedEndpoint:
    return observed(endpoint(name, "ml.m5.large", image=image), usage(steady(per_hour), cpu=cpu, memory=20.0))


def test_given_two_lightly_used_endpoints_on_one_image_and_family_then_each_names_the_group() -> None:
    found = consolidation([light("a"), light("b"), light("c", image=PYTORCH)], POLICY)
    assert set(found) == {"a", "b"}
    assert found["a"].kind == CONSOLIDATION and found["a"].group == ("a", "b")
    assert "a, b" in found["b"].reason


@pytest.mark.parametrize(("per_hour", "cpu"), [(60.0, 20.0), (10.0, 40.0)])
def test_given_one_endpoint_not_light_then_no_group(per_hour: float, cpu: float) -> None:
    # 60 an hour is the limit (not under it); 40 % CPU over 2 vCPUs is 20 % per vCPU, the limit.
    assert consolidation([light("a"), light("b", per_hour=per_hour, cpu=cpu)], POLICY) == {}


def test_given_busy_asynchronous_endpoints_whose_invocations_are_unpublished_then_no_group_and_no_mode() -> None:
    # An asynchronous endpoint publishes no Invocations (Developer Guide, "Alarms and logs for tracking metrics
    # from asynchronous endpoints"): the adapter reads its hourly traffic as unknown (None), never as zero, so
    # a busy one is never "lightly used", nor batch or serverless.
    def quiet_async(name: str) -> ObservedEndpoint:
        return observed(endpoint(name, "ml.m5.large", asynchronous=True), usage(None, cpu=20.0, memory=20.0))

    assert consolidation([quiet_async("a"), quiet_async("b")], POLICY) == {}
    assert not {BATCH, SERVERLESS, CONSOLIDATION} & set(kinds(quiet_async("a")))


def test_given_an_asynchronous_gpu_endpoint_busy_by_its_processed_count_then_an_inferentia_candidate() -> None:
    # Its traffic is InvocationsProcessed (the adapter's hourly_invocations), so rule 6 reads it as it reads a
    # real-time endpoint's Invocations; it is already asynchronous, and cannot be serverless.
    busy = observed(
        endpoint(instance_type="ml.g5.xlarge", image=PYTORCH, asynchronous=True),
        usage(first_hours(24 * 14), gpu=90.0, gpu_memory=80.0, cpu=300.0, memory=60.0),
    )
    assert kinds(busy) == [INFERENTIA]


def test_given_an_exempt_member_then_it_is_left_out_of_the_group() -> None:
    exempt = observed(endpoint("b", "ml.m5.large", tags={"ecoguard:exempt": "true"}), usage(steady(10.0), cpu=20.0))
    assert consolidation([light("a"), exempt], POLICY) == {}


# --- normalization, missing data, microseconds --------------------------------------------------------


def test_utilization_is_divided_by_the_vcpus_and_gpus_of_the_instance() -> None:
    norm = normalized(usage(None, cpu=480.0, memory=40.0, gpu=200.0, gpu_memory=100.0), lookup("ml.g5.12xlarge"))
    assert (norm.cpu_per_vcpu, norm.memory, norm.gpu_per_gpu, norm.gpu_memory_per_gpu) == (10.0, 40.0, 50.0, 25.0)


def test_given_an_instance_not_in_the_table_then_per_device_figures_are_unknown() -> None:
    norm = normalized(usage(None, cpu=480.0, memory=40.0), None)
    assert norm.cpu_per_vcpu is None and norm.memory == 40.0


def test_given_no_utilization_data_then_nothing_is_recommended_and_figures_say_unknown() -> None:
    one = observed(endpoint(instance_type="ml.m5.2xlarge"), usage(steady(100.0), cpu=None, memory=None, points=0))
    assert recommend(one, POLICY) == []
    figures = figures_of(one.usage["v1"], lookup("ml.m5.2xlarge"), 14)
    assert figures["p95_cpu_per_vcpu_percent"] is None and figures["p95_memory_percent"] is None


def test_given_an_unreadable_invocation_series_then_no_mode_is_recommended() -> None:
    # Not "zero invocations": an unknown series never makes an endpoint batch, async or serverless.
    one = observed(endpoint(), usage(None, memory=10.0))
    assert recommend(one, POLICY) == []


def test_model_latency_is_read_in_microseconds() -> None:
    used = VariantUsage(336, hourly(bursty), latency_p95_us=30_000_000.0)
    assert figures_of(used, lookup("ml.m5.xlarge"), 14)["p95_model_latency_ms"] == 30_000.0
    assert ASYNC in kinds(ObservedEndpoint(endpoint(), {"v1": used}))


# --- impact --------------------------------------------------------------------------------------------


def test_a_smaller_instance_carries_current_recommended_and_monthly_savings() -> None:
    rec = only(observed(endpoint(instance_type="ml.m5.2xlarge"), usage(steady(100.0), cpu=100.0, memory=10.0)))
    impact = rec.impact
    assert impact["period"] == "per month"
    assert impact["current"]["usd"] == pytest.approx(0.461 * 730)
    assert impact["recommended"]["usd"] == pytest.approx(0.23 * 730)
    assert impact["usd"] == pytest.approx((0.461 - 0.23) * 730)
    assert impact["kwh"] > 0 and impact["kg_co2e"] > 0


def test_serverless_savings_are_unknown_and_say_why() -> None:
    rec = only(observed(endpoint(), usage(twelve_hours(), memory=10.0)))
    assert rec.impact["usd"] is None and rec.impact["kwh"] is None
    assert rec.impact["current"]["usd"] == pytest.approx(0.23 * 730)
    assert any("serverless" in u for u in rec.impact["unknown"])


def test_batch_savings_count_only_the_hours_with_invocations() -> None:
    rec = only(observed(endpoint(), usage(in_hours(2, 3))))
    assert rec.impact["recommended"]["usd"] == pytest.approx(0.23 * 730 * (28 / 336))


# --- the plan: exemption, scope, open and closed findings ---------------------------------------------


def smaller_fits(config: str = "ep-config", cpu: float = 100.0, state: OpenFindings | None = None) -> ObservedEndpoint:
    return observed(
        endpoint(instance_type="ml.m5.2xlarge", config=config), usage(steady(100.0), cpu=cpu, memory=10.0), state
    )


def test_given_a_new_recommendation_then_a_finding_with_evidence_and_it_is_kept_open() -> None:
    plan = advise(smaller_fits(), POLICY)
    (finding,) = plan.decisions
    assert isinstance(finding, Finding) and finding.kind == SMALLER
    assert finding.evidence["rule"] == SMALLER and finding.evidence["confidence"] == "high"
    assert finding.evidence["figures"]["window_days"] == 14
    assert plan.state_change is not None and plan.state_change.otherwise == Put(
        {"open": {SMALLER: "ep-config"}}, timedelta(days=35)
    )


def test_given_it_is_still_open_on_the_same_configuration_then_nothing_is_recorded_again() -> None:
    plan = advise(smaller_fits(state=OpenFindings({SMALLER: "ep-config"}, 3)), POLICY)
    assert plan.decisions == () and plan.state_change is None


def test_given_the_signal_went_away_then_the_finding_is_closed_and_the_state_removed() -> None:
    plan = advise(smaller_fits(cpu=390.0, state=OpenFindings({SMALLER: "ep-config"}, 3)), POLICY)
    (closed,) = plan.decisions
    assert isinstance(closed, Finding) and closed.kind == "smaller-instance-closed"
    assert "signal went away" in closed.reason
    assert plan.state_change is not None and plan.state_change.version == 3
    assert isinstance(plan.state_change.otherwise, Remove)


def test_given_the_configuration_changed_then_the_old_one_closes_and_a_new_one_opens() -> None:
    plan = advise(smaller_fits(config="ep-config-2", state=OpenFindings({SMALLER: "ep-config"}, 3)), POLICY)
    assert [d.kind for d in plan.decisions if isinstance(d, Finding)] == ["smaller-instance-closed", SMALLER]
    assert "configuration changed" in plan.decisions[0].reason
    assert plan.state_change is not None
    assert plan.state_change.otherwise == Put({"open": {SMALLER: "ep-config-2"}}, timedelta(days=35))


def test_given_an_exempt_endpoint_then_a_skip_and_no_advice() -> None:
    one = observed(
        endpoint(instance_type="ml.m5.2xlarge", tags={"ecoguard:exempt": "true"}),
        usage(steady(100.0), cpu=100.0, memory=10.0),
    )
    (skip,) = advise(one, POLICY).decisions
    assert isinstance(skip, Skip) and "exempt" in skip.reason


def test_given_a_serverless_endpoint_then_it_is_out_of_scope() -> None:
    served = endpoint()
    one = ObservedEndpoint(
        ServedEndpoint(served.name, served.arn, served.config_name, served.variants, serverless=True), {}
    )
    assert advise(one, POLICY) is OUT_OF_SCOPE


def test_given_an_endpoint_that_fits_no_rule_then_no_finding() -> None:
    busy = observed(endpoint(instance_type="ml.m5.2xlarge"), usage(steady(5000.0), cpu=600.0, memory=70.0))
    plan = advise(busy, POLICY)
    assert plan.decisions == () and plan.compliant


def test_given_two_variants_fitting_the_same_rule_then_one_finding_names_both() -> None:
    two = observed(endpoint(instance_type="ml.m5.2xlarge", variants=2), usage(steady(100.0), cpu=100.0, memory=10.0))
    findings = [d for d in advise(two, POLICY).decisions if isinstance(d, Finding)]
    assert [f.kind for f in findings] == [SMALLER]
    assert findings[0].evidence["variant"] == "v1" and findings[0].evidence["figures"]["also_variants"] == ["v2"]


def test_given_a_variant_on_an_ml_capacity_reservation_then_the_advice_names_it_and_when_it_would_save() -> None:
    # DescribeEndpoint ProductionVariants[].CapacityReservationConfig.MlReservationArn (SageMaker API reference,
    # ProductionVariantCapacityReservationSummary): reserved capacity is paid for its whole term.
    arn = "arn:aws:sagemaker:us-east-1:123456789012:reserved-capacity/rc-0123"
    reserved = with_variant(capacity_reservation=arn)
    traffic = usage(in_hours(1, 2, 3, 4))
    [finding] = advise(observed(reserved, traffic), POLICY).decisions
    [plain] = advise(observed(endpoint(), traffic), POLICY).decisions
    assert isinstance(finding, Finding) and isinstance(plain, Finding) and finding.kind == plain.kind == BATCH
    assert "ML capacity reservation rc-0123, paid in advance" in finding.reason
    assert finding.evidence["capacity_reservation"] == arn
    assert "capacity_reservation" not in plain.evidence and "reservation" not in plain.reason
