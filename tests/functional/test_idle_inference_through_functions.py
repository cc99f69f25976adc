"""The idle-inference functions' remaining paths, end to end: restores through RestoreFunction,
hand-off by self-invocation, and endpoints that host inference components.

Shims (moto 5.2.5 gaps): ``lambda_async_invoke_shim`` (Invoke needs Docker),
``inference_components_shim`` (moto implements no inference components, and Application Auto Scaling
in moto rejects their ``sagemaker:inference-component:DesiredCopyCount`` dimension), and
``autoscaled_endpoint_shims`` (tools/simulator/autoscaling_shim.py: the alarms that invoke a step policy).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from moto.sagemaker.models import sagemaker_backends

from ecoguard.adapters.clients import client
from ecoguard.decisions import Mode, Outcome
from ecoguard.guardrails.scale_from_zero import ASYNC_METRIC, COMPONENT_METRIC
from ecoguard.invocation import invoke_own_function
from tests.builders.idle_endpoint import SEEDS, sweep, travel_past_grace
from tests.builders.idle_notebook import LIFECYCLE, ZERO_DAY
from tests.builders.inference_components import component_summary, described_component
from tests.conftest import ACCOUNT, REGION, Stack, lambda_async_invoke_shim, load_event, record_calls
from tools.simulator.autoscaling_shim import autoscaled_endpoint_shims
from tools.simulator.seed_inference import (
    autoscale,
    backdate,
    create_activity_lifecycle_config,
    create_endpoint,
    create_model,
    create_notebook,
    endpoint_names,
    notebook_status,
    put_invocations,
    sagemaker,
)


@pytest.fixture(autouse=True)
def step_policy_alarms() -> Iterator[None]:
    with autoscaled_endpoint_shims():
        yield


def seed_endpoints(stack: Stack) -> Stack:
    for seed in SEEDS:
        create_endpoint(seed)
    # Scaled out from zero by a step policy on its backlog: its minimum may go to 0.
    autoscale("idle-async", minimum=1, maximum=1, from_zero_alarm=ASYNC_METRIC)
    return stack


def test_given_a_deleted_endpoint_when_restored_through_the_function_then_it_serves_again(stack: Stack) -> None:
    seed_endpoints(stack)
    sweep(stack, Mode.ENFORCE, "run-1")
    travel_past_grace(stack, "idle-realtime")
    sweep(stack, Mode.ENFORCE, "run-2")
    [deleted] = [r for r in stack.records() if r.action == "delete-endpoint"]
    [done] = stack.invoke("RestoreFunction", {"action_id": deleted.action_id, "apply": True})
    assert done["outcome"] == "restored" and "idle-realtime" in endpoint_names()


def test_given_an_async_endpoint_scaled_to_zero_when_restored_through_the_function_then_its_minimum_returns(
    stack: Stack,
) -> None:
    seed_endpoints(stack)
    sweep(stack, Mode.ENFORCE, "run-1")
    [scaled] = [r for r in stack.records() if r.resource.name == "idle-async" and r.outcome is Outcome.APPLIED]
    [done] = stack.invoke("RestoreFunction", {"action_id": scaled.action_id, "apply": True})
    assert done["outcome"] == "restored"
    targets = boto3.client("application-autoscaling", region_name=REGION).describe_scalable_targets(
        ServiceNamespace="sagemaker"
    )["ScalableTargets"]
    assert [t["MinCapacity"] for t in targets if "idle-async" in t["ResourceId"]] != [0]


def test_given_a_stopped_notebook_when_restored_through_the_function_then_it_starts(stack: Stack) -> None:
    create_activity_lifecycle_config(LIFECYCLE)
    create_notebook("idle", age=timedelta(days=1), lifecycle_config=LIFECYCLE, activity=ZERO_DAY)
    sweep_event = load_event("idle_notebook/scheduled-sweep.json")
    stack.invoke("IdleNotebookFunction", sweep_event, env={"ECOGUARD_MODE": "enforce"})
    [stopped] = [r for r in stack.records() if r.outcome is Outcome.APPLIED]
    [done] = stack.invoke("RestoreFunction", {"action_id": stopped.action_id, "apply": True})
    assert done["outcome"] == "restored" and notebook_status("idle") == "InService"


def test_given_sweeps_out_of_time_in_lambda_then_each_function_invokes_itself_to_carry_on(stack: Stack) -> None:
    invoked = lambda_async_invoke_shim()
    seed_endpoints(stack)
    for function, event in (
        ("IdleEndpointFunction", "idle_endpoint/scheduled-sweep.json"),
        ("IdleNotebookFunction", "idle_notebook/scheduled-sweep.json"),
    ):
        [result] = stack.invoke(
            function,
            load_event(event),
            env={"ECOGUARD_MODE": "dry-run"},
            hand_off=invoke_own_function,
            remaining_ms=lambda: 10_000,
        )
        assert result["finished"] is False
    guardrails = [json.loads(r["body"])["ecoguard-continuation"]["guardrail"] for r in invoked]
    assert guardrails == ["idle-endpoint", "idle-notebook"]


COMPONENT = "llm-adapter-a"


def config_without_model_shim(config: str) -> None:
    """moto requires ModelName in every variant; an inference-component endpoint's config has none,
    so the name is removed from moto's stored config after creation."""
    for variant in sagemaker_backends[ACCOUNT][REGION].endpoint_configs[config].production_variants:
        variant.pop("ModelName", None)


