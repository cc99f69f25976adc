"""The autoscaling adapter's whole-configuration read and its putting back, against botocore Stubbers: request
shapes as the Application Auto Scaling and CloudWatch API references give them (DescribeScalingPolicies
takes one ResourceId and at most 10 a page; a step policy names its alarms, whose metric DescribeAlarms gives)."""

from __future__ import annotations

from typing import Final

from botocore.stub import Stubber

from ecoguard.adapters.autoscaling import AutoScalingAdapter
from ecoguard.guardrails.scale_from_zero import ASYNC_METRIC, ScalableTarget
from tests.builders.clients import offline

RESOURCE = "endpoint/ep/variant/AllTraffic"
DIMENSION: Final = "sagemaker:variant:DesiredInstanceCount"
SCALABLE = {"ServiceNamespace": "sagemaker", "ResourceId": RESOURCE, "ScalableDimension": DIMENSION}
STEP = {
    "AdjustmentType": "ChangeInCapacity",
    "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}],
}
ALARM_ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ep-backlog"


def described_policy(name: str, kind: str, **extra: object) -> dict[str, object]:
    return {
        "PolicyARN": f"arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1:resource/sagemaker/{RESOURCE}"
        f":policyName/{name}",
        "PolicyName": name,
        "PolicyType": kind,
        "CreationTime": "2026-01-01T00:00:00Z",
        **SCALABLE,
        **extra,
    }


def test_given_an_endpoint_with_two_pages_of_policies_then_targets_policies_and_alarm_metrics_are_read() -> None:
    aas, cw = offline("application-autoscaling"), offline("cloudwatch")
    with Stubber(aas) as scaling, Stubber(cw) as alarms:
        target = {
            **SCALABLE,
            "MinCapacity": 1,
            "MaxCapacity": 4,
            "RoleARN": "r",
            "CreationTime": "2026-01-01T00:00:00Z",
        }
        scaling.add_response(
            "describe_scalable_targets",
            {"ScalableTargets": [target]},
            {
                "ServiceNamespace": "sagemaker",
                "ResourceIds": [RESOURCE],
                "ScalableDimension": DIMENSION,
                "MaxResults": 50,
            },
        )
        tracking = {
            "TargetValue": 70.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
        }
        scaling.add_response(
            "describe_scaling_policies",
            {
                "ScalingPolicies": [
                    described_policy(
                        "tracking", "TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration=tracking
                    )
                ],
                "NextToken": "page-2",
            },
            {**SCALABLE, "MaxResults": 10},
        )
        step = described_policy(
            "from-zero",
            "StepScaling",
            StepScalingPolicyConfiguration=STEP,
            Alarms=[{"AlarmName": "ep-backlog", "AlarmARN": ALARM_ARN}],
        )
        scaling.add_response(
            "describe_scaling_policies",
            {"ScalingPolicies": [step]},
            {**SCALABLE, "MaxResults": 10, "NextToken": "page-2"},
        )
        alarms.add_response(
            "describe_alarms",
            {"MetricAlarms": [{"AlarmName": "ep-backlog", "AlarmArn": ALARM_ARN, "MetricName": ASYNC_METRIC}]},
            {"AlarmNames": ["ep-backlog"], "MaxRecords": 100},
        )
        read = AutoScalingAdapter(aas, cw).scaling({RESOURCE: DIMENSION})
        scaling.assert_no_pending_responses()
        alarms.assert_no_pending_responses()
    assert read.targets == (ScalableTarget(RESOURCE, DIMENSION, 1, 4),)
    assert [(p.name, p.policy_type, p.alarm_metrics) for p in read.policies] == [
        ("tracking", "TargetTrackingScaling", ()),
        ("from-zero", "StepScaling", (ASYNC_METRIC,)),
    ]
    assert read.policies[1].configuration == {"StepScalingPolicyConfiguration": STEP}

    # Put back as read: the target registered, each policy put with its own configuration.
    aas2 = offline("application-autoscaling")
    with Stubber(aas2) as putting:
        putting.add_response("register_scalable_target", {}, {**SCALABLE, "MinCapacity": 1, "MaxCapacity": 4})
        putting.add_response(
            "put_scaling_policy",
            {"PolicyARN": "arn:new-1"},
            {
                **SCALABLE,
                "PolicyName": "tracking",
                "PolicyType": "TargetTrackingScaling",
                "TargetTrackingScalingPolicyConfiguration": tracking,
            },
        )
        putting.add_response(
            "put_scaling_policy",
            {"PolicyARN": "arn:new-2"},
            {
                **SCALABLE,
                "PolicyName": "from-zero",
                "PolicyType": "StepScaling",
                "StepScalingPolicyConfiguration": STEP,
            },
        )
        AutoScalingAdapter(aas2).put_back(read)
        putting.assert_no_pending_responses()


def test_given_no_cloudwatch_client_then_no_alarm_metric_is_known_and_none_is_called() -> None:
    aas = offline("application-autoscaling")
    with Stubber(aas) as scaling:
        scaling.add_response("describe_scalable_targets", {"ScalableTargets": []})
        step = described_policy(
            "from-zero",
            "StepScaling",
            StepScalingPolicyConfiguration=STEP,
            Alarms=[{"AlarmName": "a", "AlarmARN": ALARM_ARN}],
        )
        scaling.add_response("describe_scaling_policies", {"ScalingPolicies": [step]})
        read = AutoScalingAdapter(aas).scaling({RESOURCE: DIMENSION})
    assert read.policies[0].alarm_metrics == ()
