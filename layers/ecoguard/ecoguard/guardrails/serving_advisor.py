"""The serving advisor: how each endpoint variant should be served, from its own metrics. Advice only.

Measured per (EndpointName, VariantName) over ``window_days`` (SageMaker Developer Guide, "Amazon SageMaker AI
metrics in Amazon CloudWatch"): ``Invocations`` (Sum, hourly) and ``ModelLatency`` (microseconds) in
``AWS/SageMaker``; ``CPUUtilization``, ``MemoryUtilization``, ``GPUUtilization``, ``GPUMemoryUtilization`` in
``/aws/sagemaker/Endpoints``. CPU, GPU and GPU memory are reported up to 100 x the vCPUs or GPUs of the
instance (AWS Knowledge Center, "SageMaker CPU/GPU utilization over 100 %"): each is divided by the count
from the instance table (``normalized``). A figure without datapoints is unknown (None), never zero; a rule
that needs an unknown figure does not fire, and its finding-less evaluation names what was unknown.

An asynchronous endpoint publishes no ``Invocations`` ("Any metric not listed below is not published if the
endpoint is enabled for asynchronous inference. Such metrics include: OverheadLatency, Invocations,
InvocationsPerInstance": Developer Guide, "Alarms and logs for tracking metrics from asynchronous
endpoints"): its hourly traffic is its ``InvocationsProcessed`` (same page), read by the adapter
(``ecoguard.adapters.serving_metrics``); without those datapoints it is unknown, never zero, so no rule reads
it as idle or lightly used.
The p95 ModelLatency is CloudWatch's own ``p95`` statistic over the whole window (CloudWatch User Guide,
"Percentiles"), not a percentile of period averages, which would hide the tail.

Rules, in this order, for each endpoint (``advise``):

1. Exempt (``ecoguard:exempt=true``): a ``Skip``. Serverless endpoints and endpoints hosting inference
   components are out of scope (their capacity is not an instance count).
2. **Batch transform** (``batch-transform``): no latency target in the policy; every invocation in at most
   ``batch_max_hours_of_day`` distinct hours of the day, on at least two days.
3. **Asynchronous** (``asynchronous``): p95 ModelLatency at least ``async_min_latency_seconds``, with idle
   gaps (at least ``async_min_idle_hours_percent`` of hours without invocations) and bursts (the busiest
   hour at least 4 x the mean of the hours with invocations). Not for endpoints already asynchronous.
4. **Serverless** (``serverless``): one variant, no GPU, instance memory used (MemoryUtilization p95 x the
   instance's memory) at most 6 GB (ProductionVariantServerlessConfig MemorySizeInMB: 1024 to 6144), the
   busiest hour's mean concurrency at most ``serverless_max_concurrency``, and at least
   ``serverless_min_idle_hours_percent`` of hours without invocations. Excluded, with the reason, for
   VPC-only models, network isolation, data capture, Model Monitor (a monitoring schedule, ``Pending`` or
   ``Scheduled``, on the endpoint), multi-model containers, inference pipelines (more than one container),
   Marketplace model packages, images from a private Docker registry and several variants: each is in the
   feature exclusions of Serverless Inference (Developer Guide, "Deploy models with Amazon SageMaker
   Serverless Inference", feature exclusions), and an endpoint's monitoring schedules are listed by
   ListMonitoringSchedules (API reference, MonitoringScheduleSummary).
   Rules 2 to 4 are serving modes: the first that fires is the recommendation; the later ones are not
   evaluated.
5. **Smaller instance** (``smaller-instance``), when no mode fired: the next size down in the same family
   (instance table) holds p95 CPU, memory, GPU and GPU memory with ``headroom_percent`` to spare (per vCPU
   and per GPU, scaled to the smaller size's counts); with a latency target, p95 ModelLatency under half
   of it. Every one of those figures must be known.
6. **Inferentia candidate** (``inferentia-candidate``): a GPU variant serving in at least
   ``sustained_active_hours_percent`` of hours, on a framework AWS Neuron supports (PyTorch or TensorFlow
   containers, from the image name). A candidate only: a benchmark must confirm it.
7. **Consolidation** (``consolidation``), decided over the endpoints of one sweep page (``consolidation``):
   lightly used endpoints (mean invocations per hour under ``light_max_invocations_per_hour``, p95 CPU per
   vCPU under ``light_max_cpu_percent``) on the same container image and instance family, at least
   ``consolidation_min_endpoints`` of them: each gets a finding naming the group.

Open findings (``open_and_close``): one per endpoint and recommendation. The guardrail's state holds, per
endpoint, the recommendations open and the endpoint configuration each was made on. A recommendation is
recorded when it opens; each week it is evaluated again, and it is closed (a ``<kind>-closed`` finding)
when its signal goes away or the endpoint's configuration changes (a new one opens if it still fires).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from ecoguard.decisions import OUT_OF_SCOPE, Finding, Plan, Put, Remove, Resource, Skip, StateChange
from ecoguard.guardrails.tags import is_exempt
from ecoguard.impact import HOURS_PER_DAY, Estimate, compute_estimate, region_of
from ecoguard.instances import InstanceType, instance_table, lookup
from ecoguard.policy import ServingAdvisorPolicy

GUARDRAIL = "serving-advisor"
BATCH = "batch-transform"
ASYNC = "asynchronous"
SERVERLESS = "serverless"
SMALLER = "smaller-instance"
INFERENTIA = "inferentia-candidate"
CONSOLIDATION = "consolidation"
KINDS = (BATCH, ASYNC, SERVERLESS, SMALLER, INFERENTIA, CONSOLIDATION)
CLOSED_SUFFIX = "-closed"

# ProductionVariantServerlessConfig MemorySizeInMB: 1024 to 6144 MB (SageMaker API reference).
SERVERLESS_MAX_MEMORY_GB = 6.0
SERVERLESS_MIN_MEMORY_GB = 1.0
BURST_RATIO = 4.0  # the busiest hour at least this many times the mean of the hours with invocations
HOURS_PER_MONTH = 730.0  # 8,760 h / 12
STATE_TTL = timedelta(days=35)  # an endpoint deleted since drops its open findings after five weekly sweeps
# Frameworks the AWS Neuron SDK supports for inference on Inferentia (AWS Neuron documentation, "Neuron
# frameworks": PyTorch NeuronX and TensorFlow NeuronX), recognised in the container image's name.
NEURON_FRAMEWORKS = ("pytorch", "tensorflow")


@dataclass(frozen=True)
class VariantConfig:
    """One production variant as configured: instance type and count, and its model's container."""

    name: str
    instance_type: str | None
    instance_count: int
    image: str | None = None
    multi_model: bool = False  # the model's container runs in MultiModel mode
    vpc: bool = False  # the model has a VpcConfig (its network access is VPC-only)
    network_isolation: bool = False  # DescribeModel EnableNetworkIsolation
    containers: int = 1  # DescribeModel Containers (an inference pipeline has several), else 1
    model_package: str | None = None  # the container's ModelPackageName (name or ARN)
    private_registry: bool = False  # ImageConfig.RepositoryAccessMode "Vpc": a private Docker registry
    # The ML capacity reservation it is deployed on: CapacityReservationConfig.MlReservationArn (DescribeEndpoint's
    # ProductionVariantSummary, or the configuration's ProductionVariant); None: on demand.
    capacity_reservation: str | None = None