def inference_components_shim(endpoint: str) -> list[str]:
    """Answer the inference-component calls moto lacks: one component with one copy on ``endpoint``,
    no scalable target for it yet, and the step scaling policy that brings it back from zero, invoked by a
    CloudWatch alarm on ``NoCapacityInvocationFailures`` (created in moto). Returns the operations answered,
    in order."""
    answered: list[str] = []
    alarm = f"{COMPONENT}-no-capacity"
    boto3.client("cloudwatch", region_name=REGION).put_metric_alarm(
        AlarmName=alarm,
        Namespace="AWS/SageMaker",
        MetricName=COMPONENT_METRIC,
        Dimensions=[{"Name": "InferenceComponentName", "Value": COMPONENT}],
        Statistic="Maximum",
        Period=30,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    step_policy = {
        "PolicyARN": f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:scalingPolicy:1:resource/sagemaker/"
        f"inference-component/{COMPONENT}:policyName/from-zero",
        "PolicyName": "from-zero",
        "ServiceNamespace": "sagemaker",
        "ResourceId": f"inference-component/{COMPONENT}",
        "ScalableDimension": "sagemaker:inference-component:DesiredCopyCount",
        "PolicyType": "StepScaling",
        "StepScalingPolicyConfiguration": {"AdjustmentType": "ChangeInCapacity", "StepAdjustments": []},
        "Alarms": [{"AlarmName": alarm, "AlarmARN": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{alarm}"}],
        "CreationTime": 0,
    }

    def reply(body: dict[str, Any]) -> Any:
        def hook(params: dict[str, Any], model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
            body_text = params["body"].decode() if isinstance(params["body"], bytes) else str(params["body"])
            if model.name.startswith("DescribeScal") and "inference-component" not in body_text:
                return None  # endpoint variants: moto answers
            answered.append(model.name)
            return AWSResponse("", 200, HTTPHeaders(), None), body

        return hook

    sm_events = client("sagemaker").meta.events
    sm_events.register(
        "before-call.sagemaker.ListInferenceComponents",
        reply({"InferenceComponents": [component_summary(COMPONENT, endpoint)]}),
    )
    sm_events.register(
        "before-call.sagemaker.DescribeInferenceComponent",
        # Every member the output requires (botocore's SageMaker model): the fake once answered only the name and
        # the copies, which tests/response_shapes.py rejects.
        reply(described_component(COMPONENT, endpoint)),
    )
    aas_events = client("application-autoscaling").meta.events
    aas_events.register("before-call.application-auto-scaling.DescribeScalableTargets", reply({"ScalableTargets": []}))
    aas_events.register(
        "before-call.application-auto-scaling.DescribeScalingPolicies", reply({"ScalingPolicies": [step_policy]})
    )
    return answered


def components_endpoint_in_service_for_days() -> None:
    """``components-endpoint``: one instance-backed variant whose config names no model (it hosts
    inference components), InService for 3 days."""
    create_model("components-base-model")
    sagemaker().create_endpoint_config(
        EndpointConfigName="components-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "components-base-model",
                "InstanceType": "ml.g4dn.xlarge",
                "InitialInstanceCount": 1,
                # "Scale an endpoint to zero instances": the instances go only with MinInstanceCount 0.
                "ManagedInstanceScaling": {"Status": "ENABLED", "MinInstanceCount": 0, "MaxInstanceCount": 2},
            }
        ],
    )
    sagemaker().create_endpoint(EndpointName="components-endpoint", EndpointConfigName="components-config")
    config_without_model_shim("components-config")
    backdate("endpoint", "components-endpoint", timedelta(days=3))


def test_given_an_idle_endpoint_with_inference_components_then_dry_run_plans_their_scale_to_zero(
    stack: Stack,
) -> None:
    components_endpoint_in_service_for_days()
    answered = inference_components_shim("components-endpoint")
    sweep(stack, Mode.DRY_RUN, "run-1")
    assert {
        "ListInferenceComponents",
        "DescribeInferenceComponent",
        "DescribeScalableTargets",
        "DescribeScalingPolicies",
    } <= set(answered)
    planned = [r for r in stack.records() if r.resource.name == "components-endpoint"]
    assert planned and all(r.outcome is Outcome.WOULD_APPLY for r in planned)
    assert COMPONENT in json.dumps([r.after for r in planned])


def test_given_a_busy_endpoint_with_inference_components_then_it_is_still_described_and_its_copies_planned(
    stack: Stack,
) -> None:
    # Traffic never spares an endpoint that hosts inference components (their copies get a minimum of 0
    # whatever the traffic): the account-wide ListInferenceComponents names it, so it is described.
    components_endpoint_in_service_for_days()
    put_invocations("components-endpoint", {"AllTraffic": 12})
    answered = inference_components_shim("components-endpoint")
    calls = record_calls("sagemaker")
    sweep(stack, Mode.DRY_RUN, "run-1")
    assert [p for op, p in calls.params if op == "ListInferenceComponents"] == [
        {"MaxResults": 100},  # account-wide: which endpoints host components
        {"EndpointNameEquals": "components-endpoint", "MaxResults": 100},  # this one's, once described
    ]
    assert [p["EndpointName"] for op, p in calls.params if op == "DescribeEndpoint"] == ["components-endpoint"]
    assert "DescribeInferenceComponent" in answered
    [planned] = [r for r in stack.records() if r.resource.name == "components-endpoint"]
    assert (planned.action, planned.outcome) == ("scale-copies-to-zero", Outcome.WOULD_APPLY)
    assert COMPONENT in planned.after


def test_given_an_idle_mark_when_restored_through_the_function_then_the_tag_is_removed(stack: Stack) -> None:
    seed_endpoints(stack)
    sweep(stack, Mode.ENFORCE, "run-1")
    [mark] = [r for r in stack.records() if r.action == "mark-idle" and r.outcome is Outcome.APPLIED]
    [done] = stack.invoke("RestoreFunction", {"action_id": mark.action_id, "apply": True})
    assert done["outcome"] == "restored"
    arn = sagemaker().describe_endpoint(EndpointName=mark.resource.name)["EndpointArn"]
    assert "ecoguard:idle-since" not in {t["Key"] for t in sagemaker().list_tags(ResourceArn=arn)["Tags"]}


def test_given_an_async_endpoint_with_its_own_scaling_when_restored_then_the_owners_minimum_returns(
    stack: Stack,
) -> None:
    seed_endpoints(stack)
    autoscaling = boto3.client("application-autoscaling", region_name=REGION)
    autoscaling.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId="endpoint/idle-async/variant/AllTraffic",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=1,
        MaxCapacity=3,
    )
    sweep(stack, Mode.ENFORCE, "run-1")
    [scaled] = [r for r in stack.records() if r.resource.name == "idle-async" and r.outcome is Outcome.APPLIED]
    [done] = stack.invoke("RestoreFunction", {"action_id": scaled.action_id, "apply": True})
    assert done["outcome"] == "restored"
    [restored] = autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
    assert (restored["MinCapacity"], restored["MaxCapacity"]) == (1, 3)
