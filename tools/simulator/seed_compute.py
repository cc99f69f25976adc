"""Seed what the idle-compute guardrail governs: training warm pools and MLflow tracking servers (through
``compute_shim``, which moto lacks), a HyperPod cluster, and Elastic Inference leftovers (through moto)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto.sagemaker.models import sagemaker_backends

from tools.simulator.compute_shim import seed_tracking_server, seed_warm_pool
from tools.simulator.identity import ACCOUNT, REGION
from tools.simulator.training_jobs import ROLE, SeededJob, create_job


@dataclass(frozen=True)
class SeededPool:
    job: str
    instance_type: str
    count: int
    ended_minutes_ago: int
    status: str = "Available"
    tags: tuple[tuple[str, str], ...] = ()


# bert: unused 40 minutes (ended once noticed); resnet: ended 5 minutes ago (kept); llm: reused by the next job;
# audit: unused, but exempt.
DEMO_POOLS = (
    SeededPool("bert-pool-unused", "ml.g5.12xlarge", 2, 40),
    SeededPool("resnet-pool-fresh", "ml.g5.xlarge", 1, 5),
    SeededPool("llm-pool-reused", "ml.p4d.24xlarge", 1, 50, status="Reused"),
    SeededPool("audit-pool-exempt", "ml.m5.xlarge", 1, 45, tags=(("ecoguard:exempt", "true"),)),
)
# team-mlflow: an ordinary server; registry-mlflow: always on (exempt).
DEMO_SERVERS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("team-mlflow", "Medium", {}),
    ("registry-mlflow", "Small", {"ecoguard:exempt": "true"}),
)
CLUSTER = "llm-pretrain"
EIA_CONFIG = "legacy-eia-config"
EIA_NOTEBOOK = "legacy-eia-notebook"


def seed_warm_pools(pools: tuple[SeededPool, ...] = DEMO_POOLS, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    jobs = sagemaker_backends[ACCOUNT][REGION].training_jobs
    for pool in pools:
        create_job(sagemaker, SeededJob(pool.job, pool.instance_type, pool.count, 60, (), pool.tags))
        ended = now - timedelta(minutes=pool.ended_minutes_ago)
        jobs[pool.job].training_end_time = ended.astimezone(UTC).replace(tzinfo=None)  # moto keeps naive UTC
        seed_warm_pool(pool.job, status=pool.status, retained=pool.ended_minutes_ago * 60 * pool.count)


def seed_tracking_servers(now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    for name, size, tags in DEMO_SERVERS:
        seed_tracking_server(name, size=size, created=now - timedelta(days=30), tags=tags)


def seed_hyperpod() -> None:
    lifecycle: Any = {"SourceS3Uri": "s3://sagemaker-lifecycle/hyperpod/", "OnCreate": "on_create.sh"}
    boto3.client("sagemaker", region_name=REGION).create_cluster(
        ClusterName=CLUSTER,
        InstanceGroups=[
            {
                "InstanceGroupName": "controller",
                "InstanceType": "ml.m5.xlarge",
                "InstanceCount": 1,
                "LifeCycleConfig": lifecycle,
                "ExecutionRole": ROLE,
                "ThreadsPerCore": 1,  # optional in AWS; moto 5.2.5 fails without it
            },
            {
                "InstanceGroupName": "workers",
                "InstanceType": "ml.g5.12xlarge",
                "InstanceCount": 4,
                "LifeCycleConfig": lifecycle,
                "ExecutionRole": ROLE,
                "ThreadsPerCore": 1,  # optional in AWS; moto 5.2.5 fails without it
            },
        ],
        VpcConfig={"SecurityGroupIds": ["sg-0a1b2c3d"], "Subnets": ["subnet-0a1b2c3d"]},
    )


def seed_elastic_inference() -> None:
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    sagemaker.create_model(
        ModelName="legacy-model",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference-eia:1.5.1"},
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=EIA_CONFIG,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "legacy-model",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "AcceleratorType": "ml.eia2.medium",
            }
        ],
    )
    sagemaker.create_notebook_instance(
        NotebookInstanceName=EIA_NOTEBOOK,
        InstanceType="ml.t3.medium",
        RoleArn=ROLE,
        AcceleratorTypes=["ml.eia1.medium"],
    )


def seed_idle_compute(now: datetime | None = None) -> None:
    seed_warm_pools(now=now)
    seed_tracking_servers(now)
    seed_hyperpod()
    seed_elastic_inference()