@dataclass(frozen=True)
class VariantUsage:
    """A variant's metrics over the window. Hourly invocations hold the hours with a datapoint; a missing
    hour had none. Utilization figures are raw CloudWatch values (up to 100 x the devices); None: unknown.
    """

    window_hours: int
    hourly_invocations: Mapping[datetime, float] | None  # None: the series could not be read completely
    latency_p95_us: float | None = None
    cpu_p95: float | None = None
    memory_p95: float | None = None
    gpu_p95: float | None = None
    gpu_memory_p95: float | None = None
    utilization_points: int = 0  # datapoints behind the utilization figures
    expected_points: int = 0  # datapoints the window would hold had the variant reported throughout


@dataclass(frozen=True)
class ServedEndpoint:
    name: str
    arn: str
    config_name: str
    variants: tuple[VariantConfig, ...]
    tags: Mapping[str, str] = field(default_factory=dict)
    data_capture: bool = False
    asynchronous: bool = False
    serverless: bool = False
    inference_components: bool = False
    # The monitoring schedules (Model Monitor) that monitor it: ListMonitoringSchedules, Pending or Scheduled.
    monitoring_schedules: tuple[str, ...] = ()

    @property
    def resource(self) -> Resource:
        return Resource(arn=self.arn, name=self.name, kind="AWS::SageMaker::Endpoint")


