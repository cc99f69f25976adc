"""The ecoguard policy: what each guardrail governs and how.

The policy is assembled from up to three layers, later ones winning key by key:

1. the bundled ``policies/default.yaml``;
2. stack parameters passed as environment variables (``LogRetentionDays``);
3. the optional override document in SSM Parameter Store.

The merged document is validated once. Any invalid field raises ``PolicyError`` naming
the field, and the function acts on nothing.

One module per policy section; ``document`` holds the root model and the loading. Every name is
re-exported here, so callers import from ``ecoguard.policy``.
"""

from __future__ import annotations

from ecoguard.policy.audit import AuditPolicy
from ecoguard.policy.base import PolicyError
from ecoguard.policy.bedrock_throughput import BedrockThroughputPolicy
from ecoguard.policy.document import Policy, build_policy, bundled_policy_text, merge, parse_document
from ecoguard.policy.ec2_accelerators import Ec2AcceleratorsPolicy
from ecoguard.policy.idle_compute import AdvisoryPolicy, IdleComputePolicy, MlflowPolicy, WarmPoolsPolicy
from ecoguard.policy.idle_inference import (
    IdleEndpointsPolicy,
    IdleInferencePolicy,
    IdleNotebooksPolicy,
    OffHours,
    check_time_zone,
)
from ecoguard.policy.log_retention import RETENTION_DAYS, LogRetentionPolicy, RetentionDays, check_retention_days
from ecoguard.policy.reserved_capacity import ReservedCapacityPolicy
from ecoguard.policy.retraining_gate import (
    DATA_QUALITY_NAMESPACE,
    MAX_PIPELINE_PARAMETER_VALUE,
    MAX_PIPELINE_PARAMETERS,
    MODEL_QUALITY_NAMESPACE,
    MONITORING_SCHEDULE_NAME,
    PIPELINE_NAME,
    PIPELINE_PARAMETER_NAME,
    BreachParameterNames,
    KpiPolicy,
    ModelGate,
    PipelineTarget,
    RetrainingGatePolicy,
)
from ecoguard.policy.serving_advisor import ServingAdvisorPolicy
from ecoguard.policy.storage_lifecycle import (
    DATA_CLASSES,
    ArtifactClassPolicy,
    DataClass,
    LogClassPolicy,
    NoncurrentPolicy,
    PrefixClassRule,
    RawClassPolicy,
    RecreatableClassPolicy,
    StorageLifecyclePolicy,
)
from ecoguard.policy.studio_idle import MAX_IDLE_MINUTES, MIN_IDLE_MINUTES, StudioIdlePolicy
from ecoguard.policy.training_guard import TrainingGuardPolicy

__all__ = [
    "DATA_CLASSES",
    "DATA_QUALITY_NAMESPACE",
    "MAX_IDLE_MINUTES",
    "MAX_PIPELINE_PARAMETERS",
    "MAX_PIPELINE_PARAMETER_VALUE",
    "MIN_IDLE_MINUTES",
    "MODEL_QUALITY_NAMESPACE",
    "MONITORING_SCHEDULE_NAME",
    "PIPELINE_NAME",
    "PIPELINE_PARAMETER_NAME",
    "RETENTION_DAYS",
    "AdvisoryPolicy",
    "ArtifactClassPolicy",
    "AuditPolicy",
    "BedrockThroughputPolicy",
    "BreachParameterNames",
    "DataClass",
    "Ec2AcceleratorsPolicy",
    "IdleComputePolicy",
    "IdleEndpointsPolicy",
    "IdleInferencePolicy",
    "IdleNotebooksPolicy",
    "KpiPolicy",
    "LogClassPolicy",
    "LogRetentionPolicy",
    "MlflowPolicy",
    "ModelGate",
    "NoncurrentPolicy",
    "OffHours",
    "PipelineTarget",
    "Policy",
    "PolicyError",
    "PrefixClassRule",
    "RawClassPolicy",
    "RecreatableClassPolicy",
    "ReservedCapacityPolicy",
    "RetentionDays",
    "RetrainingGatePolicy",
    "ServingAdvisorPolicy",
    "StorageLifecyclePolicy",
    "StudioIdlePolicy",
    "TrainingGuardPolicy",
    "WarmPoolsPolicy",
    "build_policy",
    "bundled_policy_text",
    "check_retention_days",
    "check_time_zone",
    "merge",
    "parse_document",
]
