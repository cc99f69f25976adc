"""Seed the simulated account at the issue's scale, with a realistic mix of compliant, non-compliant and
exempt resources. Each ``seed_*`` returns the ground truth the lower bound is computed from.

Resources are created through the API (moto's request path), except where a simulator shim must
reach its backend (``backdate``, ``RunningTrainingJobs.start``, as the demo does). The API path is
fast enough here: seeding every sweep at full scale takes about a minute (measured, see PERFORMANCE.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from ecoguard.adapters.clients import client
from ecoguard.policy import build_policy
from tools.simulator.identity import ACCOUNT, REGION
from tools.simulator.seed_inference import (
    LIFECYCLE,
    ROLE,
    backdate,
    create_activity_lifecycle_config,
    create_model,
    put_activity,
)
from tools.simulator.training_jobs import RunningTrainingJobs, SeededJob, create_job, seen_by_the_previous_sweep

FULL_SCALE = {
    "log_groups": 10_000,
    "buckets": 1_000,
    "endpoints": 2_000,
    "training_jobs": 500,
    "notebooks": 300,
    "serving_endpoints": 1_000,
}
EXEMPT = {"ecoguard:exempt": "true"}
# The bundled policy's cost-allocation keys (report.attribution_tags, the stack's policy here): the log-group and
# notebook sweeps list the resources carrying each, one tagging listing per key. The bench tags none of its
# groups or instances with them, so each listing is one empty page; the truth says so, per key.
ATTRIBUTION_KEYS = tuple(build_policy().report.attribution_tags)
ATTRIBUTION_TAGGED = "attribution_tagged:"


def scaled(kind: str, scale: float) -> int:
    return max(1, math.ceil(FULL_SCALE[kind] * scale))


@dataclass
class Truth:
    """What was seeded, for the lower bound: resources listed, tagged, and needing a write."""

    listed: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


def seed_log_groups(n: int) -> Truth:
    """Per 20 groups: 11 keep logs forever, 5 have a retention, 1 exempt (no retention), 1 tagged with a
    retention (no retention), 2 out of scope (no retention)."""
    logs: Any = boto3.client("logs", region_name=REGION)
    truth = Truth()
    for i in range(n):
        slot = i % 20
        prefix = "/aws/sagemaker/Endpoints/" if i % 2 else "/aws/lambda/"
        name, tags, retention = f"{prefix}bench-{i:05d}", {}, None
        if slot < 11:
            truth.add("needs_write")
        elif slot < 16:
            retention = (7, 14, 30)[slot % 3]
        elif slot == 16:
            tags = EXEMPT
            truth.add("exempt_tagged")
        elif slot == 17:
            tags = {"ecoguard:retention-days": "90"}
            truth.add("retention_tagged")
            truth.add("needs_write")
        else:
            name = f"/ecs/bench-{i:05d}"
        logs.create_log_group(logGroupName=name, **({"tags": tags} if tags else {}))
        if retention is not None:
            logs.put_retention_policy(logGroupName=name, retentionInDays=retention)
    for key in ATTRIBUTION_KEYS:
        truth.add(ATTRIBUTION_TAGGED + key, 0)
    truth.listed = n
    return truth


DATA_CLASSES = ("raw", "recreatable", "artifact", "log")


def seed_buckets(n: int) -> Truth:
    """Per 20 buckets: 14 tagged with a data class (4 of them versioned), 3 untagged (the policy's prefix
    rules apply), 2 already carrying the owner's rules, 1 exempt. Through ecoguard's cached S3 client, so
    the s3_shim store (moto_drops_lifecycle_fields) holds their configurations."""
    s3 = client("s3")
    truth = Truth()
    for i in range(n):
        slot = i % 20
        name = f"ml-bench-{i:05d}"
        s3.create_bucket(Bucket=name)
        tags: dict[str, str] = {}
        if slot < 14:
            tags = {"ecoguard:data-class": DATA_CLASSES[slot % 4]}
            if slot % 4 == 1:
                s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        elif slot < 17:
            tags = {"team": "ml"}
        elif slot < 19:
            tags = {"ecoguard:data-class": "raw"}
            s3.put_bucket_lifecycle_configuration(
                Bucket=name,
                LifecycleConfiguration={
                    "Rules": [
                        {
                            "ID": "owner-scratch",
                            "Filter": {"Prefix": "scratch/"},
                            "Status": "Enabled",
                            "Expiration": {"Days": 14},
                        }
                    ]
                },
            )
        else:
            tags = {**EXEMPT, "ecoguard:data-class": "raw"}
            truth.add("exempt_tagged")
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
    truth.listed = n
    return truth


def seed_endpoints(n: int, now: datetime) -> Truth:
    """Two variants each. Per 20 endpoints: 8 busy, 8 idle for days, 2 new (in warm-up), 1 exempt, 1 with
    its own ecoguard:idle-hours. One model shared by all, one endpoint configuration each."""
    sm: Any = boto3.client("sagemaker", region_name=REGION)
    cw: Any = boto3.client("cloudwatch", region_name=REGION)
    create_model("bench-model")
    truth = Truth()
    metrics: list[dict[str, Any]] = []
    for i in range(n):
        slot = i % 20
        name = f"bench-ep-{i:05d}"
        variants = [
            {
                "VariantName": v,
                "ModelName": "bench-model",
                "InstanceType": "ml.g4dn.xlarge",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1.0,
            }
            for v in ("blue", "green")
        ]
        sm.create_endpoint_config(EndpointConfigName=f"{name}-config", ProductionVariants=variants)
        tags = EXEMPT if slot == 18 else {"ecoguard:idle-hours": "48"} if slot == 19 else {}
        if tags:
            truth.add("exempt_tagged" if slot == 18 else "idle_hours_tagged")
        if slot < 8:
            truth.add("variants_with_traffic", 2)
        else:
            truth.add("without_traffic")
        sm.create_endpoint(
            EndpointName=name,
            EndpointConfigName=f"{name}-config",
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )
        backdate("endpoint", name, timedelta(hours=2) if slot in (16, 17) else timedelta(days=5))
        if slot < 8:
            for variant in ("blue", "green"):
                metrics.append(
                    {
                        "MetricName": "Invocations",
                        "Dimensions": [
                            {"Name": "EndpointName", "Value": name},
                            {"Name": "VariantName", "Value": variant},
                        ],
                        "Timestamp": now - timedelta(hours=1),
                        "Value": 100.0,
                        "Unit": "None",
                    }
                )
    for start in range(0, len(metrics), 1000):
        cw.put_metric_data(Namespace="AWS/SageMaker", MetricData=metrics[start : start + 1000])
    truth.listed = n
    return truth


def seed_training_jobs(n: int, now: datetime) -> tuple[Truth, RunningTrainingJobs]:
    """InProgress (RunningTrainingJobs shim, moto_jobs_finish_at_once). Per 10 jobs: 5 busy GPU jobs, 2 idle
    GPU jobs on 2 hosts, 1 in warm-up, 1 CPU job, 1 exempt."""
    sm: Any = boto3.client("sagemaker", region_name=REGION)
    cw: Any = boto3.client("cloudwatch", region_name=REGION)
    running = RunningTrainingJobs(region=REGION)
    truth = Truth()
    data: list[dict[str, Any]] = []
    for i in range(n):
        slot = i % 10
        name = f"bench-job-{i:05d}"
        if slot < 5:
            job = SeededJob(name, "ml.g5.xlarge", 1, 90, (70.0,))
        elif slot < 7:
            job = SeededJob(name, "ml.g5.12xlarge", 2, 90, (8.0, 12.0))
        elif slot == 7:
            job = SeededJob(name, "ml.g5.xlarge", 1, 10, (0.0,))
        elif slot == 8:
            job = SeededJob(name, "ml.m5.4xlarge", 1, 90, (48.0,), metric="CPUUtilization")
        else:
            job = SeededJob(name, "ml.g5.xlarge", 1, 90, (1.0,), tags=(("ecoguard:exempt", "true"),))
            truth.add("exempt_tagged")
        create_job(sm, job)
        running.start(job.name, now - timedelta(minutes=job.minutes_running))
        if slot in (5, 6, 8):  # idle: the previous sweep saw them so (the training guard's two sweeps, rule 5b)
            seen_by_the_previous_sweep(sm, job.name, now)
        # One datapoint per 5 minutes over the last hour: what the guard's window reads.
        for host, value in enumerate(job.raw_utilization, start=1):
            for m in range(0, min(job.minutes_running, 70), 5):
                data.append(
                    {
                        "MetricName": job.metric,
                        "Dimensions": [{"Name": "Host", "Value": f"{job.name}/algo-{host}"}],
                        "Timestamp": now - timedelta(minutes=m + 1),
                        "Value": value,
                        "Unit": "Percent",
                    }
                )
    for start in range(0, len(data), 1000):
        cw.put_metric_data(Namespace="/aws/sagemaker/TrainingJobs", MetricData=data[start : start + 1000])
    truth.listed = n
    return truth, running


def seed_notebooks(n: int) -> Truth:
    """Per 10 instances: 4 busy, 4 idle (both with ecoguard's activity lifecycle configuration), 1 without
    it, 1 exempt and idle."""
    from moto.sagemaker.models import sagemaker_backends

    sm = boto3.client("sagemaker", region_name=REGION)
    create_activity_lifecycle_config(LIFECYCLE)
    truth = Truth()
    for i in range(n):
        slot = i % 10
        name = f"bench-nb-{i:05d}"
        kwargs: dict[str, Any] = {"NotebookInstanceName": name, "InstanceType": "ml.t3.medium", "RoleArn": ROLE}
        if slot != 8:
            kwargs["LifecycleConfigName"] = LIFECYCLE
        if slot == 9:
            kwargs["Tags"] = [{"Key": "ecoguard:exempt", "Value": "true"}]
            truth.add("exempt_tagged")
        sm.create_notebook_instance(**kwargs)
        sagemaker_backends[ACCOUNT][REGION].notebook_instances[name].start()
        backdate("notebook", name, timedelta(days=1))
        if slot != 8:
            put_activity(name, [2.0 if slot < 4 else 0.0] * 36)
    for key in ATTRIBUTION_KEYS:
        truth.add(ATTRIBUTION_TAGGED + key, 0)
    truth.listed = n
    return truth


def now_utc() -> datetime:
    return datetime.now(UTC)


def seed_serving_endpoints(n: int, now: datetime) -> Truth:
    """One variant each on ml.m5.xlarge, one model shared by all, one endpoint configuration each; every 20th
    exempt. Half have an hour of traffic: the GetMetricData calls do not depend on the data."""
    sm: Any = boto3.client("sagemaker", region_name=REGION)
    cw: Any = boto3.client("cloudwatch", region_name=REGION)
    create_model("bench-serving-model")
    truth = Truth()
    metrics: list[dict[str, Any]] = []
    for i in range(n):
        name = f"bench-serve-{i:05d}"
        variant = {"VariantName": "AllTraffic", "ModelName": "bench-serving-model", "InstanceType": "ml.m5.xlarge",
                   "InitialInstanceCount": 1}  # fmt: skip
        sm.create_endpoint_config(EndpointConfigName=f"{name}-config", ProductionVariants=[variant])
        tags = EXEMPT if i % 20 == 19 else {}
        if tags:
            truth.add("exempt_tagged")
        sm.create_endpoint(
            EndpointName=name,
            EndpointConfigName=f"{name}-config",
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )
        if i % 2 == 0:
            dims = [{"Name": "EndpointName", "Value": name}, {"Name": "VariantName", "Value": "AllTraffic"}]
            metrics.append({"MetricName": "Invocations", "Dimensions": dims, "Timestamp": now - timedelta(hours=2),
                            "Value": 10.0, "Unit": "None"})  # fmt: skip
    for start in range(0, len(metrics), 1000):
        cw.put_metric_data(Namespace="AWS/SageMaker", MetricData=metrics[start : start + 1000])
    truth.listed = n
    return truth