@dataclass(frozen=True)
class OpenFindings:
    """The endpoint's open recommendations in the guardrail's state: kind -> configuration name."""

    open: Mapping[str, str] = field(default_factory=dict)
    version: int = 0


@dataclass(frozen=True)
class ObservedEndpoint:
    endpoint: ServedEndpoint
    usage: Mapping[str, VariantUsage]  # by variant name
    state: OpenFindings = OpenFindings()


@dataclass(frozen=True)
class Normalized:
    """Per-device utilization (percent of one vCPU or GPU; memory as CloudWatch reports it)."""

    cpu_per_vcpu: float | None
    memory: float | None
    gpu_per_gpu: float | None
    gpu_memory_per_gpu: float | None


@dataclass(frozen=True)
class Recommendation:
    kind: str
    variant: str
    reason: str
    figures: Mapping[str, Any]
    recommended: str  # what to serve it on, in words
    impact: Mapping[str, Any]
    confidence: str
    excluded: Mapping[str, str] = field(default_factory=dict)
    group: tuple[str, ...] = ()


def normalized(usage: VariantUsage, instance: InstanceType | None) -> Normalized:
    """Divide CPU by the vCPUs and GPU and GPU memory by the GPUs (unknown without the instance's row)."""

    def per(value: float | None, count: int | None) -> float | None:
        return None if value is None or not count else value / count

    vcpu = instance.vcpu if instance else None
    gpus = instance.gpu_count if instance else None
    return Normalized(
        per(usage.cpu_p95, vcpu), usage.memory_p95, per(usage.gpu_p95, gpus), per(usage.gpu_memory_p95, gpus)
    )


def hours_of(usage: VariantUsage) -> list[float] | None:
    """Invocations for every hour of the window (an hour without a datapoint had none); None if unknown."""
    if usage.hourly_invocations is None:
        return None
    values = [v for v in usage.hourly_invocations.values() if v > 0]
    return values + [0.0] * max(0, usage.window_hours - len(values))


def idle_share(usage: VariantUsage) -> float | None:
    hours = hours_of(usage)
    if not hours:
        return None
    return sum(1 for h in hours if h == 0) / len(hours)


def peak_concurrency(usage: VariantUsage) -> float | None:
    """The busiest hour's mean concurrency (Little's law: arrivals per second x p95 ModelLatency)."""
    hours = hours_of(usage)
    if hours is None or usage.latency_p95_us is None:
        return None
    return max(hours, default=0.0) / 3600 * usage.latency_p95_us / 1e6


def confidence(usage: VariantUsage) -> str:
    """How much of the window the figures cover: high (90 %+), medium (50 %+), low."""
    if not usage.expected_points:
        return "low"
    covered = usage.utilization_points / usage.expected_points
    return "high" if covered >= 0.9 else "medium" if covered >= 0.5 else "low"


def figures_of(usage: VariantUsage, instance: InstanceType | None, window_days: int) -> dict[str, Any]:
    """The evidence every recommendation carries: the window and each measured figure (None: unknown)."""
    norm = normalized(usage, instance)
    hours = hours_of(usage)
    return {
        "window_days": window_days,
        "invocations": None if hours is None else sum(hours),
        "hours_with_invocations": None if hours is None else sum(1 for h in hours if h > 0),
        "window_hours": usage.window_hours,
        "p95_model_latency_ms": None if usage.latency_p95_us is None else usage.latency_p95_us / 1000,
        "p95_cpu_per_vcpu_percent": norm.cpu_per_vcpu,
        "p95_memory_percent": norm.memory,
        "p95_gpu_per_gpu_percent": norm.gpu_per_gpu,
        "p95_gpu_memory_per_gpu_percent": norm.gpu_memory_per_gpu,
        "vcpu": instance.vcpu if instance else None,
        "gpus": instance.gpu_count if instance else None,
    }


