"""Named shims for moto 5.2.5's gaps in warm pools and MLflow tracking servers.

1. ``moto_has_no_warm_pools``: moto's training jobs have no ``WarmPoolStatus``, ListTrainingJobs ignores
   ``WarmPoolStatusEquals``, and UpdateTrainingJob is not implemented. ``seed_warm_pool`` gives a job a pool
   (status, keep-alive, retained billable time); DescribeTrainingJob then reports it (``WarmPoolStatus``,
   ``ResourceConfig.KeepAlivePeriodInSeconds``), ListTrainingJobs with ``WarmPoolStatusEquals`` lists the jobs
   whose pool has that status, the filter applied after ``MaxResults`` cut the page (so a page may hold
   fewer matches, or none, before the last), and UpdateTrainingJob with
   ``ResourceConfig.KeepAlivePeriodInSeconds=0`` ends an Available pool (``Terminated``). An unknown job
   answers ResourceNotFound, as the API reference documents for UpdateTrainingJob.
2. ``moto_has_no_mlflow``: no MLflow tracking servers at all. ``seed_tracking_server`` creates one in memory;
   ListMlflowTrackingServers (paged), DescribeMlflowTrackingServer, Stop/StartMlflowTrackingServer and
   ListTags on its ARN answer from it. A server is seeded ``Created`` and ``IsActive: Active``, as a server
   never stopped is: ``TrackingServerStatus`` is its creation and update status, ``IsActive`` whether it runs
   (DescribeMlflowTrackingServer, TrackingServerSummary). Stopping a server that is not active (or starting
   one that is) answers ConflictException, and an unknown server ResourceNotFound, the errors the API
   reference documents. A stop leaves it ``Stopped``/``Inactive`` and a start ``Started``/``Active`` at once
   (AWS passes through Stopping/Starting first).

All patch moto's response class, so every client sees the same state.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from unittest.mock import patch

from moto.core.responses import ActionResult
from moto.sagemaker.exceptions import ConflictException, ResourceNotFound, ValidationError
from moto.sagemaker.models import sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse

from tools.simulator.identity import ACCOUNT, REGION

_MOTO_DESCRIBE_TRAINING_JOB = SageMakerResponse.describe_training_job
_MOTO_LIST_TRAINING_JOBS = SageMakerResponse.list_training_jobs


def _backend(account: str | None = None, region: str | None = None) -> Any:
    # The organization demo runs scenes as another account (MOTO_ACCOUNT_ID) in another region (AWS_REGION).
    account = account or os.environ.get("MOTO_ACCOUNT_ID") or ACCOUNT
    region = region or os.environ.get("AWS_REGION") or REGION
    return sagemaker_backends[account][region]


@dataclass
class ShimPool:
    status: str
    keep_alive: int
    retained_billable_seconds: int


@dataclass
class ShimServer:
    name: str
    arn: str
    status: str
    size: str
    created: datetime
    tags: list[dict[str, str]] = field(default_factory=list)
    active: bool = True

    def summary(self) -> dict[str, Any]:
        return {
            "TrackingServerArn": self.arn,
            "TrackingServerName": self.name,
            "CreationTime": self.created,
            "TrackingServerStatus": self.status,
            "IsActive": "Active" if self.active else "Inactive",
        }


def _pools(backend: Any) -> dict[str, ShimPool]:
    if not hasattr(backend, "ecoguard_warm_pools"):
        backend.ecoguard_warm_pools = {}
    pools: dict[str, ShimPool] = backend.ecoguard_warm_pools
    return pools


def _servers(backend: Any) -> dict[str, ShimServer]:
    if not hasattr(backend, "ecoguard_tracking_servers"):
        backend.ecoguard_tracking_servers = {}
    servers: dict[str, ShimServer] = backend.ecoguard_tracking_servers
    return servers


def _describe_training_job(self: SageMakerResponse) -> ActionResult:
    answer = _MOTO_DESCRIBE_TRAINING_JOB(self)
    described = dict(answer.result)  # type: ignore[call-overload]
    pool = _pools(self.sagemaker_backend).get(self._get_param("TrainingJobName"))
    if pool is not None:
        described["ResourceConfig"] = {
            **described.get("ResourceConfig", {}),
            "KeepAlivePeriodInSeconds": pool.keep_alive,
        }
        described["WarmPoolStatus"] = {
            "Status": pool.status,
            "ResourceRetainedBillableTimeInSeconds": pool.retained_billable_seconds,
        }
    return ActionResult(described)


def _list_training_jobs(self: SageMakerResponse) -> ActionResult:
    """ListTrainingJobs with ``WarmPoolStatusEquals``, the filter applied after ``MaxResults`` has cut the page:
    a page may hold fewer matches than asked for, or none, and the listing ends only when ``NextToken`` does.
    Nothing in the API reference says the filter is applied first (ListTrainingJobs; NextToken), so the
    simulator takes the least favourable reading."""
    wanted = self._get_param("WarmPoolStatusEquals")
    if wanted is None:
        return _MOTO_LIST_TRAINING_JOBS(self)
    pools = _pools(self.sagemaker_backend)
    jobs = sorted(self.sagemaker_backend.training_jobs.values(), key=lambda job: job.training_job_name)
    size = int(self._get_param("MaxResults") or 10)
    start = int(self._get_param("NextToken") or 0)
    page = [
        job
        for job in jobs[start : start + size]
        if job.training_job_name in pools and pools[job.training_job_name].status == wanted
    ]
    summaries = [
        {
            "TrainingJobName": job.training_job_name,
            "TrainingJobArn": job.arn,
            "CreationTime": job.creation_time,
            "TrainingJobStatus": job.training_job_status,
            "WarmPoolStatus": {"Status": pools[job.training_job_name].status},
        }
        for job in page
    ]
    more = start + size < len(jobs)
    return ActionResult({"TrainingJobSummaries": summaries, **({"NextToken": str(start + size)} if more else {})})


def _update_training_job(self: SageMakerResponse) -> ActionResult:
    name = self._get_param("TrainingJobName")
    job = self.sagemaker_backend.training_jobs.get(name)
    if job is None:
        raise ResourceNotFound(message=f"Training job {name} does not exist.")
    keep_alive = (self._get_param("ResourceConfig") or {}).get("KeepAlivePeriodInSeconds")
    pool = _pools(self.sagemaker_backend).get(name)
    if keep_alive is not None:
        if pool is None or pool.status != "Available":
            raise ValidationError(message=f"Training job {name} has no warm pool that can be updated.")
        pool.keep_alive = int(keep_alive)
        if pool.keep_alive == 0:
            pool.status = "Terminated"
    return ActionResult({"TrainingJobArn": job.arn})


def _server(self: SageMakerResponse) -> ShimServer:
    name = self._get_param("TrackingServerName")
    server = _servers(self.sagemaker_backend).get(name)
    if server is None:
        raise ResourceNotFound(message=f"Tracking server {name} does not exist.")
    return server


def _list_servers(self: SageMakerResponse) -> ActionResult:
    servers = sorted(_servers(self.sagemaker_backend).values(), key=lambda s: s.name)
    size = int(self._get_param("MaxResults") or 10)
    start = int(self._get_param("NextToken") or 0)
    page = [s.summary() for s in servers[start : start + size]]
    more = start + size < len(servers)
    return ActionResult({"TrackingServerSummaries": page, **({"NextToken": str(start + size)} if more else {})})


def _describe_server(self: SageMakerResponse) -> ActionResult:
    server = _server(self)
    return ActionResult({**server.summary(), "TrackingServerSize": server.size, "ArtifactStoreUri": "s3://mlflow/"})


def _stop_server(self: SageMakerResponse) -> ActionResult:
    server = _server(self)
    if not server.active:
        raise ConflictException(message=f"Tracking server {server.name} is not active.")
    server.status, server.active = "Stopped", False
    return ActionResult({"TrackingServerArn": server.arn})


def _start_server(self: SageMakerResponse) -> ActionResult:
    server = _server(self)
    if server.active:
        raise ConflictException(message=f"Tracking server {server.name} is already active.")
    server.status, server.active = "Started", True
    return ActionResult({"TrackingServerArn": server.arn})


def _server_tags(self: SageMakerResponse, arn: str) -> ActionResult:
    server = _servers(self.sagemaker_backend).get(arn.rsplit("/", 1)[1])
    if server is None:
        raise ResourceNotFound(message=f"{arn} does not exist.")
    return ActionResult({"Tags": server.tags})


@contextmanager
def compute_shims() -> Iterator[None]:
    """``moto_has_no_warm_pools`` and ``moto_has_no_mlflow``, while the context lasts. Installed after
    ``studio_shims`` (whose ListTags it wraps in turn)."""
    with ExitStack() as stack:
        for name, method in (
            ("describe_training_job", _describe_training_job),
            ("list_training_jobs", _list_training_jobs),
            ("update_training_job", _update_training_job),
            ("list_mlflow_tracking_servers", _list_servers),
            ("describe_mlflow_tracking_server", _describe_server),
            ("stop_mlflow_tracking_server", _stop_server),
            ("start_mlflow_tracking_server", _start_server),
        ):
            stack.enter_context(patch.object(SageMakerResponse, name, method, create=True))
        current_list_tags = SageMakerResponse.list_tags

        def list_tags(self: SageMakerResponse) -> Any:
            arn = self._get_param("ResourceArn")
            if ":mlflow-tracking-server/" in arn:
                return _server_tags(self, arn)
            return current_list_tags(self)

        stack.enter_context(patch.object(SageMakerResponse, "list_tags", list_tags))
        yield


def seed_warm_pool(job: str, *, status: str = "Available", keep_alive: int = 3600, retained: int = 0) -> None:
    _pools(_backend())[job] = ShimPool(status, keep_alive, retained)


def warm_pool_status(job: str) -> str | None:
    pool = _pools(_backend()).get(job)
    return None if pool is None else pool.status


def seed_tracking_server(
    name: str,
    *,
    size: str = "Small",
    status: str = "Created",
    active: bool = True,
    created: datetime,
    tags: dict[str, str] | None = None,
) -> None:
    backend = _backend()
    arn = f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:mlflow-tracking-server/{name}"
    _servers(backend)[name] = ShimServer(
        name, arn, status, size, created, [{"Key": k, "Value": v} for k, v in (tags or {}).items()], active
    )


def tracking_server_status(name: str) -> str | None:
    server = _servers(_backend()).get(name)
    return None if server is None else server.status


def tracking_server_active(name: str) -> bool | None:
    """Whether the server runs (its ``IsActive``); None if there is no such server."""
    server = _servers(_backend()).get(name)
    return None if server is None else server.active
