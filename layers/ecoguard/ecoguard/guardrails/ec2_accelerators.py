"""Idle EC2 accelerator instances: GPU, Trainium and Inferentia instances judged by the accelerator itself.

An instance type is an accelerator type when DescribeInstanceTypes gives it ``GpuInfo``, ``NeuronInfo`` or
``InferenceAcceleratorInfo``; no family list is kept. GPU utilization is what the CloudWatch agent publishes
(``CWAgent`` ``nvidia_smi_utilization_gpu``, one series per GPU, dimensions ``index``, ``name``, ``host``, and
``InstanceId`` when the agent's ``append_dimensions`` adds it: CloudWatch User Guide, "Collect NVIDIA GPU
metrics"; amazon-cloudwatch-agent #981). ``CWAgent`` is a namespace any principal with
``cloudwatch:PutMetricData`` can write (only ``AWS/`` is reserved: PutMetricData), so the evidence is read so
that added datapoints cannot make a busy GPU look idle: the Maximum of every hour, and each hour's SampleCount
held against the agent's cadence (``metrics_collection_interval``).

Rules, for one instance (``decide``):

1. The guardrail disabled, the instance not ``running``, or its type without an accelerator: no decision.
2. An invalid ``ecoguard:idle-hours`` tag: skipped.
3. Running for less than the window (``idle_hours``; LaunchTime is the last start): no decision yet.
4. No GPU (Trainium, Inferentia): a finding that names the missing metric. AWS documents no CloudWatch
   metric of NeuronCore utilization (neuron-monitor streams JSON; its CloudWatch script is a sample writing to
   a namespace its user picks), so such an instance is never stopped.
5. Fewer GPU series than the type's GPUs, or an hour of the window without a datapoint: a finding naming
   ``CWAgent nvidia_smi_utilization_gpu`` and its ``InstanceId`` dimension; missing data is not idleness.
6. An hour with more datapoints than the agent's cadence allows: another writer; a finding, never a stop.
7. A GPU's hourly Maximum above ``max_gpu_util_percent``: busy, no decision.
8. Idle, but stopping would lose data or fight an owner: a finding, never a stop. Instance-store volumes
   (lost on stop: EC2 User Guide, "Instance store temporary block storage": the data is lost when the
   instance is stopped); in an Auto Scaling group (it would replace the instance); owned by EKS, AWS Batch,
   SageMaker HyperPod or a Spot/EC2 Fleet (their tags); a Spot Instance or a Capacity Block (paid in advance:
   stopping saves nothing); ``DisableApiStop`` set (StopInstances would be refused).
9. Idle, EBS-backed and its own: stopped (StopInstances; StartInstances restores it). ``ecoguard:exempt=true``
   turns that stop into a skip; the findings of an exempt instance stay quiet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ecoguard.decisions import Decision, Finding, PlannedAction, Resource, Skip
from ecoguard.guardrails.accelerator_impact import AcceleratorType, idle_day_impact
from ecoguard.guardrails.tags import idle_hours_from_tags, is_exempt
from ecoguard.policy.ec2_accelerators import Ec2AcceleratorsPolicy

GUARDRAIL = "ec2-accelerators"
STOP = "stop-accelerator-instance"
KIND = "AWS::EC2::Instance"
GPU_NAMESPACE = "CWAgent"
GPU_METRIC = "nvidia_smi_utilization_gpu"
INSTANCE_DIMENSION = "InstanceId"
HOUR = 3600
# The agent's clock and CloudWatch's hour buckets do not line up exactly: an hour may carry one datapoint
# more than the cadence, and a tenth more is tolerated before the series counts as written by someone else.
CADENCE_MARGIN = 1.1

# Tags other services set on the instances they launch and manage.
OWNER_TAGS = {
    "aws:autoscaling:groupName": "an Auto Scaling group (stopping it makes the group replace it)",
    "eks:cluster-name": "Amazon EKS",
    "aws:ec2spot:fleet-request-id": "a Spot Fleet",
    "aws:ec2:fleet-id": "an EC2 Fleet",
}
OWNER_PREFIXES = {
    "kubernetes.io/cluster/": "a Kubernetes cluster",
    "aws:batch:": "AWS Batch",
    "aws:sagemaker:": "SageMaker (HyperPod)",
}
# DescribeInstances InstanceLifecycle: absent for On-Demand; "spot", "scheduled" or "capacity-block".
LIFECYCLES = {
    "spot": "a Spot Instance (Amazon EC2 reclaims and stops it on its own terms)",
    "capacity-block": "a Capacity Block (paid in advance: stopping saves nothing)",
    "scheduled": "a Scheduled Instance",
    "interruptible-capacity-reservation": "an interruptible Capacity Reservation",
}


@dataclass(frozen=True)
class Instance:
    instance_id: str
    arn: str
    instance_type: str
    state: str  # InstanceState.Name
    launch_time: datetime
    root_device_type: str  # "ebs" or "instance-store"
    lifecycle: str | None = None  # InstanceLifecycle
    disable_api_stop: bool = False  # DescribeInstanceAttribute disableApiStop
    operator: str | None = None  # Operator.Principal of an instance an AWS service manages (Operator.Managed)
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def resource(self) -> Resource:
        return Resource(arn=self.arn, name=self.instance_id, kind=KIND, tags=self.tags)


@dataclass(frozen=True)
class GpuSeries:
    """One GPU's ``nvidia_smi_utilization_gpu`` over the window, per hour."""

    dimensions: tuple[tuple[str, str], ...]
    hourly_maximum: tuple[float, ...]  # one per hour that has data
    hourly_samples: tuple[float, ...]  # SampleCount of the same hours

    @property
    def peak(self) -> float:
        return max(self.hourly_maximum, default=0.0)