# --- impact -------------------------------------------------------------------------------------------


def _estimate(instance_type: str, count: int, hours: float, region: str) -> Estimate:
    return compute_estimate(
        instance_type, count=count, hours=hours, region=region, utilization_pct=None, period="per month"
    )


def monthly_impact(current: Estimate, recommended: Estimate | None, why_unknown: str = "") -> dict[str, Any]:
    """Savings per month (``kwh``, ``kg_co2e``, ``usd``: current minus recommended, None where either is
    unknown), with both configurations' figures."""

    def saved(now: float | None, then: float | None) -> float | None:
        return None if now is None or then is None else now - then

    unknown = list(current.unknown) + (list(recommended.unknown) if recommended else [why_unknown])
    return {
        "kwh": saved(current.kwh, recommended.kwh if recommended else None),
        "kg_co2e": saved(current.kg_co2e, recommended.kg_co2e if recommended else None),
        "usd": saved(current.usd, recommended.usd if recommended else None),
        "period": "per month",
        "basis": f"current: {current.basis}; recommended: {recommended.basis if recommended else 'unknown'}",
        "unknown": [u for u in unknown if u],
        "method": current.method,
        "current": current.to_dict(),
        "recommended": recommended.to_dict() if recommended else None,
    }


def next_size_down(instance: InstanceType) -> InstanceType | None:
    """The largest instance of the same family, with the same accelerator model, and fewer vCPUs (None if the
    table has none)."""
    family = instance.name.split(".")[1]
    smaller = [
        other
        for other in instance_table().values()
        if other.name.split(".")[1] == family
        and other.vcpu < instance.vcpu
        and other.accelerator_model == instance.accelerator_model
    ]
    return max(smaller, key=lambda t: (t.vcpu, t.memory_gib), default=None)


# --- the rules ----------------------------------------------------------------------------------------


def _batch(usage: VariantUsage, policy: ServingAdvisorPolicy) -> tuple[bool, str] | None:
    if policy.latency_target_ms is not None:
        return None
    if usage.hourly_invocations is None:
        return None
    active = [t for t, v in usage.hourly_invocations.items() if v > 0]
    slots = {t.hour for t in active}
    days = {t.date() for t in active}
    if active and len(slots) <= policy.batch_max_hours_of_day and len(days) >= 2:
        named = ", ".join(f"{h:02d}:00" for h in sorted(slots))
        return (
            True,
            f"every invocation fell in {len(slots)} hour(s) of the day ({named} UTC) on {len(days)} days",
        )
    return None


def _asynchronous(usage: VariantUsage, policy: ServingAdvisorPolicy) -> str | None:
    hours = hours_of(usage)
    idle = idle_share(usage)
    if hours is None or idle is None or usage.latency_p95_us is None:
        return None
    active = [h for h in hours if h > 0]
    if not active or usage.latency_p95_us / 1e6 < policy.async_min_latency_seconds:
        return None
    burst = max(active) / (sum(active) / len(active))
    if idle * 100 >= policy.async_min_idle_hours_percent and burst >= BURST_RATIO:
        return (
            f"p95 ModelLatency {usage.latency_p95_us / 1e6:g} s >= {policy.async_min_latency_seconds:g} s, "
            f"{idle * 100:.0f} % of hours idle, busiest hour {burst:.1f} x the mean active hour"
        )
    return None


def _package_account(arn: str | None) -> str | None:
    """The account an ARN names (None for a plain name, which is the caller's own)."""
    parts = (arn or "").split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" else None


