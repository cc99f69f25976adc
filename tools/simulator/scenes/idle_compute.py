"""Demo scene: unused training warm pools, MLflow tracking servers in off-hours, a HyperPod cluster and
Elastic Inference leftovers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import yaml

from ecoguard.decisions import Mode, Outcome
from tools.simulator.compute_shim import tracking_server_active, tracking_server_status, warm_pool_status
from tools.simulator.identity import REGION
from tools.simulator.scenes.context import DemoContext
from tools.simulator.seed_compute import DEMO_POOLS, DEMO_SERVERS, seed_idle_compute

FUNCTION = "IdleComputeFunction"


class IdleComputeScene:
    title = "IdleComputeFunction: warm pools, MLflow tracking servers, HyperPod, Elastic Inference"
    guardrail = "idle-compute"
    restore_action = "stop-tracking-server"  # an ended warm pool cannot be restored

    def seed(self, ctx: DemoContext) -> str:
        seed_idle_compute()
        now = datetime.now(UTC)
        window = {
            "time_zone": "UTC",
            "start": f"{now - timedelta(hours=1):%H:%M}",
            "end": f"{now + timedelta(hours=2):%H:%M}",
            "weekends": False,
        }
        ssm = boto3.client("ssm", region_name=REGION)
        name = ctx.resolver.refs["PolicyParameter"]
        policy = yaml.safe_load(ssm.get_parameter(Name=name)["Parameter"]["Value"]) or {}
        policy["idle_compute"] = {"mlflow": {"off_hours": window}}
        ssm.put_parameter(Name=name, Value=json.dumps(policy), Overwrite=True, Type="String")
        return (
            f"{len(DEMO_POOLS)} training warm pools (unused 40 min, ended 5 min ago, reused, exempt), "
            f"{len(DEMO_SERVERS)} MLflow tracking servers (one exempt) and the off-hours {window['start']}-"
            f"{window['end']} UTC (now inside), a HyperPod cluster, an endpoint config and a notebook naming ml.eia*"
        )

    def run(self, ctx: DemoContext, mode: Mode) -> dict[str, Any]:
        # Two sweeps, 15 minutes apart as scheduled: the first records a notice for each warm pool, the
        # second may end one. A warm pool is never ended by the sweep that first sees it.
        for sweep in (1, 2):
            event = ctx.router.scheduled_event(FUNCTION) | {"id": f"idle-compute-{mode.value}-{sweep}"}
            ctx.invoke(FUNCTION, event, mode)
        records = [r for r in ctx.audit.records(self.guardrail) if r.mode is mode]
        for record in sorted(records, key=lambda r: (r.action, r.resource.name)):
            ctx.console.print(f"  {record.outcome.value}: {record.action} {record.resource.name}: {record.reason}")
        pools = {pool.job: warm_pool_status(pool.job) for pool in DEMO_POOLS}
        # TrackingServerStatus is the creation status; IsActive says whether the server runs.
        servers = {
            name: f"{tracking_server_status(name)}, {'Active' if tracking_server_active(name) else 'Inactive'}"
            for name, _, _ in DEMO_SERVERS
        }
        ctx.console.print(
            "Warm pools now: "
            + ", ".join(f"{job} {status}" for job, status in pools.items())
            + ". Tracking servers now: "
            + ", ".join(f"{name} ({status})" for name, status in servers.items())
            + "."
        )
        findings = sorted({r.action.removeprefix("finding:") for r in records if r.outcome is Outcome.FINDING})
        return {"pools": pools, "servers": servers, "findings": findings}
