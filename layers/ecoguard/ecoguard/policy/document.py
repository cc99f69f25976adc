"""The policy document: the root model, and how the bundled, stack and SSM layers become one."""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from importlib import resources
from typing import Any, Literal

from pydantic import Field, ValidationError

from ecoguard.policy.audit import AuditPolicy
from ecoguard.policy.base import PolicyError, StrictModel, section
from ecoguard.policy.bedrock_throughput import BedrockThroughputPolicy
from ecoguard.policy.ec2_accelerators import Ec2AcceleratorsPolicy
from ecoguard.policy.idle_compute import IdleComputePolicy
from ecoguard.policy.idle_inference import IdleInferencePolicy
from ecoguard.policy.log_retention import LogRetentionPolicy
from ecoguard.policy.report import ReportPolicy
from ecoguard.policy.reserved_capacity import ReservedCapacityPolicy
from ecoguard.policy.retraining_gate import RetrainingGatePolicy
from ecoguard.policy.serving_advisor import ServingAdvisorPolicy
from ecoguard.policy.storage_lifecycle import StorageLifecyclePolicy
from ecoguard.policy.studio_idle import StudioIdlePolicy
from ecoguard.policy.training_guard import TrainingGuardPolicy
from ecoguard.validation import first_error


class Policy(StrictModel):
    """What each guardrail governs, one section per guardrail."""

    version: Literal[1] = Field(description="The schema version.")
    audit: AuditPolicy = section(AuditPolicy, "How long audit records are kept.")
    log_retention: LogRetentionPolicy = section(LogRetentionPolicy, "CloudWatch Logs retention (LogRetentionFunction).")
    training_guard: TrainingGuardPolicy = section(
        TrainingGuardPolicy, "Idle SageMaker training jobs (TrainingGuardFunction)."
    )
    storage_lifecycle: StorageLifecyclePolicy = section(
        StorageLifecyclePolicy, "S3 lifecycle by data class (StorageLifecycleFunction)."
    )
    retraining_gate: RetrainingGatePolicy = section(
        RetrainingGatePolicy, "Retraining on confirmed KPI breaches (RetrainingGateFunction)."
    )
    idle_inference: IdleInferencePolicy = section(
        IdleInferencePolicy, "Idle endpoints and notebook instances (IdleEndpointFunction, IdleNotebookFunction)."
    )
    report: ReportPolicy = section(
        ReportPolicy, "The impact report: the cost-allocation tags it attributes savings by."
    )
    studio_idle: StudioIdlePolicy = section(
        StudioIdlePolicy, "Studio idle shutdown on every domain (StudioIdleFunction)."
    )
    idle_compute: IdleComputePolicy = section(
        IdleComputePolicy, "Warm pools, MLflow tracking servers, HyperPod and Elastic Inference (IdleComputeFunction)."
    )
    serving_advisor: ServingAdvisorPolicy = section(
        ServingAdvisorPolicy,
        "Serving and training right-sizing advice (ServingAdvisorFunction, TrainingGuardFunction).",
    )
    bedrock_throughput: BedrockThroughputPolicy = section(
        BedrockThroughputPolicy, "Idle Bedrock Provisioned Throughput (BedrockThroughputFunction)."
    )
    ec2_accelerators: Ec2AcceleratorsPolicy = section(
        Ec2AcceleratorsPolicy, "Idle EC2 GPU, Trainium and Inferentia instances (Ec2AcceleratorsFunction)."
    )
    reserved_capacity: ReservedCapacityPolicy = section(
        ReservedCapacityPolicy,
        "Training plans and Capacity Blocks with unused reserved hours (ReservedCapacityFunction).",
    )


# The policy is a safety boundary: a setting that deletes data sooner than this is refused, unless the stack's
# deploy-time parameter DestructiveFloorDays (ECOGUARD_DESTRUCTIVE_FLOOR_DAYS) lowers it.
DEFAULT_FLOOR_DAYS = 30
# A policy document is small (an SSM advanced parameter holds at most 8 KB, Parameter Store quotas); YAML
# anchors and aliases are refused: a few hundred bytes of them expand to hundreds of millions of nodes.
MAX_DOCUMENT_CHARS = 64 * 1024
MAX_ERROR_CHARS = 600