def serverless_exclusions(
    endpoint: ServedEndpoint, variant: VariantConfig, instance: InstanceType | None
) -> dict[str, str]:
    """Why serverless cannot serve it (Developer Guide, "Serverless Inference", feature exclusions)."""
    out = {}
    if len(endpoint.variants) > 1:
        out["multi-variant"] = f"{len(endpoint.variants)} production variants; serverless takes one"
    if variant.vpc:
        out["vpc-only"] = "the model has a VpcConfig; serverless endpoints do not support VPC configuration"
    if endpoint.data_capture:
        out["data-capture"] = "data capture is enabled; serverless endpoints do not support it"
    if endpoint.monitoring_schedules:
        out["model-monitor"] = (
            f"Model Monitor schedule {', '.join(endpoint.monitoring_schedules)} monitors it; serverless endpoints "
            "do not support Model Monitor"
        )
    if variant.multi_model:
        out["multi-model"] = "a multi-model container; serverless endpoints do not host multi-model containers"
    if variant.network_isolation:
        out["network-isolation"] = "the model enables network isolation; serverless endpoints do not support it"
    if variant.containers > 1:
        out["inference-pipeline"] = (
            f"an inference pipeline of {variant.containers} containers; serverless endpoints serve one container"
        )
    seller = _package_account(variant.model_package)
    if seller is not None and seller != _package_account(endpoint.arn):
        # A Marketplace package is subscribed to, so its ARN names the seller's account, never the buyer's.
        out["marketplace"] = (
            f"a model package of account {seller} (AWS Marketplace packages are); serverless endpoints do not "
            "support Marketplace model packages"
        )
    if variant.private_registry:
        out["private-registry"] = "an image from a private Docker registry; serverless endpoints need Amazon ECR"
    if instance is not None and (instance.is_gpu or instance.is_neuron):
        out["accelerator"] = f"{instance.name} has accelerators; serverless endpoints have none"
    return out


def _serverless(
    usage: VariantUsage, instance: InstanceType | None, policy: ServingAdvisorPolicy
) -> tuple[str | None, dict[str, Any]]:
    idle = idle_share(usage)
    concurrency = peak_concurrency(usage)
    memory_gb = None if usage.memory_p95 is None or instance is None else usage.memory_p95 / 100 * instance.memory_gib
    figures = {"model_memory_gb": memory_gb, "peak_hour_concurrency": concurrency, "idle_hours_share": idle}
    if idle is None or concurrency is None or memory_gb is None:
        return None, figures
    if (
        memory_gb <= SERVERLESS_MAX_MEMORY_GB
        and concurrency <= policy.serverless_max_concurrency
        and idle * 100 >= policy.serverless_min_idle_hours_percent
    ):
        return (
            f"{idle * 100:.0f} % of hours without invocations, busiest-hour concurrency {concurrency:.2f} "
            f"<= {policy.serverless_max_concurrency}, memory in use {memory_gb:.2f} GB <= 6 GB"
        ), figures
    return None, figures


def fits_smaller(
    usage: VariantUsage, instance: InstanceType, smaller: InstanceType, policy: ServingAdvisorPolicy
) -> tuple[bool, dict[str, Any]]:
    """Whether ``smaller`` holds each p95 with the headroom: demand in vCPUs (GPUs, GiB) against its
    capacity x (100 - headroom) %. Every figure must be known (GPU ones only on GPU instances)."""
    limit = (100 - policy.headroom_percent) / 100
    norm = normalized(usage, instance)
    demands: dict[str, tuple[float | None, float]] = {
        "vcpu": (None if norm.cpu_per_vcpu is None else norm.cpu_per_vcpu / 100 * instance.vcpu, smaller.vcpu),
        "memory_gib": (
            None if norm.memory is None else norm.memory / 100 * instance.memory_gib,
            smaller.memory_gib,
        ),
    }
    if instance.gpu_count:
        demands["gpus"] = (
            None if norm.gpu_per_gpu is None else norm.gpu_per_gpu / 100 * instance.gpu_count,
            smaller.gpu_count,
        )
        demands["gpu_memory_gpus"] = (
            None if norm.gpu_memory_per_gpu is None else norm.gpu_memory_per_gpu / 100 * instance.gpu_count,
            smaller.gpu_count,
        )
    figures = {name: {"p95_demand": d, "smaller_capacity": c, "usable": c * limit} for name, (d, c) in demands.items()}
    fits = all(d is not None and d <= c * limit for d, c in demands.values())
    if fits and policy.latency_target_ms is not None:
        fits = usage.latency_p95_us is not None and usage.latency_p95_us / 1000 < policy.latency_target_ms / 2
    return fits, figures


