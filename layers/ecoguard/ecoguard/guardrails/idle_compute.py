"""The idle-compute guardrail: the name it records under, and what it reads (training warm pools, MLflow
tracking servers, HyperPod clusters, and endpoint configurations or notebook instances naming an Elastic
Inference accelerator). Its rules, one module per kind of resource: ``warm_pools``, ``mlflow_servers``,
``compute_advisories``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ecoguard.decisions import Resource

GUARDRAIL = "idle-compute"


@dataclass(frozen=True)
class Mark:
    """A mark in ecoguard's state (one per mode), as read: since when (None: not marked) and its version."""

    since: datetime | None = None
    version: int = 0


@dataclass(frozen=True)
class WarmPool:
    """A training job whose warm pool DescribeTrainingJob reports (``WarmPoolStatus``)."""

    job: str
    arn: str
    status: str  # WarmPoolStatus.Status: Available, InUse, Reused, Terminated
    ended_at: datetime | None  # TrainingEndTime: the pool is unused since
    keep_alive_seconds: int | None
    retained_billable_seconds: int | None
    instance_type: str | None
    instance_count: int
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def resource(self) -> Resource:
        return Resource(arn=self.arn, name=self.job, kind="AWS::SageMaker::TrainingJob")


@dataclass(frozen=True)
class ObservedPool:
    pool: WarmPool
    mark: Mark = Mark()


@dataclass(frozen=True)
class TrackingServer:
    name: str
    arn: str
    # TrackingServerStatus: the creation and update status (Created, Updated, MaintenanceComplete, Stopped,
    # Started, Stopping, ...). It does not say whether the server runs: a server never stopped stays Created.
    status: str
    size: str | None  # Small, Medium, Large
    tags: Mapping[str, str] = field(default_factory=dict)
    # IsActive: whether it runs ("Active" / "Inactive"); None when the response had none (an SDK that
    # predates the member drops it), and then nothing is decided (DescribeMlflowTrackingServer).
    active: str | None = None

    @property
    def resource(self) -> Resource:
        return Resource(arn=self.arn, name=self.name, kind="AWS::SageMaker::MlflowTrackingServer")


@dataclass(frozen=True)
class ObservedServer:
    server: TrackingServer
    mark: Mark = Mark()  # set when ecoguard stopped it, in this mode


@dataclass(frozen=True)
class InstanceGroup:
    """One instance group of a HyperPod cluster (DescribeCluster ``InstanceGroups`` or
    ``RestrictedInstanceGroups``). A flexible group names ``InstanceRequirements`` instead of one
    ``InstanceType``, and its ``InstanceTypeDetails`` count the instances of each type (``by_type``)."""

    name: str
    instance_type: str  # the group's InstanceType; a flexible group's current types, joined with "|"
    current_count: int
    target_count: int | None
    by_type: tuple[tuple[str, int], ...] = ()  # InstanceTypeDetails: (InstanceType, CurrentCount)
    restricted: bool = False  # a RestrictedInstanceGroups member
    # TrainingPlanArn: the training plan the group's instances run on (ClusterInstanceGroupDetails); None: on demand
    training_plan: str | None = None

    def parts(self) -> list[tuple[str, int]]:
        """(instance type, count) of its current instances: per type where the group has several."""
        if self.by_type:
            return [(t, n) for t, n in self.by_type if n > 0]
        return [(self.instance_type or "unknown", self.current_count)] if self.current_count > 0 else []


@dataclass(frozen=True)
class Cluster:
    name: str
    arn: str
    status: str
    groups: tuple[InstanceGroup, ...]
    orchestrator: str | None = None  # "Eks", or None (Slurm)

    @property
    def resource(self) -> Resource:
        return Resource(arn=self.arn, name=self.name, kind="AWS::SageMaker::Cluster")


@dataclass(frozen=True)
class AcceleratorHolder:
    """An endpoint configuration or notebook instance and the accelerator types it names."""

    kind: str  # "endpoint-config" or "notebook-instance"
    name: str
    arn: str
    accelerators: tuple[str, ...]

    @property
    def resource(self) -> Resource:
        kinds = {
            "endpoint-config": "AWS::SageMaker::EndpointConfig",
            "notebook-instance": "AWS::SageMaker::NotebookInstance",
        }
        return Resource(arn=self.arn, name=self.name, kind=kinds.get(self.kind, self.kind))
