"""Seed Studio domains and their apps into the simulated account (domains through moto, apps through
``studio_shim``, which moto lacks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import boto3

from tools.simulator.identity import ACCOUNT, REGION
from tools.simulator.studio_shim import domain_settings, seed_app

ROLE = f"arn:aws:iam::{ACCOUNT}:role/StudioExecution"


def idle(lifecycle: str, minutes: int | None = None) -> dict[str, Any]:
    settings: dict[str, Any] = {"LifecycleManagement": lifecycle}
    if minutes is not None:
        settings["IdleTimeoutInMinutes"] = minutes
    return {"AppLifecycleManagement": {"IdleSettings": settings}}


@dataclass(frozen=True)
class SeededDomain:
    name: str
    user_settings: dict[str, Any]
    space_settings: dict[str, Any]
    tags: tuple[tuple[str, str], ...] = ()


# research: no idle settings (JupyterLab has a default instance its owner chose, which must survive);
# vision: its owner's own, shorter-than-a-day settings (kept); mlops: idle shutdown explicitly DISABLED
# (restored exactly); legal-hold: no settings, exempt.
DEMO_DOMAINS = (
    SeededDomain(
        "research",
        {"ExecutionRole": ROLE, "JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}}},
        {"ExecutionRole": ROLE},
    ),
    SeededDomain(
        "vision",
        {
            "ExecutionRole": ROLE,
            "JupyterLabAppSettings": idle("ENABLED", 75),
            "CodeEditorAppSettings": idle("ENABLED", 75),
        },
        {"ExecutionRole": ROLE, "JupyterLabAppSettings": idle("ENABLED", 75)},
    ),
    SeededDomain(
        "mlops",
        {
            "ExecutionRole": ROLE,
            "JupyterLabAppSettings": idle("DISABLED", 240),
            "CodeEditorAppSettings": idle("ENABLED", 120),
        },
        {"ExecutionRole": ROLE, "JupyterLabAppSettings": idle("ENABLED", 120)},
    ),
    SeededDomain("legal-hold", {"ExecutionRole": ROLE}, {"ExecutionRole": ROLE}, (("ecoguard:exempt", "true"),)),
)


def seed_domains(domains: tuple[SeededDomain, ...] = DEMO_DOMAINS, region: str = REGION) -> dict[str, str]:
    """Create the domains; their ids by name."""
    sagemaker = boto3.client("sagemaker", region_name=region)
    ids: dict[str, str] = {}
    for seeded in domains:
        kwargs: dict[str, Any] = {}
        if seeded.tags:
            kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in seeded.tags]
        kwargs["DefaultUserSettings"] = seeded.user_settings
        kwargs["DefaultSpaceSettings"] = seeded.space_settings
        arn = sagemaker.create_domain(
            DomainName=seeded.name, AuthMode="IAM", SubnetIds=["subnet-0a1b2c3d"], VpcId="vpc-0a1b2c3d", **kwargs
        )["DomainArn"]
        ids[seeded.name] = arn.rsplit("/", 1)[1]
    return ids


def seed_studio_apps(ids: dict[str, str], now: datetime) -> None:
    """Running JupyterLab, Code Editor and KernelGateway apps in research, and one deleted app."""
    research = ids["research"]
    seed_app(
        research,
        "team-a",
        "JupyterLab",
        "default",
        instance_type="ml.g5.xlarge",
        created=now - timedelta(hours=30),
        space=True,
    )
    seed_app(research, "alice", "CodeEditor", "default", instance_type="ml.t3.medium", created=now - timedelta(hours=5))
    seed_app(
        research,
        "bob",
        "KernelGateway",
        "datascience-1",
        instance_type="ml.m5.large",
        created=now - timedelta(hours=52),
    )
    seed_app(
        research,
        "team-b",
        "JupyterLab",
        "default",
        instance_type="ml.g5.xlarge",
        created=now - timedelta(days=9),
        status="Deleted",
        space=True,
    )


def studio_snapshot(ids: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Each domain's default settings, by name."""
    return {name: domain_settings(domain_id) for name, domain_id in ids.items()}


CANVAS_NAMESPACE = "/aws/sagemaker/Canvas/AppActivity"
# (domain name, user profile, latest TimeSinceLastActive in seconds or None for no datapoint at all)
DEMO_CANVAS = (
    ("research", "carol", 3 * 3600.0),  # idle 3 h: logged out
    ("research", "dave", 240.0),  # active 4 minutes ago: kept
    ("research", "erin", None),  # no metric data: never counts as idle
    ("legal-hold", "frank", 5 * 3600.0),  # idle, but the domain is exempt
)


def seed_canvas(ids: dict[str, str], now: datetime, region: str = REGION) -> None:
    """A Canvas app per user, and its TimeSinceLastActive as Canvas publishes it (every 5 minutes, rising)."""
    cloudwatch = boto3.client("cloudwatch", region_name=region)
    for domain, profile, latest in DEMO_CANVAS:
        seed_app(ids[domain], profile, "Canvas", "default", instance_type="system", created=now - timedelta(hours=6))
        if latest is None:
            continue
        data: list[Any] = [
            {
                "MetricName": "TimeSinceLastActive",
                "Dimensions": [
                    {"Name": "DomainId", "Value": ids[domain]},
                    {"Name": "UserProfileName", "Value": profile},
                ],
                "Timestamp": now - timedelta(minutes=2 + 5 * step),
                "Value": max(latest - 300 * step, 0.0),
                "Unit": "Seconds",
            }
            for step in range(6)
        ]
        cloudwatch.put_metric_data(Namespace=CANVAS_NAMESPACE, MetricData=data)