def _neuron_framework(image: str | None) -> str | None:
    name = (image or "").lower().rsplit("/", 1)[-1]
    return next((f for f in NEURON_FRAMEWORKS if f in name), None)


@dataclass(frozen=True)
class _Variant:
    """One variant being advised: what every rule reads, and how a recommendation is built."""

    endpoint: ServedEndpoint
    config: VariantConfig
    usage: VariantUsage
    instance: InstanceType | None
    policy: ServingAdvisorPolicy
    excluded: dict[str, str] = field(default_factory=dict)

    @property
    def region(self) -> str:
        return region_of(self.endpoint.arn)

    def current(self) -> Estimate:
        return _estimate(self.config.instance_type or "", self.config.instance_count, HOURS_PER_MONTH, self.region)

    def active_share(self) -> float | None:
        hours = hours_of(self.usage)
        return None if not hours else sum(1 for h in hours if h > 0) / len(hours)

    def scaled_to_zero(self) -> dict[str, Any]:
        """Instance-hours only in the share of hours with invocations (scaled to zero when idle)."""
        share = self.active_share()
        later = (
            None
            if share is None
            else _estimate(
                self.config.instance_type or "", self.config.instance_count, HOURS_PER_MONTH * share, self.region
            )
        )
        return monthly_impact(self.current(), later, "the share of hours with invocations is unknown")

    def recommendation(
        self, kind: str, reason: str, recommended: str, impact: dict[str, Any], extra: Mapping[str, Any] | None = None
    ) -> Recommendation:
        figures = {**figures_of(self.usage, self.instance, self.policy.window_days), **(extra or {})}
        return Recommendation(
            kind, self.config.name, reason, figures, recommended, impact, confidence(self.usage), dict(self.excluded)
        )


def _mode(v: _Variant) -> Recommendation | None:
    """Rules 2 to 4: the first serving mode that fires, noting in ``v.excluded`` what could not."""
    batch = _batch(v.usage, v.policy)
    if batch is not None:
        return v.recommendation(BATCH, batch[1], "batch transform jobs at those hours", v.scaled_to_zero())
    if v.policy.latency_target_ms is not None:
        v.excluded[BATCH] = f"the policy sets a latency target ({v.policy.latency_target_ms:g} ms)"
    if v.endpoint.asynchronous:
        v.excluded[ASYNC] = "already asynchronous"
        v.excluded[SERVERLESS] = "asynchronous endpoints cannot be serverless"
        return None
    why = _asynchronous(v.usage, v.policy)
    if why is not None:
        return v.recommendation(ASYNC, why, "an asynchronous endpoint scaled to zero when idle", v.scaled_to_zero())
    exclusions = serverless_exclusions(v.endpoint, v.config, v.instance)
    v.excluded.update({f"{SERVERLESS}:{k}": reason for k, reason in exclusions.items()})
    if exclusions:
        return None
    why, extra = _serverless(v.usage, v.instance, v.policy)
    if why is None:
        return None
    size = max(SERVERLESS_MIN_MEMORY_GB, math.ceil(extra["model_memory_gb"]))
    unknown = monthly_impact(v.current(), None, "no sourced energy or price figure for serverless inference")
    return v.recommendation(SERVERLESS, why, f"a serverless endpoint with {size:g} GB", unknown, extra)


def _smaller(v: _Variant) -> Recommendation | None:
    """Rule 5."""
    smaller = None if v.instance is None else next_size_down(v.instance)
    if v.instance is None or smaller is None:
        return None
    fits, sizing = fits_smaller(v.usage, v.instance, smaller, v.policy)
    if not fits:
        return None
    later = _estimate(smaller.name, v.config.instance_count, HOURS_PER_MONTH, v.region)
    return v.recommendation(
        SMALLER,
        f"p95 demand fits {smaller.name} with {v.policy.headroom_percent} % headroom",
        f"{v.config.instance_count} x {smaller.name}",
        monthly_impact(v.current(), later),
        {"sizing": sizing},
    )


