"""Scale to zero only where it works, and what a deletion must be able to undo (pure decisions, no AWS).

Sources: SageMaker Developer Guide, "Autoscale an asynchronous endpoint" (a step scaling policy on
``HasBacklogWithoutCapacity`` scales out from zero; the target-tracking policy on
``ApproximateBacklogSizePerInstance`` scales in) and "Scale an endpoint to zero instances" (inference
components: a step scaling policy on ``NoCapacityInvocationFailures``, and the endpoint configuration's
``ManagedInstanceScaling.MinInstanceCount`` 0 for its instances to go).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from ecoguard.decisions import Finding, PlannedAction, Skip
from ecoguard.guardrails.idle_endpoint import (
    SCALE_COPIES_TO_ZERO,
    SCALE_TO_ZERO,
    Component,
    IdleMark,
    decide_endpoint,
    restore_state,
)
from ecoguard.guardrails.scale_from_zero import (
    ASYNC_METRIC,
    ASYNC_SCALE_IN_METRIC,
    COMPONENT_METRIC,
    ScalableTarget,
    Scaling,
    ScalingPolicy,
    as_record,
    from_record,
    missing_scale_from_zero_policy,
    missing_scale_in_policy,
)
from ecoguard.policy import IdleEndpointsPolicy
from tests.builders.endpoint_snapshots import endpoint
from tests.unit.fakes import NOW

POLICY = IdleEndpointsPolicy()
VARIANT = "endpoint/churn/variant/AllTraffic"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"
STEP = {"StepScalingPolicyConfiguration": {"AdjustmentType": "ChangeInCapacity", "StepAdjustments": []}}
TRACKING = {"TargetTrackingScalingPolicyConfiguration": {"TargetValue": 70.0}}


def policy(kind: str, metrics: tuple[str, ...] = (), resource: str = VARIANT) -> ScalingPolicy:
    configuration = STEP if kind == "StepScaling" else TRACKING
    return ScalingPolicy(resource, DIMENSION, f"{kind}-policy", kind, metrics, configuration)


def test_given_a_step_policy_on_the_backlog_metric_then_an_async_variant_comes_back_from_zero() -> None:
    scaling = Scaling(policies=(policy("StepScaling", (ASYNC_METRIC,)),))
    assert missing_scale_from_zero_policy(scaling, VARIANT, "async-variant") is None


def test_given_target_tracking_alone_then_the_missing_step_policy_is_named() -> None:
    # With target tracking alone, an async endpoint at zero waits until the backlog exceeds the target value.
    scaling = Scaling(policies=(policy("TargetTrackingScaling"),))
    missing = missing_scale_from_zero_policy(scaling, VARIANT, "async-variant")
    assert missing is not None and ASYNC_METRIC in missing and VARIANT in missing


def test_given_a_step_policy_on_another_metric_or_another_scalable_then_it_does_not_count() -> None:
    other_metric = Scaling(policies=(policy("StepScaling", ("CPUUtilization",)),))
    other_variant = Scaling(policies=(policy("StepScaling", (ASYNC_METRIC,), "endpoint/churn/variant/blue"),))
    assert missing_scale_from_zero_policy(other_metric, VARIANT, "async-variant")
    assert missing_scale_from_zero_policy(other_variant, VARIANT, "async-variant")


def test_given_an_inference_component_then_its_policy_watches_no_capacity_invocation_failures() -> None:
    component = "inference-component/llama"
    ready = Scaling(policies=(policy("StepScaling", (COMPONENT_METRIC,), component),))
    backlog = Scaling(policies=(policy("StepScaling", (ASYNC_METRIC,), component),))
    assert missing_scale_from_zero_policy(ready, component, "inference-component") is None
    assert COMPONENT_METRIC in (missing_scale_from_zero_policy(backlog, component, "inference-component") or "")


def test_given_an_async_endpoint_without_the_policy_then_a_finding_and_no_savings() -> None:
    stranded = endpoint(asynchronous=True, scale_from_zero=False)
    [decision] = decide_endpoint(stranded, 0.0, IdleMark(), POLICY, NOW).decisions
    assert isinstance(decision, Finding) and decision.kind == "no-scale-from-zero-policy"
    assert decision.impact is None and ASYNC_METRIC in decision.reason
    ready = decide_endpoint(endpoint(asynchronous=True), 0.0, IdleMark(), POLICY, NOW).decisions[0]
    assert isinstance(ready, PlannedAction) and ready.action == SCALE_TO_ZERO and ready.impact


def test_given_components_without_the_policy_then_a_finding_and_nothing_planned() -> None:
    hosted = endpoint(inference_components=True, components=(Component("llama", 2),), scale_from_zero=False)
    plan = decide_endpoint(hosted, 0.0, IdleMark(), POLICY, NOW)
    [decision] = plan.decisions
    assert isinstance(decision, Finding) and COMPONENT_METRIC in decision.reason and not plan.actions
    ready = endpoint(inference_components=True, components=(Component("llama", 2),))
    assert decide_endpoint(ready, 0.0, IdleMark(), POLICY, NOW).actions[0].action == SCALE_COPIES_TO_ZERO


def test_given_its_model_gone_then_the_deletion_is_a_skip_that_says_why() -> None:
    idle = endpoint(tags={"team": "nlp"})
    gone = type(idle)(**{**idle.__dict__, "gone_parts": ("model churn-model",)})
    past_grace = IdleMark(NOW - timedelta(hours=7), 1)
    [decision] = decide_endpoint(gone, 0.0, past_grace, POLICY, NOW).decisions
    assert isinstance(decision, Skip)
    assert "model churn-model" in decision.reason and "could not be undone" in decision.reason
    [deletion] = decide_endpoint(idle, 0.0, past_grace, POLICY, NOW).actions
    assert deletion.action == "delete-endpoint"


def test_given_aws_tags_and_autoscaling_then_the_restore_state_keeps_what_can_be_put_back() -> None:
    # aws: tags are AWS's own (CloudFormation's, for one): CreateEndpoint refuses a caller that passes them.
    scaling = Scaling(
        (ScalableTarget(VARIANT, DIMENSION, 1, 4),),
        (policy("TargetTrackingScaling"), policy("StepScaling", ("CPUUtilization",))),
    )
    tagged = endpoint(tags={"team": "nlp", "aws:cloudformation:stack-name": "ml", "AWS:other": "x"})
    state = restore_state(type(tagged)(**{**tagged.__dict__, "autoscaling": scaling}))
    assert state["Tags"] == {"team": "nlp"}
    assert from_record(state["Autoscaling"]) == scaling
    assert as_record(from_record(state["Autoscaling"])) == state["Autoscaling"]
    assert "Autoscaling" not in restore_state(endpoint()), "none recorded where there is none"


def test_given_an_exempt_async_endpoint_then_no_scalable_target_change_is_planned() -> None:
    # No IAM statement can guard a scalable target (they carry no tags): this check is the only one.
    exempt = endpoint(asynchronous=True, tags={"ecoguard:exempt": "true"})
    [decision] = decide_endpoint(exempt, 0.0, IdleMark(), POLICY, NOW).decisions
    assert isinstance(decision, Skip) and "exempt" in decision.reason


def backlog_tracking(resource: str = VARIANT) -> ScalingPolicy:
    """The target-tracking policy of "Autoscale an asynchronous endpoint": ApproximateBacklogSizePerInstance."""
    configuration = {
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": 5.0,
            "CustomizedMetricSpecification": {
                "MetricName": ASYNC_SCALE_IN_METRIC,
                "Namespace": "AWS/SageMaker",
                "Dimensions": [{"Name": "EndpointName", "Value": "churn"}],
                "Statistic": "Average",
            },
        }
    }
    return ScalingPolicy(resource, DIMENSION, "backlog", "TargetTrackingScaling", (), configuration)


def test_given_an_async_variant_with_only_the_step_policy_then_nothing_scales_it_in_and_no_minimum_is_set() -> None:
    step_only = Scaling(policies=(policy("StepScaling", (ASYNC_METRIC,)),))
    assert ASYNC_SCALE_IN_METRIC in (missing_scale_in_policy(step_only, VARIANT) or "")
    other_metric = Scaling(policies=(policy("TargetTrackingScaling"),))
    assert missing_scale_in_policy(other_metric, VARIANT) is not None
    both = Scaling(policies=(policy("StepScaling", (ASYNC_METRIC,)), backlog_tracking()))
    assert missing_scale_in_policy(both, VARIANT) is None
    stranded = replace(endpoint(asynchronous=True), autoscaling=step_only)
    plan = decide_endpoint(stranded, 0.0, IdleMark(), POLICY, NOW)
    [decision] = plan.decisions
    assert isinstance(decision, Finding) and ASYNC_SCALE_IN_METRIC in decision.reason
    assert not plan.actions and decision.impact is None, "no saving booked"


@pytest.mark.parametrize("floor", [1, None])
def test_given_components_whose_endpoint_keeps_its_instances_then_a_finding_and_nothing_planned(
    floor: int | None,
) -> None:
    kept = endpoint(inference_components=True, components=(Component("llama", 2),), instance_floor=floor)
    plan = decide_endpoint(kept, 0.0, IdleMark(), POLICY, NOW)
    [decision] = plan.decisions
    assert isinstance(decision, Finding) and "MinInstanceCount" in decision.reason and not plan.actions
