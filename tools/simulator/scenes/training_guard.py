"""Demo scene: SageMaker training jobs, one busy, one idle, one in warm-up, one on CPUs."""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import boto3
from rich.table import Table

from ecoguard.audit import AuditRecord
from ecoguard.decisions import Mode, Outcome
from tools.simulator.identity import ACCOUNT, REGION
from tools.simulator.scenes.context import DemoContext
from tools.simulator.template import ROOT
from tools.simulator.training_jobs import DEMO_JOBS, RunningTrainingJobs, seed_training_jobs, with_teams

FUNCTION = "TrainingGuardFunction"
STATE_CHANGE_EVENT = ROOT / "events" / "training_guard" / "training-job-state-change.json"


def in_progress_event(name: str, mode: Mode) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(json.loads(STATE_CHANGE_EVENT.read_text()))
    event["id"] = f"demo-{name}-{mode.value}"
    event["region"], event["account"] = REGION, ACCOUNT
    event["resources"] = [f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/{name}"]
    event["detail"].update(TrainingJobName=name, TrainingJobStatus="InProgress", SecondaryStatus="Training")
    return event


def job_table(title: str, records: list[AuditRecord]) -> Table:
    by_job: dict[str, list[AuditRecord]] = defaultdict(list)
    for record in records:
        by_job[record.resource.name].append(record)
    statuses = {
        j.name: boto3.client("sagemaker", region_name=REGION).describe_training_job(TrainingJobName=j.name)[
            "TrainingJobStatus"
        ]
        for j in DEMO_JOBS
    }
    table = Table(title=title, title_justify="left")
    for column in ("job", "instances", "status now", "decision", "findings"):
        table.add_column(column)
    for job in DEMO_JOBS:
        rows = by_job.get(job.name, [])
        stops = [r for r in rows if r.outcome is not Outcome.FINDING]
        decision = "\n".join(f"{r.outcome.value}: {r.reason}" for r in stops) or "none (busy, or in warm-up)"
        findings = ", ".join(sorted(r.action.removeprefix("finding:") for r in rows if r.outcome is Outcome.FINDING))
        table.add_row(
            job.name,
            f"{job.instance_count} x {job.instance_type}",
            statuses[job.name],
            decision,
            findings or "(recorded earlier)",
        )
    return table


class TrainingGuardScene:
    title = "TrainingGuardFunction: idle SageMaker training jobs"
    guardrail = "training-guard"

    def seed(self, ctx: DemoContext) -> str:
        seed_training_jobs(with_teams(DEMO_JOBS), datetime.now(UTC))
        return (
            f"{len(DEMO_JOBS)} training jobs held InProgress by the moto shim (busy p4d, idle g5 x2, "
            "one 10 minutes into warm-up, an idle CPU job), with per-host utilization in CloudWatch"
        )

    def run(self, ctx: DemoContext, mode: Mode) -> dict[str, Any]:
        # moto has no StopTrainingJob: the named shim supplies it while the function runs.
        with RunningTrainingJobs.install():
            sweep = ctx.invoke(FUNCTION, ctx.router.scheduled_event(FUNCTION), mode)
            routed = ctx.deliver(in_progress_event("bert-warming-up", mode), mode)
        records = [r for r in ctx.audit.records(self.guardrail) if r.mode is mode]
        ctx.console.print(
            f"15-minute sweep: {len(sweep)} invocation(s). An InProgress event for bert-warming-up was routed by "
            f"EventBridge to {[d.function for d in routed]}: still in warm-up, no decision."
        )
        ctx.console.print(job_table(f"training-guard, {mode.value}", records))
        stopped = sorted(r.resource.name for r in records if r.outcome is Outcome.APPLIED)
        would = sorted(r.resource.name for r in records if r.outcome is Outcome.WOULD_APPLY)
        return {"stopped": stopped, "would_stop": would, "records": len(records)}