def _inferentia(v: _Variant) -> Recommendation | None:
    """Rule 6."""
    share = v.active_share()
    framework = _neuron_framework(v.config.image)
    if v.instance is None or not v.instance.is_gpu or share is None or framework is None:
        return None
    if share * 100 < v.policy.sustained_active_hours_percent:
        return None
    return v.recommendation(
        INFERENTIA,
        f"GPU variant serving in {share * 100:.0f} % of hours on {framework}, which AWS Neuron supports: "
        "a candidate; a benchmark must confirm it",
        "an Inferentia2 (ml.inf2) instance, sized by a benchmark",
        monthly_impact(v.current(), None, "the Inferentia size needs a benchmark; Inferentia power is unsourced"),
    )


def recommend(observed: ObservedEndpoint, policy: ServingAdvisorPolicy) -> list[Recommendation]:
    """Rules 2 to 6 for each variant of an in-scope endpoint (consolidation is decided over a page)."""
    out: list[Recommendation] = []
    for config in observed.endpoint.variants:
        usage = observed.usage.get(config.name)
        if usage is None or config.instance_type is None:
            continue
        v = _Variant(observed.endpoint, config, usage, lookup(config.instance_type), policy)
        mode = _mode(v)
        if mode is not None:
            out.append(mode)
            continue
        out += [r for r in (_smaller(v), _inferentia(v)) if r is not None]
    return out


def is_light(observed: ObservedEndpoint, policy: ServingAdvisorPolicy) -> bool:
    """Every variant lightly used: few invocations an hour and low CPU per vCPU (all known)."""
    endpoint = observed.endpoint
    if not endpoint.variants or endpoint.serverless or endpoint.inference_components:
        return False
    for variant in endpoint.variants:
        usage = observed.usage.get(variant.name)
        hours = None if usage is None else hours_of(usage)
        norm = None if usage is None else normalized(usage, lookup(variant.instance_type or ""))
        if hours is None or norm is None or norm.cpu_per_vcpu is None:
            return False
        if sum(hours) / max(1, len(hours)) >= policy.light_max_invocations_per_hour:
            return False
        if norm.cpu_per_vcpu >= policy.light_max_cpu_percent:
            return False
    return True


def group_key(endpoint: ServedEndpoint) -> tuple[str, str] | None:
    """(container image, instance family), if every variant shares them."""
    images = {v.image for v in endpoint.variants}
    families = {(v.instance_type or "").split(".")[1] if v.instance_type else None for v in endpoint.variants}
    if len(images) != 1 or len(families) != 1 or None in images or None in families:
        return None
    return next(iter(images)) or "", next(iter(families)) or ""


def _vcpus(instance_type: str) -> int:
    found = lookup(instance_type)
    return found.vcpu if found else 0


def consolidation(observed: Sequence[ObservedEndpoint], policy: ServingAdvisorPolicy) -> dict[str, Recommendation]:
    """Rule 7 over ``observed``: endpoint name -> its consolidation recommendation."""
    groups: dict[tuple[str, str], list[ObservedEndpoint]] = {}
    for one in observed:
        key = group_key(one.endpoint)
        if key is not None and not is_exempt(one.endpoint.tags) and is_light(one, policy):
            groups.setdefault(key, []).append(one)
    out = {}
    for (image, family), members in groups.items():
        if len(members) < policy.consolidation_min_endpoints:
            continue
        names = tuple(sorted(m.endpoint.name for m in members))
        largest = max(
            (v.instance_type or "" for m in members for v in m.endpoint.variants),
            key=_vcpus,
        )
        for member in members:
            endpoint = member.endpoint
            region = region_of(endpoint.arn)
            variant = endpoint.variants[0]
            usage = member.usage[variant.name]
            parts = [(v.instance_type or "", v.instance_count) for v in endpoint.variants]
            current = _estimate(parts[0][0], sum(n for _, n in parts), HOURS_PER_MONTH, region)
            share = _estimate(largest, 1, HOURS_PER_MONTH / len(members), region)
            out[endpoint.name] = Recommendation(
                CONSOLIDATION,
                variant.name,
                f"{len(members)} lightly used endpoints on image {image} and family {family}: {', '.join(names)}",
                {
                    **figures_of(usage, lookup(variant.instance_type or ""), policy.window_days),
                    "image": image,
                    "family": family,
                },
                f"one multi-model endpoint or inference components on 1 x {largest}, shared by the group",
                monthly_impact(current, share),
                confidence(usage),
                group=names,
            )
    return out


