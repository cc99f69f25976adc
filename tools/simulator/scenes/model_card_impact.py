"""Demo scene: a completed training job's energy and carbon written into its SageMaker model card."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3

from ecoguard.decisions import Mode, Outcome
from ecoguard.guardrails.model_card_impact import custom_details_of
from tools.simulator.identity import ACCOUNT, REGION
from tools.simulator.scenes.context import DemoContext
from tools.simulator.template import ROOT
from tools.simulator.training_jobs import billable_time_shim

JOB = "churn-xgboost-2026-11-20"
CARD = "churn-xgboost-card"
EVENT = ROOT / "events" / "training_guard" / "training-job-state-change.json"
BILLABLE_SECONDS = 5 * 3600


def completed_event(mode: Mode) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(json.loads(EVENT.read_text()))
    event["id"] = f"demo-completed-{mode.value}"
    event["account"], event["region"] = ACCOUNT, REGION
    event["detail"].update(TrainingJobName=JOB, TrainingJobStatus="Completed", SecondaryStatus="Completed")
    return event


def custom_details() -> dict[str, str]:
    raw = boto3.client("sagemaker", region_name=REGION).describe_model_card(ModelCardName=CARD)
    return custom_details_of(json.loads(raw["Content"]))


class ModelCardImpactScene:
    title = "TrainingGuardFunction: a completed job's carbon in its model card"
    guardrail = "model-card-impact"

    def seed(self, ctx: DemoContext) -> str:
        sm = boto3.client("sagemaker", region_name=REGION)
        sm.create_training_job(  # moto completes it at once, which is what this scene needs
            TrainingJobName=JOB,
            AlgorithmSpecification={"TrainingImage": "xgboost:1.7", "TrainingInputMode": "File"},
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/sagemaker-training",
            OutputDataConfig={"S3OutputPath": "s3://ml-model-artifacts/churn/"},
            ResourceConfig={"InstanceType": "ml.g5.2xlarge", "InstanceCount": 2, "VolumeSizeInGB": 50},
            StoppingCondition={"MaxRuntimeInSeconds": 8 * 3600},
        )
        arn = sm.describe_training_job(TrainingJobName=JOB)["TrainingJobArn"]
        content = {
            "model_overview": {"model_id": "churn-xgboost", "model_description": "Churn propensity, weekly"},
            "training_details": {"training_job_details": {"training_arn": arn}},
            "additional_information": {"custom_details": {"owner": "growth-ml"}},
        }
        sm.create_model_card(ModelCardName=CARD, Content=json.dumps(content), ModelCardStatus="Draft")
        billable_time_shim(BILLABLE_SECONDS)
        return f"a completed training job ({JOB}, 2 x ml.g5.2xlarge, 5 h) and the model card {CARD} that references it"

    def run(self, ctx: DemoContext, mode: Mode) -> dict[str, Any]:
        routed = ctx.deliver(completed_event(mode), mode)
        records = [r for r in ctx.audit.records(self.guardrail) if r.mode is mode]
        details = custom_details()
        written = {k: v for k, v in details.items() if k.startswith(("co2_eq", "energy"))}
        ctx.console.print(
            f"A Completed event for {JOB} was routed by EventBridge to {[d.function for d in routed]}: "
            f"{', '.join(r.outcome.value for r in records) or 'nothing'}."
        )
        if written:
            for key in ("co2_eq_emissions_emissions_grams", "energy_kwh", "co2_eq_emissions_hardware_used"):
                ctx.console.print(f"  model card {CARD}: {key} = {details[key]}")
        else:
            ctx.console.print(f"  model card {CARD} unchanged (dry-run)")
        return {"written": bool(written), "applied": sum(r.outcome is Outcome.APPLIED for r in records)}
