"""SageMaker warm pools, MLflow tracking servers, HyperPod clusters and the accelerators of endpoint
configurations and notebook instances: list (one page at a time), describe, and the few writes.

As the SageMaker API reference documents them: ListTrainingJobs filters by ``WarmPoolStatusEquals`` and pages
with ``NextToken`` (``MaxResults`` up to 100; a page may hold fewer matches than asked, or none, while a
token follows); DescribeTrainingJob returns ``WarmPoolStatus`` (``Status``,
``ResourceRetainedBillableTimeInSeconds``) and ``ResourceConfig.KeepAlivePeriodInSeconds``; UpdateTrainingJob
with ``ResourceConfig.KeepAlivePeriodInSeconds`` 0 ends a pool. ListMlflowTrackingServers and
DescribeMlflowTrackingServer return ``TrackingServerStatus`` (creation and update) and ``IsActive``
(``Active`` / ``Inactive``); Stop- and StartMlflowTrackingServer take the name. DescribeCluster returns
``InstanceGroups`` and ``RestrictedInstanceGroups`` (ClusterInstanceGroupDetails, each with the
``TrainingPlanArn`` its instances run on, if any). DescribeEndpointConfig's
variants name an ``AcceleratorType``, DescribeNotebookInstance its ``AcceleratorTypes``. A Describe of
something gone answers ``ResourceNotFound`` (the error each of these Describes models; a training job's
also ``ValidationException`` "Requested resource not found.": ``ecoguard.not_found``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ecoguard.adapters.sagemaker_calls import PAGE_SIZE, SageMakerCalls
from ecoguard.adapters.sdk_support import gaps
from ecoguard.guardrails.idle_compute import AcceleratorHolder, Cluster, InstanceGroup, TrackingServer, WarmPool
from ecoguard.paging import Page

if TYPE_CHECKING:
    pass


def _group(raw: dict[str, Any], *, restricted: bool) -> InstanceGroup:
    """One group of DescribeCluster's ``InstanceGroups`` or ``RestrictedInstanceGroups``. A flexible group has
    ``InstanceRequirements`` (``CurrentInstanceTypes``) and ``InstanceTypeDetails`` (a count per type) instead
    of one ``InstanceType`` (SageMaker API reference, ClusterInstanceGroupDetails)."""
    by_type = tuple(
        (str(d.get("InstanceType", "")), int(d.get("CurrentCount") or 0)) for d in raw.get("InstanceTypeDetails") or []
    )
    current_types = (raw.get("InstanceRequirements") or {}).get("CurrentInstanceTypes") or [t for t, _ in by_type]
    return InstanceGroup(
        name=str(raw.get("InstanceGroupName", "")),
        instance_type=str(raw.get("InstanceType") or "|".join(current_types)),
        current_count=int(raw.get("CurrentCount") or sum(n for _, n in by_type)),
        target_count=raw.get("TargetCount"),
        by_type=by_type,
        restricted=restricted,
        training_plan=str(raw["TrainingPlanArn"]) if raw.get("TrainingPlanArn") else None,
    )


class ComputeAdapter(SageMakerCalls):
    def sdk_gaps(self) -> dict[str, tuple[str, ...]]:
        """The listings (``warm-pool``, ``tracking-server``) this runtime's SDK cannot read (``sdk_support``)."""
        return gaps(self._sm, "idle-compute")

    def _names(self, operation: str, items: str, name: str, token: str | None, **kwargs: Any) -> Page[str]:
        kwargs["MaxResults"] = PAGE_SIZE
        if token:
            kwargs["NextToken"] = token
        response = self._call(operation, **kwargs)
        return Page([item[name] for item in response.get(items, [])], response.get("NextToken") or None)

    # --- warm pools ---------------------------------------------------------------------------

    def warm_pool_page(self, token: str | None) -> Page[str]:
        """Training jobs whose warm pool is Available (ListTrainingJobs, WarmPoolStatusEquals). Nothing in the API
        reference says the filter is applied before ``MaxResults`` cuts the page: a page may hold fewer matches,
        or none, and only a missing ``NextToken`` ends the listing (the sweep reads on while there is one)."""
        return self._names(
            "list_training_jobs", "TrainingJobSummaries", "TrainingJobName", token, WarmPoolStatusEquals="Available"
        )

    def warm_pool(self, job: str) -> WarmPool | None:
        raw = self._described("describe_training_job", TrainingJobName=job)
        if raw is None:
            return None
        pool = raw.get("WarmPoolStatus") or {}
        config = raw.get("ResourceConfig") or {}
        ended = raw.get("TrainingEndTime")
        return WarmPool(
            job=job,
            arn=raw["TrainingJobArn"],
            status=str(pool.get("Status", "")),
            ended_at=ended if isinstance(ended, datetime) else None,
            keep_alive_seconds=config.get("KeepAlivePeriodInSeconds"),
            retained_billable_seconds=pool.get("ResourceRetainedBillableTimeInSeconds"),
            instance_type=config.get("InstanceType"),
            instance_count=int(config.get("InstanceCount") or 1),
            tags=self.tags(raw["TrainingJobArn"]),
        )

    def end_warm_pool(self, job: str) -> None:
        self._call("update_training_job", TrainingJobName=job, ResourceConfig={"KeepAlivePeriodInSeconds": 0})

    # --- MLflow tracking servers --------------------------------------------------------------

    def server_page(self, token: str | None) -> Page[str]:
        return self._names("list_mlflow_tracking_servers", "TrackingServerSummaries", "TrackingServerName", token)

    def server(self, name: str) -> TrackingServer | None:
        raw = self._described("describe_mlflow_tracking_server", TrackingServerName=name)
        if raw is None:
            return None
        arn = raw["TrackingServerArn"]
        return TrackingServer(
            name=name,
            arn=arn,
            status=str(raw.get("TrackingServerStatus", "")),
            size=raw.get("TrackingServerSize"),
            tags=self.tags(arn),
            active=raw.get("IsActive"),
        )

    def server_state(self, name: str) -> dict[str, str | None] | None:
        """DescribeMlflowTrackingServer's ``TrackingServerStatus`` and ``IsActive`` (no tags read); None if the
        server no longer exists."""
        raw = self._described("describe_mlflow_tracking_server", TrackingServerName=name)
        if raw is None:
            return None
        return {"TrackingServerStatus": raw.get("TrackingServerStatus"), "IsActive": raw.get("IsActive")}

    def stop_server(self, name: str) -> None:
        self._call("stop_mlflow_tracking_server", TrackingServerName=name)

    def start_server(self, name: str) -> None:
        self._call("start_mlflow_tracking_server", TrackingServerName=name)

    # --- HyperPod -------------------------------------------------------------------------------

    def cluster_page(self, token: str | None) -> Page[str]:
        return self._names("list_clusters", "ClusterSummaries", "ClusterName", token)

    def cluster(self, name: str) -> Cluster | None:
        raw = self._described("describe_cluster", ClusterName=name)
        if raw is None:
            return None
        groups = tuple(_group(g, restricted=False) for g in raw.get("InstanceGroups") or []) + tuple(
            _group(g, restricted=True) for g in raw.get("RestrictedInstanceGroups") or []
        )
        orchestrator = "Eks" if (raw.get("Orchestrator") or {}).get("Eks") else None
        return Cluster(name, raw["ClusterArn"], str(raw.get("ClusterStatus", "")), groups, orchestrator)

    # --- Elastic Inference leftovers ----------------------------------------------------------

    def endpoint_config_page(self, token: str | None) -> Page[str]:
        return self._names("list_endpoint_configs", "EndpointConfigs", "EndpointConfigName", token)

    def endpoint_config(self, name: str) -> AcceleratorHolder | None:
        raw = self._described("describe_endpoint_config", EndpointConfigName=name)
        if raw is None:
            return None
        accelerators = tuple(
            v["AcceleratorType"] for v in raw.get("ProductionVariants", []) if v.get("AcceleratorType")
        )
        return AcceleratorHolder("endpoint-config", name, raw["EndpointConfigArn"], accelerators)

    def notebook_page(self, token: str | None) -> Page[str]:
        return self._names("list_notebook_instances", "NotebookInstances", "NotebookInstanceName", token)

    def notebook(self, name: str) -> AcceleratorHolder | None:
        raw = self._described("describe_notebook_instance", NotebookInstanceName=name)
        if raw is None:
            return None
        accelerators = tuple(raw.get("AcceleratorTypes") or ())
        return AcceleratorHolder("notebook-instance", name, raw["NotebookInstanceArn"], accelerators)