def bounded(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying so."""
    return text if len(text) <= limit else text[: limit - 15] + "... (truncated)"


def destructive_days(policy: Policy) -> dict[str, int | None]:
    """Every setting that deletes data after a number of days, by its field name."""
    storage = policy.storage_lifecycle
    return {
        "log_retention.default_days": policy.log_retention.default_days,
        "log_retention.max_days": policy.log_retention.max_days,
        "storage_lifecycle.recreatable.expiration_days": storage.recreatable.expiration_days,
        "storage_lifecycle.log.expiration_days": storage.log.expiration_days,
        "storage_lifecycle.noncurrent.noncurrent_days": storage.noncurrent.noncurrent_days,
    }


def check_floors(policy: Policy, floor_days: int) -> None:
    """Refuse a policy whose destructive settings go under ``floor_days``."""
    for field, days in destructive_days(policy).items():
        if days is not None and days < floor_days:
            raise PolicyError(
                f"invalid policy field {field}: {days} days is under the floor of {floor_days} days for settings "
                "that delete data (the stack parameter DestructiveFloorDays lowers it)"
            )


def bundled_policy_text() -> str:
    return resources.files("ecoguard").joinpath("policies/default.yaml").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=8)
def _parsed_yaml(text: str) -> Any:
    # Every invocation reads the same bundled and SSM documents; parsing YAML in pure Python costs ~20 ms each.
    import yaml  # noqa: PLC0415 - loaded on first use, not at a handler's import (cold start)

    if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.SafeLoader)):
        raise PolicyError("it uses a YAML alias; anchors and aliases are not accepted")
    return yaml.safe_load(text)


def parse_document(text: str, source: str) -> dict[str, Any]:
    """Parse a YAML (or JSON) policy document into a mapping."""
    import yaml  # noqa: PLC0415 - loaded on first use, not at a handler's import (cold start)

    if len(text) > MAX_DOCUMENT_CHARS:
        raise PolicyError(f"policy from {source} is {len(text)} characters; at most {MAX_DOCUMENT_CHARS} are accepted")
    try:
        loaded = copy.deepcopy(_parsed_yaml(text))
    except yaml.YAMLError as exc:
        raise PolicyError(bounded(f"policy from {source} is not valid YAML or JSON: {exc}")) from exc
    except PolicyError as exc:
        raise PolicyError(f"policy from {source}: {exc}") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise PolicyError(f"policy from {source} must be a mapping at the top level, not {type(loaded).__name__}")
    return loaded


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``override`` into ``base``: mappings merge key by key, anything else is replaced."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = merge(current, value)
        else:
            merged[key] = value
    return merged


def build_policy(
    *,
    override_text: str | None = None,
    override_source: str = "override",
    log_retention_days: int | None = None,
    bundled_text: str | None = None,
    floor_days: int = DEFAULT_FLOOR_DAYS,
) -> Policy:
    """Assemble and validate the policy. Raises ``PolicyError`` naming the first invalid field, in a message
    of at most ``MAX_ERROR_CHARS`` characters."""
    document = parse_document(bundled_text if bundled_text is not None else bundled_policy_text(), "bundled default")
    if log_retention_days is not None:
        document = merge(document, {"log_retention": {"default_days": log_retention_days}})
    if override_text:
        document = merge(document, parse_document(override_text, override_source))
    try:
        policy = Policy.model_validate(document)
    except ValidationError as exc:
        error = first_error(exc, root="(document)")
        raise PolicyError(
            f"invalid policy field {bounded(error.field, 200)}: {bounded(error.message, 300)} "
            f"(input: {bounded(repr(error.input), 120)}; {error.count} error(s) in all)"
        ) from exc
    except (TypeError, ValueError, OSError, RecursionError) as exc:  # a validator that raised something else
        raise PolicyError(bounded(f"invalid policy: {type(exc).__name__}: {exc}")) from exc
    check_floors(policy, floor_days)
    return policy
