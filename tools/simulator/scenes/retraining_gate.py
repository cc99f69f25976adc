"""Demo scene: the retraining gate. A model whose f1 KPI breaches twice and retrains once, a
drift-only blip that only notifies, the same alarm delivered twice, and a confirmed breach
inside the cooldown that is refused with its reason."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import yaml
from rich.table import Table

from ecoguard.decisions import Mode
from tools.simulator.alarms import as_cloudwatch_reported
from tools.simulator.identity import ACCOUNT, REGION
from tools.simulator.scenes.context import Delivery, DemoContext
from tools.simulator.template import ROOT

EVENTS = ROOT / "events" / "retraining_gate"
PIPELINE = "churn-retrain"
MODEL = {
    "name": "churn",
    "endpoint": "churn-prod",
    "monitoring_schedule": "churn-model-quality",
    "kpis": [{"metric": "f1", "threshold": 0.8, "breach_when": "below"}],
    "confirm_breaches": 2,
    "pipeline": {"name": PIPELINE, "parameters": {"TrainingInstanceType": "ml.m5.xlarge"}},
    "cooldown_days": 7,
    "max_starts_per_day": 1,
}


def _event(name: str, mode: Mode, step: int) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(json.loads((EVENTS / name).read_text()))
    # Event ids differ per mode: the audit trail keys decisions by event id.
    event["id"] = f"demo-{mode.value}-{step:02d}-{name.removesuffix('.json')}"
    event["region"], event["account"] = REGION, ACCOUNT
    event["detail"]["state"]["timestamp"] = f"2026-11-{step:02d}T17:04:40.989+0000"
    return as_cloudwatch_reported(event)  # the gate confirms each transition with CloudWatch


class RetrainingGateScene:
    title = "RetrainingGateFunction: retrain only on a confirmed KPI breach"
    guardrail = "retraining-gate"

    def seed(self, ctx: DemoContext) -> str:
        sagemaker = boto3.client("sagemaker", region_name=REGION)
        sagemaker.create_pipeline(
            PipelineName=PIPELINE,
            PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": []}),
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/SageMakerPipelines",
            ClientRequestToken="ecoguard-demo-create-pipeline-churn-retrain",
        )
        ssm = boto3.client("ssm", region_name=REGION)
        name = ctx.resolver.refs["PolicyParameter"]
        policy = yaml.safe_load(ssm.get_parameter(Name=name)["Parameter"]["Value"]) or {}
        policy["retraining_gate"] = {"models": [MODEL]}
        ssm.put_parameter(Name=name, Value=json.dumps(policy), Overwrite=True, Type="String")
        return f"pipeline {PIPELINE}; policy: retrain model churn when f1 < 0.8 on 2 consecutive alarms, 7-day cooldown"

    def run(self, ctx: DemoContext, mode: Mode) -> dict[str, Any]:
        sagemaker = boto3.client("sagemaker", region_name=REGION)
        before = len(sagemaker.list_pipeline_executions(PipelineName=PIPELINE)["PipelineExecutionSummaries"])
        steps = [
            ("f1 alarm: breach 1", _event("model-quality-kpi-alarm.json", mode, 1)),
            ("drift alarm on feature tenure", _event("data-drift-alarm.json", mode, 2)),
            ("f1 alarm: breach 2", _event("model-quality-kpi-alarm.json", mode, 3)),
            ("f1 alarm: breach 3", _event("model-quality-kpi-alarm.json", mode, 4)),
            ("f1 alarm: breach 4", _event("model-quality-kpi-alarm.json", mode, 5)),
            ("unrelated EC2 alarm", _event("alarm-single-metric-ec2.json", mode, 6)),
        ]
        table = Table(title=f"retraining-gate, {mode.value}", title_justify="left")
        table.add_column("event")
        table.add_column("outcome", style="bold")
        outcomes: dict[str, str] = {}
        delivered: dict[str, list[Delivery]] = {}
        for label, event in steps:
            delivered[label] = ctx.deliver(event, mode)
            outcomes[label] = _outcome(delivered[label])
            table.add_row(label, outcomes[label])
        label = "f1 alarm: breach 2, same event delivered again"
        outcomes[label] = _outcome(ctx.redeliver(delivered["f1 alarm: breach 2"], mode))
        table.add_row(label, outcomes[label])
        ctx.console.print(table)
        records = [r for r in ctx.audit.records(self.guardrail) if r.mode is mode]
        for record in records:
            ctx.console.print(f"  {record.outcome.value}: {record.reason}")
        after = len(sagemaker.list_pipeline_executions(PipelineName=PIPELINE)["PipelineExecutionSummaries"])
        ctx.console.print(
            f"Pipeline executions started: [bold]{after - before}[/]"
            + (" (dry-run starts nothing)" if mode is Mode.DRY_RUN else "")
        )
        return {"started": after - before, "outcomes": outcomes, "records": len(records)}


_OUTCOMES = ("applied", "would-apply", "skipped", "finding", "duplicate", "failed")


def _outcome(deliveries: list[Delivery]) -> str:
    found = [k for d in deliveries for r in d.results for k in r if k in _OUTCOMES and r[k]]
    return ", ".join(found) or "ignored (no model in the policy)"