@dataclass(frozen=True)
class Observed:
    instance: Instance
    type: AcceleratorType | None  # None: DescribeInstanceTypes does not know the type
    gpu_series: tuple[GpuSeries, ...] = ()


def idle_hours(instance: Instance, policy: Ec2AcceleratorsPolicy) -> int | str:
    return idle_hours_from_tags(instance.tags, policy.idle_hours)


def owner(instance: Instance) -> str | None:
    """Who else manages the instance, from its Operator, the tags its owner sets and its lifecycle; None: nobody."""
    if instance.operator:
        return f"{instance.operator} (DescribeInstances Operator)"
    for key, who in OWNER_TAGS.items():
        if key in instance.tags:
            return who
    for key in instance.tags:
        for prefix, who in OWNER_PREFIXES.items():
            if key.startswith(prefix):
                return who
    return LIFECYCLES.get(instance.lifecycle or "")


def max_samples_per_hour(policy: Ec2AcceleratorsPolicy) -> float:
    return HOUR / policy.agent_interval_seconds * CADENCE_MARGIN + 1


def decide(observed: Observed, policy: Ec2AcceleratorsPolicy, now: datetime) -> Decision | None:
    decision = _decide(observed, policy, now)
    if not is_exempt(observed.instance.tags):
        return decision
    if isinstance(decision, PlannedAction):
        return Skip(GUARDRAIL, decision.resource, "tagged ecoguard:exempt=true", decision.before, decision.impact)
    return None


def _decide(observed: Observed, policy: Ec2AcceleratorsPolicy, now: datetime) -> Decision | None:
    instance, kind = observed.instance, observed.type
    if not policy.enabled or instance.state != "running" or kind is None or not kind.accelerated:
        return None
    resource = instance.resource
    before = {"State": "running", "InstanceType": instance.instance_type}
    hours = idle_hours(instance, policy)
    if isinstance(hours, str):
        return Skip(GUARDRAIL, resource, hours, before)
    if now - instance.launch_time < timedelta(hours=hours):
        return None
    impact = idle_day_impact(kind, instance.arn)
    if not kind.gpus:
        return Finding(
            GUARDRAIL,
            resource,
            "no-accelerator-metric",
            f"{kind.accelerator}: AWS documents no CloudWatch metric of its utilization (neuron-monitor writes "
            "where its user chooses), so idleness cannot be told; not stopped",
            {"InstanceType": instance.instance_type, "Accelerator": kind.accelerator},
            impact,
        )
    series = observed.gpu_series
    complete = [s for s in series if len(s.hourly_maximum) >= hours]
    if len(complete) < kind.gpus:
        return Finding(
            GUARDRAIL,
            resource,
            "gpu-metric-missing",
            f"{GPU_NAMESPACE} {GPU_METRIC} with dimension {INSTANCE_DIMENSION}={instance.instance_id} covers "
            f"{len(complete)} of its {kind.gpus} GPUs for every hour of the last {hours} h: not stopped, since "
            "missing data is not idleness; configure the CloudWatch agent's nvidia_gpu metrics with "
            "append_dimensions InstanceId",
            {"Namespace": GPU_NAMESPACE, "MetricName": GPU_METRIC, "SeriesFound": len(series), "Gpus": kind.gpus},
            impact,
        )
    ceiling = max_samples_per_hour(policy)
    crowded = [s for s in complete if any(n > ceiling for n in s.hourly_samples)]
    if crowded:
        most = max(n for s in crowded for n in s.hourly_samples)
        return Finding(
            GUARDRAIL,
            resource,
            "gpu-metric-anomaly",
            f"{GPU_METRIC} has {most:g} datapoints in one hour, more than an agent publishing every "
            f"{policy.agent_interval_seconds} s sends: another principal writes this series; not stopped",
            {"Namespace": GPU_NAMESPACE, "MetricName": GPU_METRIC, "MaxSamplesPerHour": most},
        )
    peak = max(s.peak for s in complete)
    if peak > policy.max_gpu_util_percent:
        return None
    idle = f"every GPU at most {peak:g}% busy (hourly Maximum) for {hours} h"
    evidence = {"PeakGpuUtilization": peak, "IdleHours": hours, "Accelerator": kind.accelerator}
    blocker = _blocker(instance, kind)
    if blocker is not None:
        kind_, why = blocker
        return Finding(GUARDRAIL, resource, kind_, f"{idle}, but {why}: not stopped", evidence, impact)
    return PlannedAction(
        GUARDRAIL,
        resource,
        STOP,
        before,
        {"State": "stopped"},
        f"{idle}: stopped (its EBS volumes kept; StartInstances brings it back)",
        impact,
    )


def _blocker(instance: Instance, kind: AcceleratorType) -> tuple[str, str] | None:
    if instance.root_device_type != "ebs":
        return "idle-instance-store", "its root device is an instance-store volume (a stop is not possible)"
    if kind.instance_storage_gb:
        # NVMe instance-store volumes are attached whatever the launch's block device mapping says (EC2 User
        # Guide, "Add instance store volumes"); DescribeInstances lists only EBS volumes, so any instance of a
        # type with instance storage may hold data a stop erases.
        return "idle-instance-store", (
            f"its type has {kind.instance_storage_gb} GB of instance store, whose data a stop erases"
        )
    managed = owner(instance)
    if managed is not None:
        return "idle-managed", f"it is managed by {managed}"
    if instance.disable_api_stop:
        return "idle-stop-protected", "it has stop protection (DisableApiStop)"
    return None
