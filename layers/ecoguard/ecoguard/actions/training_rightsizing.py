"""Training right-sizing's AWS side: read-only (no action units; findings only, recorded as the training
guard's, on TrainingGuardFunction).

On a ``Completed`` training-job event (TrainingGuardFunction), the job is described (DescribeTrainingJob,
ListTags) and each host's CPU, memory, GPU and GPU memory are read over its run in one batched
GetMetricData round (4 queries a host; ``host_metrics.MetricsAdapter`` keeps each call within 500).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from ecoguard.adapters.host_metrics import MetricQuery, MetricsAdapter
from ecoguard.decisions import Plan
from ecoguard.errors import NotFound, translate
from ecoguard.events import parse_aws_time
from ecoguard.guardrails.training_guard import GUARDRAIL, NAMESPACE
from ecoguard.guardrails.training_rightsizing import CompletedJob, RunUtilization, per_device, rightsize
from ecoguard.instances import lookup
from ecoguard.runner import GuardrailRunner
from ecoguard.summary import RunSummary, Trigger
from ecoguard.wiring import Wiring

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

METRICS = ("CPUUtilization", "MemoryUtilization", "GPUUtilization", "GPUMemoryUtilization")


class CompletedJobs(Protocol):
    def completed(self, name: str) -> CompletedJob | None: ...


class HostSeries(Protocol):
    def series(
        self, queries: Sequence[MetricQuery], start: datetime, end: datetime, period: int
    ) -> list[dict[datetime, float]]: ...


class CompletedJobsAdapter:
    def __init__(self, sagemaker: SageMakerClient) -> None:
        self._sm = sagemaker

    def completed(self, name: str) -> CompletedJob | None:
        """The job if it is Completed (None if missing or not Completed: an out-of-order event)."""
        try:
            job: dict[str, Any] = dict(self._sm.describe_training_job(TrainingJobName=name))
            if job.get("TrainingJobStatus") != "Completed" or not job.get("TrainingStartTime"):
                return None
            tags = self._sm.list_tags(ResourceArn=job["TrainingJobArn"]).get("Tags", [])
        except ClientError as exc:
            error = translate(exc)
            # SageMaker answers a missing job with ValidationException ("Requested resource not found").
            message = str(error).lower()
            if isinstance(error, NotFound) or "not found" in message or "could not find" in message:
                return None
            raise error from exc
        start = parse_aws_time(job["TrainingStartTime"])
        end = parse_aws_time(job["TrainingEndTime"]) if job.get("TrainingEndTime") else start
        seconds = job.get("TrainingTimeInSeconds") or job.get("BillableTimeInSeconds")
        if end <= start and seconds:
            end = start + timedelta(seconds=int(seconds))
        resources = job.get("ResourceConfig", {})
        return CompletedJob(
            name=name,
            arn=job["TrainingJobArn"],
            instance_type=str(resources.get("InstanceType", "")),
            instance_count=int(resources.get("InstanceCount", 0)),
            start=start,
            end=end,
            spot=bool(job.get("EnableManagedSpotTraining")),
            checkpoint_s3=bool((job.get("CheckpointConfig") or {}).get("S3Uri")),
            warm_pool=bool(resources.get("KeepAlivePeriodInSeconds")),
            training_plan=bool(resources.get("TrainingPlanArn")),
            tags={t["Key"]: t["Value"] for t in tags},
        )


def utilization(job: CompletedJob, metrics: HostSeries) -> RunUtilization:
    """Each metric's mean over the run, per device, averaged over the hosts (None if any host is missing)."""
    instance = lookup(job.instance_type)
    hosts = [f"{job.name}/algo-{n}" for n in range(1, job.instance_count + 1)]
    queries = [MetricQuery(NAMESPACE, metric, (("Host", host),)) for metric in METRICS for host in hosts]
    start = job.start.replace(second=0, microsecond=0)
    period = max(60, math.ceil((job.end - start).total_seconds() / 60) * 60)
    series = metrics.series(queries, start, start + timedelta(seconds=period), period)

    def mean(values: dict[datetime, float]) -> float | None:
        return sum(values.values()) / len(values) if values else None

    by_metric = {m: [mean(series[i * len(hosts) + h]) for h in range(len(hosts))] for i, m in enumerate(METRICS)}
    vcpu = instance.vcpu if instance else 0
    gpus = instance.gpu_count if instance else 0
    return RunUtilization(
        cpu=per_device(by_metric["CPUUtilization"], vcpu),
        memory=per_device(by_metric["MemoryUtilization"], 1),
        gpu=per_device(by_metric["GPUUtilization"], gpus),
        gpu_memory=per_device(by_metric["GPUMemoryUtilization"], gpus),
    )


class TrainingRightsizingRunner(GuardrailRunner):
    guardrail = GUARDRAIL

    def __init__(self, wiring: Wiring, jobs: CompletedJobs, metrics: HostSeries) -> None:
        super().__init__(wiring)
        self._jobs = jobs
        self._metrics = metrics

    @classmethod
    def build(cls, wiring: Wiring) -> TrainingRightsizingRunner:
        clients = wiring.clients
        return cls(wiring, CompletedJobsAdapter(clients("sagemaker")), MetricsAdapter(clients("cloudwatch")))

    def on_training_completed(self, name: str, trigger: Trigger) -> RunSummary:
        executor = self._executor(trigger)
        if not self._policy.serving_advisor.enabled:
            return executor.summary
        job = self._jobs.completed(name)
        if job is None or lookup(job.instance_type) is None:
            return executor.summary
        used = utilization(job, self._metrics)
        executor.run(Plan(tuple(rightsize(job, used, self._policy.serving_advisor))))
        return executor.summary