# --- the plan -------------------------------------------------------------------------------------------


def finding_of(endpoint: ServedEndpoint, rec: Recommendation) -> Finding:
    evidence: dict[str, Any] = {
        "rule": rec.kind,
        "variant": rec.variant,
        "configuration": endpoint.config_name,
        "figures": dict(rec.figures),
        "recommended": rec.recommended,
        "excluded": dict(rec.excluded),
        "confidence": rec.confidence,
    }
    if rec.group:
        evidence["group"] = list(rec.group)
    reason = rec.reason
    reserved = next((v.capacity_reservation for v in endpoint.variants if v.name == rec.variant), None)
    if reserved is not None:
        # Reserved capacity is paid for its whole term: the change saves only once the reservation ends.
        evidence["capacity_reservation"] = reserved
        reason += (
            f". Its variant {rec.variant} runs on ML capacity reservation {reserved.rsplit('/', 1)[-1]}, paid in "
            "advance: the estimate applies only once the reservation ends"
        )
    return Finding(GUARDRAIL, endpoint.resource, rec.kind, reason, evidence, rec.impact)


def one_per_kind(recommendations: Sequence[Recommendation]) -> list[Recommendation]:
    """One recommendation per kind on an endpoint (its audit key): the first variant's, naming the others'
    variants in its figures (their own figures are not merged)."""
    first: dict[str, Recommendation] = {}
    others: dict[str, list[str]] = {}
    for rec in recommendations:
        if rec.kind in first:
            others.setdefault(rec.kind, []).append(rec.variant)
        else:
            first[rec.kind] = rec
    return [
        replace(rec, figures={**rec.figures, "also_variants": others[kind]}) if kind in others else rec
        for kind, rec in first.items()
    ]


def open_and_close(observed: ObservedEndpoint, recommendations: Sequence[Recommendation]) -> Plan:
    """Record the recommendations that open (new, or on a changed configuration), close those whose signal
    went away or whose configuration changed, and keep the state of what is open."""
    endpoint = observed.endpoint
    recommendations = one_per_kind(recommendations)
    was = dict(observed.state.open)
    now = {rec.kind: endpoint.config_name for rec in recommendations}
    decisions: list[Finding] = []
    for kind, config in was.items():
        if now.get(kind) != config:
            why = "the endpoint's configuration changed" if config != endpoint.config_name else "its signal went away"
            decisions.append(
                Finding(
                    GUARDRAIL,
                    endpoint.resource,
                    kind + CLOSED_SUFFIX,
                    f"{kind} closed: {why}",
                    {"rule": kind, "closes": kind, "configuration": config, "why": why},
                )
            )
    decisions += [finding_of(endpoint, rec) for rec in recommendations if was.get(rec.kind) != endpoint.config_name]
    change = None
    if now != was:
        write: Put | Remove = Put({"open": now}, STATE_TTL) if now else Remove()
        change = StateChange(endpoint.name, observed.state.version, otherwise=write)
    return Plan(tuple(decisions), change)


def advise(observed: ObservedEndpoint, policy: ServingAdvisorPolicy, extra: Sequence[Recommendation] = ()) -> Plan:
    """The endpoint's plan: rule 1, then its recommendations (``extra``: its consolidation, from the page)."""
    endpoint = observed.endpoint
    if endpoint.serverless or endpoint.inference_components:
        return OUT_OF_SCOPE
    if is_exempt(endpoint.tags):
        return Plan((Skip(GUARDRAIL, endpoint.resource, "exempt (ecoguard:exempt=true): not advised"),))
    return open_and_close(observed, [*recommend(observed, policy), *extra])


def window(now: datetime, days: int) -> tuple[datetime, datetime]:
    """The window's [start, end): whole hours ending at the last full hour before ``now``."""
    end = now.replace(minute=0, second=0, microsecond=0)
    return end - timedelta(days=days), end


def window_hours(days: int) -> int:
    return int(days * HOURS_PER_DAY)
