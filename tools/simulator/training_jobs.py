"""Named shim for two moto 5.2.5 gaps in SageMaker training jobs.

1. ``moto_jobs_finish_at_once``: moto marks a training job Completed the moment it is created,
   so a Search for ``TrainingJobStatus Equals InProgress`` finds nothing. ``RunningTrainingJobs.start``
   puts a job back to InProgress / Training with the TrainingStartTime a scenario needs, on moto's
   backend object, which moto's Search filters and answers from: Search then finds it, as AWS would.
2. ``moto_has_no_stop_training_job``: StopTrainingJob raises NotImplementedError in moto.
   ``RunningTrainingJobs.install`` adds it: an InProgress job becomes Stopping (as the real API
   leaves it, before Stopped); any other status answers ValidationException, as AWS does.

Both patch moto's backend (not one client), so every client sees the same jobs: the handler's,
the tests' and the restorer's.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

import boto3
from moto.core.responses import EmptyResult
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse

from ecoguard.decisions import Mode
from ecoguard.guardrails.training_guard import GUARDRAIL, INGESTION_LAG, SIGHTING_TTL
from ecoguard.state import StateStore
from tools.simulator.identity import ACCOUNT, REGION


def _backend(account: str = ACCOUNT, region: str = REGION) -> Any:
    return sagemaker_backends[account][region]


def _naive_utc(moment: datetime) -> datetime:
    # moto keeps naive UTC datetimes.
    return moment.astimezone(UTC).replace(tzinfo=None)


def _stop_training_job(self: SageMakerResponse) -> EmptyResult:
    name = self._get_param("TrainingJobName")
    jobs = self.sagemaker_backend.training_jobs
    job = jobs.get(name)
    if job is None or job.training_job_status != "InProgress":
        status = job.training_job_status if job else "missing"
        raise ValidationError(message=f"The request was rejected because the training job is in status {status}.")
    job.training_job_status = "Stopping"
    job.secondary_status = "Stopping"
    return EmptyResult()


class RunningTrainingJobs:
    """Hold moto training jobs in progress, and give moto StopTrainingJob."""

    def __init__(self, account: str = ACCOUNT, region: str = REGION) -> None:
        self._account = account
        self._region = region

    @staticmethod
    def install() -> AbstractContextManager[object]:
        return patch.object(SageMakerResponse, "stop_training_job", _stop_training_job, create=True)

    def start(self, name: str, started_at: datetime) -> None:
        job = _backend(self._account, self._region).training_jobs[name]
        job.training_job_status = "InProgress"
        job.secondary_status = "Training"
        job.training_start_time = _naive_utc(started_at)
        job.training_end_time = None
        job.secondary_status_transitions = [
            {"Status": "Training", "StartTime": job.training_start_time, "StatusMessage": "Training in progress"}
        ]

    def status(self, name: str) -> str:
        return str(_backend(self._account, self._region).training_jobs[name].training_job_status)


ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerTraining"
NAMESPACE = "/aws/sagemaker/TrainingJobs"


@dataclass(frozen=True)
class SeededJob:
    """A training job for a scenario: its instances, how long it has trained, and its raw utilization."""

    name: str
    instance_type: str
    instance_count: int
    minutes_running: int
    raw_utilization: tuple[float, ...]  # per host, as CloudWatch reports it (up to 100 x GPUs or vCPUs)
    tags: tuple[tuple[str, str], ...] = ()
    metric: str = "GPUUtilization"
    spot: bool = False


def create_job(sagemaker: Any, job: SeededJob) -> None:
    kwargs: dict[str, Any] = {}
    if job.tags:
        kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in job.tags]
    if job.spot:
        kwargs["EnableManagedSpotTraining"] = True
        kwargs["CheckpointConfig"] = {"S3Uri": f"s3://ml-checkpoints/{job.name}"}
    sagemaker.create_training_job(
        TrainingJobName=job.name,
        AlgorithmSpecification={
            "TrainingImage": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3",
            "TrainingInputMode": "File",
        },
        RoleArn=ROLE,
        InputDataConfig=[
            {
                "ChannelName": "train",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://ml-data/{job.name}/"}},
            }
        ],
        OutputDataConfig={"S3OutputPath": "s3://ml-models/"},
        ResourceConfig={"InstanceType": job.instance_type, "InstanceCount": job.instance_count, "VolumeSizeInGB": 100},
        StoppingCondition={"MaxRuntimeInSeconds": 2 * 86400}
        if not job.spot
        else {"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": 14400},
        **kwargs,
    )


def put_utilization(cloudwatch: Any, job: SeededJob, now: datetime) -> None:
    """One datapoint a minute per host since the job started (at most 2 hours back)."""
    minutes = min(job.minutes_running, 120)
    for index, value in enumerate(job.raw_utilization, start=1):
        data = [
            {
                "MetricName": job.metric,
                "Dimensions": [{"Name": "Host", "Value": f"{job.name}/algo-{index}"}],
                "Timestamp": now - timedelta(minutes=m),
                "Value": value,
                "Unit": "Percent",
            }
            for m in range(minutes)
        ]
        for offset in range(0, len(data), 1000):  # PutMetricData takes at most 1,000 metrics a call
            cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data[offset : offset + 1000])


def seed_training_jobs(
    jobs: Sequence[SeededJob], now: datetime, region: str = REGION, *, seen_before: bool = True
) -> RunningTrainingJobs:
    """Create the jobs, hold them in progress (shim), and publish their utilization. ``seen_before``: the scene
    is a job the guard has been watching, so the previous sweep (a period earlier) already saw the job as its
    utilization shows it (the training guard's rule 5b: a stop needs two sweeps that agree)."""
    sagemaker = boto3.client("sagemaker", region_name=region)
    cloudwatch = boto3.client("cloudwatch", region_name=region)
    running = RunningTrainingJobs(region=region)
    for job in jobs:
        create_job(sagemaker, job)
        running.start(job.name, now - timedelta(minutes=job.minutes_running))
        put_utilization(cloudwatch, job, now)
        if seen_before:
            seen_by_the_previous_sweep(sagemaker, job.name, now, region)
    return running


# The previous sweep's window ended this long before the one a sweep at ``now`` reads: one 5-minute period (the
# longest the policy allows), so it is at least a period earlier and still inside any window.
PREVIOUS_SWEEP = timedelta(minutes=5)


def seen_by_the_previous_sweep(sagemaker: Any, name: str, now: datetime, region: str = REGION) -> None:
    """Record, in every stack's audit table, the sighting a sweep a period ago left of the job (both modes)."""
    arn = sagemaker.describe_training_job(TrainingJobName=name)["TrainingJobArn"]
    lagged = (now - INGESTION_LAG).timestamp() // 300 * 300
    window_end = datetime.fromtimestamp(lagged, tz=UTC) - PREVIOUS_SWEEP
    db = boto3.client("dynamodb", region_name=region)
    # A stack's audit table: <stack>-AuditTable (provisioned) or <stack>-AuditTable-<suffix> (CloudFormation).
    for table in (t for t in db.list_tables()["TableNames"] if "-AuditTable" in t):
        for mode in Mode:
            store = StateStore(db, table, GUARDRAIL, mode)
            store.put(
                sighting_key_of(arn),
                {"window_end": window_end.isoformat()},
                expected_version=store.get(sighting_key_of(arn)).version,
                expires_at=int((now + SIGHTING_TTL).timestamp()),
            )


def sighting_key_of(arn: str) -> str:
    return arn  # ecoguard.guardrails.training_guard.sighting_key: the job's ARN


# The demo's account: a busy GPU job, an idle GPU job, one still in warm-up, and a CPU job.
DEMO_JOBS = (
    SeededJob("llm-finetune-busy", "ml.p4d.24xlarge", 1, 180, (560.0,)),  # 70 % per GPU
    SeededJob("resnet-idle", "ml.g5.12xlarge", 2, 150, (8.0, 12.0)),  # 2 % and 3 % per GPU
    SeededJob("bert-warming-up", "ml.g5.xlarge", 1, 10, (0.0,)),  # idle, but 10 minutes in
    SeededJob("xgboost-cpu", "ml.m5.4xlarge", 1, 120, (48.0,), metric="CPUUtilization"),  # 3 % per vCPU
)


def billable_time_shim(seconds: int) -> None:
    """moto 5.2.5 gap ``moto_has_no_billable_time``: DescribeTrainingJob omits BillableTimeInSeconds.
    Adds it to the parsed response of ecoguard's own SageMaker client, as SageMaker reports it for a
    completed job."""
    from ecoguard.adapters.clients import client

    def add(parsed: dict[str, Any], **_: Any) -> None:
        parsed.setdefault("BillableTimeInSeconds", seconds)

    client("sagemaker").meta.events.register("after-call.sagemaker.DescribeTrainingJob", add)


# The team each demo job is charged to (the report's attribution by cost-allocation tag, ``make demo``).
DEMO_TEAMS = {"llm-finetune-busy": "nlp", "resnet-idle": "vision", "bert-warming-up": "nlp", "xgboost-cpu": "growth"}


def with_teams(jobs: Sequence[SeededJob]) -> list[SeededJob]:
    return [replace(j, tags=(*j.tags, ("team", DEMO_TEAMS[j.name]))) if j.name in DEMO_TEAMS else j for j in jobs]
