"""The calls each function makes, and a sample resource for each, for ``ecoguard doctor`` to simulate.

A function's calls are its action units' ``permissions`` (``ecoguard/actions/*.py``; the RestoreFunction
makes every unit's ``restore_permissions``) and the reads and plumbing below, which are the function's own.
tests/template/test_doctor_calls.py holds this table to template.yaml's grants (as SAM expands them), so
it changes when the template does.

The sample resources are ARNs of the kind each action acts on, named ``ecoguard-doctor-sample`` where the
resource is one the stack does not own (AWS simulates resources that do not exist: IAM API Reference,
SimulatePrincipalPolicy), and the stack's own resources where it does. ``*`` for actions without a resource
type (Service Authorization Reference); tests/template/test_doctor_calls.py checks each sample against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecoguard.actions import registries
from ecoguard.units import ActionUnit

RESTORE_FUNCTION = "RestoreFunction"
SAMPLE = "ecoguard-doctor-sample"

STACK_PLUMBING = frozenset({"sqs:SendMessage"})  # Lambda sends failed asynchronous events to the DLQ
NOTIFY = frozenset({"sns:Publish", "kms:GenerateDataKey", "kms:Decrypt"})  # SNS encrypts with the topic's key
# An enforce record is signed as it is written (ecoguard/record_mac.py, the stack's AuditRecordKey).
AUDIT = frozenset({"dynamodb:GetItem", "dynamodb:PutItem", "kms:GenerateMac"})
SWEEP = frozenset({"ssm:GetParameter", "lambda:InvokeFunction"})  # read the policy; hand the sweep on
# A sweep's first invocation, and the retraining gate on each event it judges, find the guardrail's records
# left pending (ecoguard/settle.py, by-pending index).
SETTLE = frozenset({"dynamodb:Query"})
STATE = AUDIT | {"dynamodb:DeleteItem"}  # idle marks and open findings (ecoguard/state.py) in the audit table
PAGE_STATE = frozenset({"dynamodb:BatchGetItem"})  # a listed page's state items read together (StateStore.get_many)
# Not calls the function makes itself: Application Auto Scaling checks that the caller of RegisterScalableTarget
# may make these on the endpoint variant or inference component it registers (Application Auto Scaling User
# Guide, "Identity-based policy examples", permissions for SageMaker AI); DescribeEndpoint, DescribeEndpointConfig
# and DescribeInferenceComponent are among them (the idle-endpoint function's own reads; the restore's only check).
SCALABLE_TARGET_CHECKS = frozenset(
    {"sagemaker:UpdateEndpointWeightsAndCapacities", "sagemaker:UpdateInferenceComponentRuntimeConfig"}
)

# Function logical id -> the calls it makes besides its action units'.
FUNCTION_CALLS: Mapping[str, frozenset[str]] = {
    "LogRetentionFunction": STACK_PLUMBING | NOTIFY | AUDIT | SWEEP | SETTLE
    | {"logs:DescribeLogGroups", "logs:ListTagsForResource", "tag:GetResources"},
    "TrainingGuardFunction": STACK_PLUMBING | NOTIFY | PAGE_STATE | AUDIT | SWEEP | SETTLE
    | {"cloudwatch:GetMetricData", "sagemaker:Search", "sagemaker:DescribeTrainingJob", "sagemaker:ListTags",
       "sagemaker:ListHyperParameterTuningJobs", "sagemaker:DescribeHyperParameterTuningJob",
       "sagemaker:ListModelCards"},
    # The policy parameter (report.measured_savings) and, when opted in, Cost Explorer's resource-level costs.
    "ImpactReportFunction": STACK_PLUMBING | NOTIFY
    | {"dynamodb:Scan", "s3:PutObject", "ssm:GetParameter", "ce:GetCostAndUsageWithResources"},
    "StorageLifecycleFunction": STACK_PLUMBING | NOTIFY | AUDIT | SWEEP | SETTLE
    | {"s3:ListAllMyBuckets", "s3:GetBucketTagging", "s3:GetBucketVersioning", "s3:GetLifecycleConfiguration",
       "s3:GetIntelligentTieringConfiguration", "cloudwatch:ListMetrics", "cloudwatch:GetMetricData",
       "tag:GetResources"},
    "RetrainingGateFunction": STACK_PLUMBING | NOTIFY | AUDIT | SETTLE | {"ssm:GetParameter"}
    | {"sagemaker:DescribeProcessingJob", "sagemaker:DescribePipeline", "sagemaker:ListPipelineExecutions",
       "sagemaker:ListTags", "cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory"},
    "IdleEndpointFunction": STACK_PLUMBING | NOTIFY | PAGE_STATE | STATE | SWEEP | SETTLE | SCALABLE_TARGET_CHECKS
    | {"tag:GetResources", "sagemaker:ListEndpoints", "sagemaker:ListInferenceComponents",
       "sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig", "sagemaker:DescribeInferenceComponent",
       "sagemaker:DescribeModel", "sagemaker:ListTags", "cloudwatch:GetMetricData", "cloudwatch:ListMetrics",
       "cloudwatch:DescribeAlarms", "application-autoscaling:DescribeScalableTargets",
       "application-autoscaling:DescribeScalingPolicies", "application-autoscaling:DescribeScheduledActions",
       "iam:CreateServiceLinkedRole"},
    "IdleNotebookFunction": STACK_PLUMBING | NOTIFY | AUDIT | SWEEP | SETTLE
    | {"tag:GetResources", "sagemaker:ListNotebookInstances", "cloudwatch:GetMetricData"},
    "StudioIdleFunction": STACK_PLUMBING | NOTIFY | AUDIT | SWEEP | SETTLE
    | {"sagemaker:ListDomains", "sagemaker:ListApps", "sagemaker:DescribeDomain", "sagemaker:ListTags",
       "sagemaker:ListUserProfiles", "sagemaker:DescribeUserProfile", "sagemaker:ListSpaces",
       "sagemaker:DescribeSpace", "cloudwatch:GetMetricData"},
    "IdleComputeFunction": STACK_PLUMBING | NOTIFY | STATE | SWEEP | SETTLE
    | {"sagemaker:ListTrainingJobs", "sagemaker:ListMlflowTrackingServers", "sagemaker:ListClusters",
       "sagemaker:ListEndpointConfigs", "sagemaker:ListNotebookInstances", "sagemaker:DescribeTrainingJob",
       "sagemaker:DescribeMlflowTrackingServer", "sagemaker:DescribeCluster", "sagemaker:DescribeEndpointConfig",
       "sagemaker:DescribeNotebookInstance", "sagemaker:ListTags"},
    "ServingAdvisorFunction": STACK_PLUMBING | NOTIFY | PAGE_STATE | STATE | SWEEP | SETTLE
    | {"sagemaker:ListEndpoints", "sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig",
       "sagemaker:DescribeModel", "sagemaker:ListMonitoringSchedules", "tag:GetResources",
       "cloudwatch:GetMetricData"},
    "BedrockThroughputFunction": STACK_PLUMBING | NOTIFY | STATE | SWEEP | SETTLE
    | {"bedrock:ListProvisionedModelThroughputs", "bedrock:GetProvisionedModelThroughput",
       "bedrock:ListTagsForResource", "cloudwatch:GetMetricData"},
    "Ec2AcceleratorsFunction": STACK_PLUMBING | NOTIFY | AUDIT | SWEEP | SETTLE
    | {"ec2:DescribeInstances", "ec2:DescribeInstanceTypes", "ec2:DescribeInstanceAttribute",
       "cloudwatch:ListMetrics", "cloudwatch:GetMetricData"},
    # Read-only: the listings and a training plan's tags (ecoguard/adapters/reserved_capacity.py).
    "ReservedCapacityFunction": STACK_PLUMBING | NOTIFY | AUDIT | SWEEP | SETTLE
    | {"sagemaker:ListTrainingPlans", "sagemaker:ListTags", "ec2:DescribeCapacityReservations"},
    RESTORE_FUNCTION: STACK_PLUMBING | AUDIT | SCALABLE_TARGET_CHECKS
    | {"dynamodb:Query", "sagemaker:DescribeInferenceComponent", "kms:VerifyMac"},
    "AuditForwarderFunction": STACK_PLUMBING | {"events:PutEvents"},
}  # fmt: skip

# Function logical id -> the writes its role denies on a resource tagged ecoguard:exempt=true (template.yaml's
# Never* statements; tests/template/test_doctor_calls.py holds the two together).
EXEMPT_TAG = "ecoguard:exempt"
EXEMPT_DENIED: Mapping[str, frozenset[str]] = {
    "LogRetentionFunction": frozenset({"logs:PutRetentionPolicy"}),
    "TrainingGuardFunction": frozenset({"sagemaker:StopTrainingJob"}),
    "StorageLifecycleFunction": frozenset({"s3:PutLifecycleConfiguration", "s3:PutIntelligentTieringConfiguration"}),
    "RetrainingGateFunction": frozenset({"sagemaker:StartPipelineExecution"}),
    "IdleEndpointFunction": frozenset({"sagemaker:AddTags", "sagemaker:DeleteTags", "sagemaker:DeleteEndpoint"}),
    "IdleNotebookFunction": frozenset({"sagemaker:StopNotebookInstance"}),
    "StudioIdleFunction": frozenset({"sagemaker:UpdateDomain", "sagemaker:DeleteApp"}),
    "IdleComputeFunction": frozenset({"sagemaker:UpdateTrainingJob", "sagemaker:StopMlflowTrackingServer"}),
    "BedrockThroughputFunction": frozenset({"bedrock:DeleteProvisionedModelThroughput"}),
    "Ec2AcceleratorsFunction": frozenset({"ec2:StopInstances"}),
}

_SM = "arn:{partition}:sagemaker:{region}:{account}:"
_LOGS = "arn:{partition}:logs:{region}:{account}:log-group:"
_SCALABLE_TARGET = "arn:{partition}:application-autoscaling:{region}:{account}:scalable-target/" + SAMPLE
# A Canvas app: app/<domain-id>/<user-profile>/<app-type>/<app-name> (Service Authorization Reference, SageMaker
# AI resource types); the Studio functions touch Canvas apps only.
_CANVAS_APP = _SM + "app/d-" + SAMPLE + "/" + SAMPLE + "/canvas/default"
# A provisioned model's ARN ends in 12 lower-case alphanumerics (botocore's Bedrock model, ProvisionedModelArn).
_PROVISIONED_MODEL = "arn:{partition}:bedrock:{region}:{account}:provisioned-model/ecoguard0smp"
# Action -> the sample resource it is simulated on. {audit_table}, {topic}, {key}, {queue}, {report_bucket},
# {function} (the function's own name), {central_bus} and {stack} are the deployed stack's own.
SAMPLE_RESOURCE: Mapping[str, str] = {
    "sqs:SendMessage": "{queue}",
    "sns:Publish": "{topic}",
    "kms:GenerateDataKey": "{key}",
    "kms:Decrypt": "{key}",
    "kms:GenerateMac": "{record_key}",
    "kms:VerifyMac": "{record_key}",
    "dynamodb:GetItem": "{audit_table}",
    "dynamodb:BatchGetItem": "{audit_table}",
    "dynamodb:PutItem": "{audit_table}",
    "dynamodb:DeleteItem": "{audit_table}",
    "dynamodb:Query": "{audit_table}/index/by-action-id",
    "dynamodb:Scan": "{audit_table}",
    "ssm:GetParameter": "arn:{partition}:ssm:{region}:{account}:parameter/ecoguard/{stack}/policy",
    "lambda:InvokeFunction": "arn:{partition}:lambda:{region}:{account}:function:{function}",
    "events:PutEvents": "{central_bus}",
    "s3:PutObject": "arn:{partition}:s3:::{report_bucket}/reports/" + SAMPLE + ".json",
    "logs:DescribeLogGroups": "*",
    # Cost Explorer has no resource-level permissions: "*" (Service Authorization Reference, Cost Explorer).
    "ce:GetCostAndUsageWithResources": "*",
    "logs:ListTagsForResource": _LOGS + SAMPLE,
    "logs:PutRetentionPolicy": _LOGS + SAMPLE,
    "logs:DeleteRetentionPolicy": _LOGS + SAMPLE,
    "tag:GetResources": "*",
    "cloudwatch:GetMetricData": "*",
    "cloudwatch:ListMetrics": "*",
    "s3:ListAllMyBuckets": "*",
    "s3:GetBucketTagging": "arn:{partition}:s3:::" + SAMPLE,
    "s3:GetBucketVersioning": "arn:{partition}:s3:::" + SAMPLE,
    "s3:GetLifecycleConfiguration": "arn:{partition}:s3:::" + SAMPLE,
    "s3:PutLifecycleConfiguration": "arn:{partition}:s3:::" + SAMPLE,
    "s3:GetIntelligentTieringConfiguration": "arn:{partition}:s3:::" + SAMPLE,
    "s3:PutIntelligentTieringConfiguration": "arn:{partition}:s3:::" + SAMPLE,
    "sagemaker:Search": "*",
    "sagemaker:ListEndpoints": "*",
    "sagemaker:ListMonitoringSchedules": "*",
    "sagemaker:ListInferenceComponents": "*",
    "sagemaker:ListNotebookInstances": "*",
    "sagemaker:ListHyperParameterTuningJobs": "*",
    "sagemaker:ListModelCards": "*",
    "sagemaker:ListDomains": "*",
    "sagemaker:ListApps": "*",
    "sagemaker:ListUserProfiles": "*",
    "sagemaker:ListSpaces": "*",
    "sagemaker:DescribeUserProfile": _SM + "user-profile/d-" + SAMPLE + "/" + SAMPLE,
    "sagemaker:DescribeSpace": _SM + "space/d-" + SAMPLE + "/" + SAMPLE,
    "sagemaker:ListTrainingJobs": "*",
    "sagemaker:ListTrainingPlans": "*",
    "ec2:DescribeCapacityReservations": "*",
    "sagemaker:ListMlflowTrackingServers": "*",
    "sagemaker:ListClusters": "*",
    "sagemaker:ListEndpointConfigs": "*",
    "sagemaker:DescribeTrainingJob": _SM + "training-job/" + SAMPLE,
    "sagemaker:CreateTrainingJob": _SM + "training-job/" + SAMPLE,
    "sagemaker:StopTrainingJob": _SM + "training-job/" + SAMPLE,
    "sagemaker:UpdateTrainingJob": _SM + "training-job/" + SAMPLE,
    "sagemaker:DescribeHyperParameterTuningJob": _SM + "hyper-parameter-tuning-job/" + SAMPLE,
    "sagemaker:ListTags": _SM + "endpoint/" + SAMPLE,
    "sagemaker:AddTags": _SM + "endpoint/" + SAMPLE,
    "sagemaker:DeleteTags": _SM + "endpoint/" + SAMPLE,
    "sagemaker:DescribeEndpoint": _SM + "endpoint/" + SAMPLE,
    "sagemaker:CreateEndpoint": _SM + "endpoint/" + SAMPLE,
    "sagemaker:CreateEndpointConfig": _SM + "endpoint-config/" + SAMPLE,
    "sagemaker:DeleteEndpoint": _SM + "endpoint/" + SAMPLE,
    "sagemaker:UpdateEndpointWeightsAndCapacities": _SM + "endpoint/" + SAMPLE,
    "sagemaker:DescribeModel": _SM + "model/" + SAMPLE,
    "sagemaker:DescribeEndpointConfig": _SM + "endpoint-config/" + SAMPLE,
    "sagemaker:DescribeInferenceComponent": _SM + "inference-component/" + SAMPLE,
    "sagemaker:UpdateInferenceComponentRuntimeConfig": _SM + "inference-component/" + SAMPLE,
    "sagemaker:DescribeDomain": _SM + "domain/d-" + SAMPLE,
    "sagemaker:UpdateDomain": _SM + "domain/d-" + SAMPLE,
    "sagemaker:DescribeApp": _CANVAS_APP,
    "sagemaker:CreateApp": _CANVAS_APP,
    "sagemaker:DeleteApp": _CANVAS_APP,
    "sagemaker:DescribeMlflowTrackingServer": _SM + "mlflow-tracking-server/" + SAMPLE,
    "sagemaker:StartMlflowTrackingServer": _SM + "mlflow-tracking-server/" + SAMPLE,
    "sagemaker:StopMlflowTrackingServer": _SM + "mlflow-tracking-server/" + SAMPLE,
    "sagemaker:DescribeCluster": _SM + "cluster/" + SAMPLE,
    "sagemaker:DescribeNotebookInstance": _SM + "notebook-instance/" + SAMPLE,
    "sagemaker:StopNotebookInstance": _SM + "notebook-instance/" + SAMPLE,
    "sagemaker:StartNotebookInstance": _SM + "notebook-instance/" + SAMPLE,
    "sagemaker:DescribeModelCard": _SM + "model-card/" + SAMPLE,
    "sagemaker:UpdateModelCard": _SM + "model-card/" + SAMPLE,
    "sagemaker:DescribeProcessingJob": _SM + "processing-job/" + SAMPLE,
    "sagemaker:DescribePipeline": _SM + "pipeline/" + SAMPLE,
    "sagemaker:ListPipelineExecutions": _SM + "pipeline/" + SAMPLE,
    "sagemaker:StartPipelineExecution": _SM + "pipeline/" + SAMPLE,
    "sagemaker:StopPipelineExecution": _SM + "pipeline/" + SAMPLE + "/execution/" + SAMPLE,
    "bedrock:ListProvisionedModelThroughputs": "*",
    "bedrock:GetProvisionedModelThroughput": _PROVISIONED_MODEL,
    "bedrock:ListTagsForResource": _PROVISIONED_MODEL,
    "bedrock:DeleteProvisionedModelThroughput": _PROVISIONED_MODEL,
    "application-autoscaling:DescribeScalableTargets": "*",
    "application-autoscaling:DescribeScalingPolicies": "*",
    "application-autoscaling:DescribeScheduledActions": "*",
    "application-autoscaling:PutScheduledAction": _SCALABLE_TARGET,
    "application-autoscaling:RegisterScalableTarget": _SCALABLE_TARGET,
    "application-autoscaling:DeregisterScalableTarget": _SCALABLE_TARGET,
    "application-autoscaling:PutScalingPolicy": _SCALABLE_TARGET,
    "cloudwatch:DescribeAlarms": "arn:{partition}:cloudwatch:{region}:{account}:alarm:" + SAMPLE,
    "cloudwatch:PutMetricAlarm": "arn:{partition}:cloudwatch:{region}:{account}:alarm:" + SAMPLE,
    "cloudwatch:DescribeAlarmHistory": "arn:{partition}:cloudwatch:{region}:{account}:alarm:" + SAMPLE,
    "iam:CreateServiceLinkedRole": "arn:{partition}:iam::{account}:role/aws-service-role/"
    "sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint",
    "iam:PassRole": "arn:{partition}:iam::{account}:role/" + SAMPLE,
    # An endpoint configuration's KmsKeyId, used by SageMaker as RestoreFunction re-creates it.
    "kms:CreateGrant": "arn:{partition}:kms:{region}:{account}:key/" + SAMPLE,
    "kms:DescribeKey": "arn:{partition}:kms:{region}:{account}:key/" + SAMPLE,
    # DescribeInstances, DescribeInstanceTypes, DescribeTags: no resource type (Service Authorization Reference, EC2).
    "ec2:DescribeInstances": "*",
    "ec2:DescribeInstanceTypes": "*",
    "ec2:DescribeTags": "*",
    "ec2:DescribeInstanceAttribute": "arn:{partition}:ec2:{region}:{account}:instance/i-0" + "0" * 16,
    "ec2:StopInstances": "arn:{partition}:ec2:{region}:{account}:instance/i-0" + "0" * 16,
    "ec2:StartInstances": "arn:{partition}:ec2:{region}:{account}:instance/i-0" + "0" * 16,
}
# The service a KMS call goes through (the kms:ViaService a role's condition reads); SNS for the others.
VIA_SERVICE: Mapping[str, str] = {"kms:CreateGrant": "sagemaker", "kms:DescribeKey": "sagemaker"}
_PENDING_INDEX = "{audit_table}/index/by-pending"
SETTLING = ("LogRetentionFunction", "TrainingGuardFunction", "StorageLifecycleFunction", "IdleEndpointFunction",
            "IdleNotebookFunction", "StudioIdleFunction", "IdleComputeFunction", "ServingAdvisorFunction",
            "RetrainingGateFunction", "BedrockThroughputFunction", "Ec2AcceleratorsFunction",
            "ReservedCapacityFunction")  # fmt: skip
# Where a function makes a call on another kind of resource than SAMPLE_RESOURCE's.
FUNCTION_SAMPLE_RESOURCE: Mapping[tuple[str, str], str] = {
    **{(function, "dynamodb:Query"): _PENDING_INDEX for function in SETTLING},
    ("TrainingGuardFunction", "sagemaker:ListTags"): _SM + "training-job/" + SAMPLE,
    ("RetrainingGateFunction", "sagemaker:ListTags"): _SM + "pipeline/" + SAMPLE,
    ("StudioIdleFunction", "sagemaker:ListTags"): _SM + "domain/d-" + SAMPLE,
    # Also a tracking server's: one sample per call, and both ARNs are in the same grant.
    ("IdleComputeFunction", "sagemaker:ListTags"): _SM + "training-job/" + SAMPLE,
    ("ReservedCapacityFunction", "sagemaker:ListTags"): _SM + "training-plan/" + SAMPLE,
}


def calls_of(function: str) -> frozenset[str] | None:
    """The IAM actions ``function`` needs; None for a function ecoguard does not know."""
    if function not in FUNCTION_CALLS:
        return None
    units = frozenset(
        permission
        for registry in registries()
        for unit in registry.units
        for permission in _unit_calls(unit, registry.function, function)
    )
    return FUNCTION_CALLS[function] | units


def _unit_calls(unit: type[ActionUnit[Any]], applies: str, function: str) -> frozenset[str]:
    """What ``function`` calls for ``unit``: its change where it is applied, its read-back and undo on
    RestoreFunction; a unit restore refuses is read back only where it is settled, by the function applying it."""
    if function == RESTORE_FUNCTION:
        return unit.restore_permissions if unit.restorable else frozenset()
    if function != applies:
        return frozenset()
    return unit.permissions if unit.restorable else unit.permissions | unit.restore_permissions


def sample_resource(function: str, action: str, place: Mapping[str, str]) -> str | None:
    """The ARN ``function``'s ``action`` is simulated on, or None when there is no sample for it (reported)."""
    template = FUNCTION_SAMPLE_RESOURCE.get((function, action), SAMPLE_RESOURCE.get(action))
    return None if template is None else template.format(**place)
