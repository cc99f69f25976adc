"""TrainingGuardFunction beyond the guard itself: a completed job's carbon in its model card, tuning-job
advice, the sweep's self-invocation, and restores through RestoreFunction.

Shims (moto 5.2.5 gaps): ``billable_time_shim`` (DescribeTrainingJob has no BillableTimeInSeconds),
``hold_tuning_job_in_progress`` (tuning jobs are Completed the moment they are created),
``lambda_async_invoke_shim`` (Invoke needs Docker), and tools/simulator/training_jobs.py.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import boto3
from moto.sagemaker.models import sagemaker_backends

from ecoguard.decisions import Outcome
from ecoguard.invocation import invoke_own_function
from tests.builders.model_cards import card, model_card, training_job
from tests.conftest import ACCOUNT, REGION, Stack, lambda_async_invoke_shim, load_event
from tools.simulator.training_jobs import DEMO_JOBS, RunningTrainingJobs, billable_time_shim, seed_training_jobs

FN = "TrainingGuardFunction"


def completed_event(name: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("training_guard/training-job-state-change.json"))
    event["id"] = f"completed-{name}"
    event["detail"].update(TrainingJobName=name, TrainingJobStatus="Completed", SecondaryStatus="Completed")
    return event


def test_given_a_completed_job_with_a_model_card_then_the_card_gets_its_carbon_estimate(stack: Stack) -> None:
    billable_time_shim(5400)
    model_card("fraud-card", training_job("fraud-train", "ml.p3.2xlarge", 1))
    [dry] = stack.invoke(FN, completed_event("fraud-train"), env={"ECOGUARD_MODE": "dry-run"})
    assert dry["would-apply"] == 1 and card("fraud-card")["version"] == 1
    [result] = stack.invoke(FN, completed_event("fraud-train") | {"id": "again"}, env={"ECOGUARD_MODE": "enforce"})
    assert result["guardrail"] == "model-card-impact" and result["applied"] == 1
    details = card("fraud-card")["content"]["additional_information"]["custom_details"]
    assert details["co2_eq_emissions_hardware_used"] == "1 x ml.p3.2xlarge (1 x NVIDIA V100 each)"
    assert float(details["energy_kwh"]) > 0


def test_given_a_model_card_update_when_restored_through_the_function_then_the_old_details_return(
    stack: Stack,
) -> None:
    billable_time_shim(3600)
    model_card("fraud-card", training_job("fraud-train"))
    stack.invoke(FN, completed_event("fraud-train"), env={"ECOGUARD_MODE": "enforce"})
    [applied] = [r for r in stack.records() if r.outcome is Outcome.APPLIED]
    [done] = stack.invoke("RestoreFunction", {"action_id": applied.action_id, "apply": True})
    assert done["outcome"] == "restored"
    assert card("fraud-card")["content"]["additional_information"]["custom_details"] == {"team": "growth"}


def hold_tuning_job_in_progress(name: str) -> None:
    sagemaker_backends[ACCOUNT][REGION].hyper_parameter_tuning_jobs[
        name
    ].hyper_parameter_tuning_job_status = "InProgress"


def test_given_a_random_search_tuning_job_in_progress_then_the_sweep_records_advice(stack: Stack) -> None:
    boto3.client("sagemaker", region_name=REGION).create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="ctr-hpo",
        HyperParameterTuningJobConfig={
            "Strategy": "Random",
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 20, "MaxParallelTrainingJobs": 2},
        },
        TrainingJobDefinition={
            "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
            "RoleArn": "arn:aws:iam::123456789012:role/training",
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
            "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        },
    )
    hold_tuning_job_in_progress("ctr-hpo")
    stack.invoke(FN, load_event("training_guard/scheduled-sweep.json"), env={"ECOGUARD_MODE": "dry-run"})
    kinds = {r.action for r in stack.records() if r.resource.name == "ctr-hpo"}
    assert kinds == {"finding:tuning-not-bayesian", "finding:tuning-no-early-stopping"}


def test_given_a_sweep_out_of_time_in_lambda_then_it_invokes_itself_to_carry_on(stack: Stack) -> None:
    invoked = lambda_async_invoke_shim()
    with RunningTrainingJobs.install():
        seed_training_jobs(DEMO_JOBS, datetime.now(UTC))
        [result] = stack.invoke(
            FN,
            load_event("training_guard/scheduled-sweep.json"),
            env={"ECOGUARD_MODE": "dry-run"},
            hand_off=invoke_own_function,
            remaining_ms=lambda: 10_000,
        )
    assert result["finished"] is False
    [request] = invoked
    assert json.loads(request["body"])["ecoguard-continuation"]["guardrail"] == "training-guard"


def test_given_a_stopped_job_when_restored_through_the_function_then_it_is_recreated(stack: Stack) -> None:
    with RunningTrainingJobs.install():
        seed_training_jobs(DEMO_JOBS, datetime.now(UTC))
        stack.invoke(FN, load_event("training_guard/scheduled-sweep.json"), env={"ECOGUARD_MODE": "enforce"})
        stopped = next(r for r in stack.records() if r.outcome is Outcome.APPLIED and r.guardrail == "training-guard")
        [done] = stack.invoke("RestoreFunction", {"action_id": stopped.action_id, "apply": True})
    assert done["outcome"] == "restored"
    sm = boto3.client("sagemaker", region_name=REGION)
    assert sm.describe_training_job(TrainingJobName=f"{stopped.resource.name}-restored-1")["TrainingJobArn"]
