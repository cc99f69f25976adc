"""The ecoguard policy: what each guardrail governs and how.

The policy is assembled from up to three layers, later ones winning key by key:

1. the bundled ``policies/default.yaml``;
2. stack parameters passed as environment variables (``LogRetentionDays``);
3. the optional override document in SSM Parameter Store.

The merged document is validated once. Any invalid field raises ``PolicyError`` naming
the field, and the function acts on nothing.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from importlib import resources
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

# The only values PutRetentionPolicy accepts (CloudWatch Logs API reference, retentionInDays).
RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip


class PolicyError(ValueError):
    """The policy document is invalid; nothing may be acted on."""


def check_retention_days(days: int) -> int:
    if days not in RETENTION_DAYS:
        allowed = ", ".join(str(d) for d in RETENTION_DAYS)
        raise ValueError(f"{days} is not a retention CloudWatch Logs accepts ({allowed})")
    return days


RetentionDays = Annotated[int, AfterValidator(check_retention_days)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class AuditPolicy(_Strict):
    ttl_days: int = Field(default=400, ge=1, le=3650, description="Days before an audit record expires.")


class LogRetentionPolicy(_Strict):
    """CloudWatch Logs retention for ML and Lambda log groups.

    Example::

        log_retention:
          prefixes: [/aws/sagemaker/, /aws/lambda/]
          default_days: 30
          max_days: 365
    """

    enabled: bool = True
    prefixes: tuple[Annotated[str, Field(min_length=1, max_length=512)], ...] = (
        "/aws/sagemaker/",
        "/aws/lambda/",
    )
    all_groups: bool = Field(default=False, description="Govern every log group, ignoring prefixes.")
    default_days: RetentionDays = Field(default=30, description="Retention given to groups that have none.")
    max_days: RetentionDays | None = Field(
        default=None, description="Explicit retentions longer than this are shortened to it; null never shortens."
    )

    @model_validator(mode="after")
    def _coherent(self) -> LogRetentionPolicy:
        if self.max_days is not None and self.max_days < self.default_days:
            raise ValueError(f"max_days ({self.max_days}) is shorter than default_days ({self.default_days})")
        if not self.all_groups and not self.prefixes:
            raise ValueError("prefixes is empty: list at least one prefix, or set all_groups: true")
        return self


class TrainingGuardPolicy(_Strict):
    """Stop SageMaker training jobs whose accelerators sit idle; advise on wasteful configurations.

    Example::

        training_guard:
          min_gpu_util_percent: 10
          window_minutes: 60
          warmup_minutes: 20
    """

    enabled: bool = True
    min_gpu_util_percent: float = Field(
        default=10, gt=0, le=100, description="GPU jobs whose GPU utilization (per GPU) stays below this are idle."
    )
    min_cpu_util_percent: float = Field(
        default=5, gt=0, le=100, description="CPU-only jobs whose CPU utilization (per vCPU) stays below this are idle."
    )
    window_minutes: int = Field(
        default=60, ge=10, le=1440, description="How long utilization must stay below the threshold."
    )
    warmup_minutes: int = Field(
        default=20, ge=0, le=1440, description="Grace from TrainingStartTime before the window may begin."
    )
    period_seconds: Literal[60, 300] = Field(
        default=300, description="CloudWatch period of each datapoint (SageMaker publishes every minute)."
    )
    findings: bool = Field(default=True, description="Record advisory findings (spot, checkpoints, Trainium, tuning).")
    long_job_hours: float = Field(
        default=4, gt=0, le=672, description="Jobs allowed to run longer than this should checkpoint."
    )

    @model_validator(mode="after")
    def _coherent(self) -> TrainingGuardPolicy:
        if (self.window_minutes * 60) % self.period_seconds:
            raise ValueError(
                f"window_minutes ({self.window_minutes}) is not a whole number of periods ({self.period_seconds} s)"
            )
        return self


# --- storage_lifecycle -------------------------------------------------------------------------
# S3 constraints, from the S3 API reference (Transition.Days, Tiering.Days) and the S3 User Guide
# ("Constraints and considerations for transitions"): objects must stay 30 days before moving to
# STANDARD_IA or ONEZONE_IA; Intelligent-Tiering ARCHIVE_ACCESS takes 90-730 days without access,
# DEEP_ARCHIVE_ACCESS 180-730. The rules ecoguard builds are checked again, rule by rule, in
# ecoguard.guardrails.s3_rules before every write.

DataClass = Literal["raw", "recreatable", "artifact", "log"]
DATA_CLASSES: tuple[str, ...] = ("raw", "recreatable", "artifact", "log")


class RawClassPolicy(_Strict):
    storage_class: Literal["GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"] = Field(
        default="GLACIER", description="The archive class rarely read raw data moves to."
    )
    transition_days: int = Field(default=90, ge=0, le=36500, description="Days after creation before archiving.")


class RecreatableClassPolicy(_Strict):
    onezone_ia_days: int = Field(
        default=30, ge=30, le=36500, description="Days before moving to ONEZONE_IA (S3 requires at least 30)."
    )
    expiration_days: int | None = Field(
        default=None, ge=1, le=36500, description="Optional: delete re-creatable data this many days after creation."
    )

    @model_validator(mode="after")
    def _expires_after_minimum_storage(self) -> RecreatableClassPolicy:
        # ONEZONE_IA has a 30-day minimum storage duration; expiring earlier is billed as if stored 30 days.
        if self.expiration_days is not None and self.expiration_days < self.onezone_ia_days + 30:
            raise ValueError(
                f"expiration_days ({self.expiration_days}) must be at least onezone_ia_days + 30 "
                f"({self.onezone_ia_days + 30}): ONEZONE_IA's minimum storage duration is 30 days"
            )
        return self


class ArtifactClassPolicy(_Strict):
    archive_access_days: int = Field(
        default=90, ge=90, le=730, description="Intelligent-Tiering ARCHIVE_ACCESS after this many days (90-730)."
    )
    deep_archive_access_days: int | None = Field(
        default=180, ge=180, le=730, description="DEEP_ARCHIVE_ACCESS after this many days (180-730); null: none."
    )

    @model_validator(mode="after")
    def _deep_after_archive(self) -> ArtifactClassPolicy:
        if self.deep_archive_access_days is not None and self.deep_archive_access_days <= self.archive_access_days:
            raise ValueError(
                f"deep_archive_access_days ({self.deep_archive_access_days}) must be greater than "
                f"archive_access_days ({self.archive_access_days})"
            )
        return self


class LogClassPolicy(_Strict):
    expiration_days: int = Field(default=90, ge=1, le=36500, description="Delete log data this many days old.")


class NoncurrentPolicy(_Strict):
    noncurrent_days: int = Field(default=30, ge=1, le=36500, description="Expire versions noncurrent this long.")
    newer_noncurrent_versions: int = Field(
        default=3, ge=1, le=100, description="Keep this many newer noncurrent versions (S3 allows 1-100)."
    )


class PrefixClassRule(_Strict):
    """Data classes by key prefix, for buckets whose name matches ``buckets`` (shell-style pattern)."""

    buckets: str = Field(default="*", min_length=1, max_length=255)
    prefixes: dict[Annotated[str, Field(min_length=1, max_length=1024)], DataClass] = Field(min_length=1)

    @model_validator(mode="after")
    def _disjoint_prefixes(self) -> PrefixClassRule:
        # Nested prefixes would give one object two of ecoguard's rules with competing actions.
        from itertools import pairwise  # noqa: PLC0415 - kept within this section (shared module)

        for shorter, longer in pairwise(sorted(self.prefixes)):
            if longer.startswith(shorter):
                raise ValueError(f"prefixes {shorter!r} and {longer!r} overlap; give each object one data class")
        return self


class StorageLifecyclePolicy(_Strict):
    """S3 lifecycle rules and Intelligent-Tiering by data class, merged with the owner's own rules.

    Example::

        storage_lifecycle:
          include: ["ml-*"]
          prefix_rules:
            - buckets: "ml-*"
              prefixes: {raw/: raw, train/: recreatable, models/: artifact}
          raw: {storage_class: DEEP_ARCHIVE, transition_days: 30}
    """

    enabled: bool = True
    include: tuple[Annotated[str, Field(min_length=1, max_length=255)], ...] = Field(
        default=("*",), description="Bucket name patterns governed (shell-style)."
    )
    exclude: tuple[Annotated[str, Field(min_length=1, max_length=255)], ...] = Field(
        default=(), description="Bucket name patterns never governed, even if included."
    )
    prefix_rules: tuple[PrefixClassRule, ...] = Field(
        default=(
            PrefixClassRule(
                prefixes={"raw/": "raw", "train/": "recreatable", "validation/": "recreatable", "test/": "recreatable"}
            ),
        ),
        description="Used when a bucket has no ecoguard:data-class tag; the first rule matching the bucket wins.",
    )
    raw: RawClassPolicy = RawClassPolicy()
    recreatable: RecreatableClassPolicy = RecreatableClassPolicy()
    artifact: ArtifactClassPolicy = ArtifactClassPolicy()
    log: LogClassPolicy = LogClassPolicy()
    abort_incomplete_multipart_days: int = Field(
        default=7, ge=1, le=36500, description="Abort multipart uploads left incomplete this many days."
    )
    noncurrent: NoncurrentPolicy = NoncurrentPolicy()


# --- retraining gate -------------------------------------------------------------------------

# SageMaker API constraints (botocore sagemaker service model): pipeline names, pipeline
# parameter names and values, and at most 200 parameters a StartPipelineExecution.
PIPELINE_NAME = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$"
PIPELINE_PARAMETER_NAME = r"^[A-Za-z0-9\-_]{1,256}$"
MAX_PIPELINE_PARAMETERS = 200
MAX_PIPELINE_PARAMETER_VALUE = 1024
MODEL_QUALITY_NAMESPACE = "aws/sagemaker/Endpoints/model-metrics"
DATA_QUALITY_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics"
# Model Monitor schedule names (CreateMonitoringSchedule, MonitoringScheduleName).
MONITORING_SCHEDULE_NAME = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"


class KpiPolicy(_Strict):
    """One KPI: a Model Monitor metric, its threshold and which side of it is a breach."""

    metric: str = Field(min_length=1, max_length=255, description="Metric name, e.g. accuracy, f1, rmse.")
    namespace: Literal["aws/sagemaker/Endpoints/model-metrics", "aws/sagemaker/Endpoints/data-metrics"] = Field(
        default="aws/sagemaker/Endpoints/model-metrics",
        description="model-metrics (model quality) or data-metrics (a drift metric made a KPI).",
    )
    threshold: float
    breach_when: Literal["below", "above"] = Field(
        description="below: lower is worse (accuracy, f1, auc); above: higher is worse (rmse, mae, drift)."
    )


class BreachParameterNames(_Strict):
    """Names of the pipeline parameters that carry the breach; null leaves one out.

    The pipeline must declare every parameter it is given, or SageMaker rejects the start.
    """

    metric: Annotated[str, Field(pattern=PIPELINE_PARAMETER_NAME)] | None = "EcoguardBreachMetric"
    value: Annotated[str, Field(pattern=PIPELINE_PARAMETER_NAME)] | None = "EcoguardBreachValue"
    threshold: Annotated[str, Field(pattern=PIPELINE_PARAMETER_NAME)] | None = "EcoguardBreachThreshold"
    schedule: Annotated[str, Field(pattern=PIPELINE_PARAMETER_NAME)] | None = "EcoguardMonitoringSchedule"

    def names(self) -> tuple[str, ...]:
        return tuple(n for n in (self.metric, self.value, self.threshold, self.schedule) if n is not None)


class PipelineTarget(_Strict):
    name: str = Field(pattern=PIPELINE_NAME, description="The SageMaker Pipeline to start.")
    parameters: dict[Annotated[str, Field(pattern=PIPELINE_PARAMETER_NAME)], str] = Field(default_factory=dict)
    breach_parameters: BreachParameterNames = BreachParameterNames()

    @model_validator(mode="after")
    def _valid_parameters(self) -> PipelineTarget:
        breach = self.breach_parameters.names()
        if len(set(breach)) != len(breach):
            raise ValueError(f"breach_parameters names repeat: {list(breach)}")
        clash = sorted(set(breach) & set(self.parameters))
        if clash:
            raise ValueError(f"parameters {clash} are also breach_parameters; rename one")
        if len(self.parameters) + len(breach) > MAX_PIPELINE_PARAMETERS:
            raise ValueError(f"more than {MAX_PIPELINE_PARAMETERS} pipeline parameters")
        for key, value in self.parameters.items():
            if len(value) > MAX_PIPELINE_PARAMETER_VALUE:
                raise ValueError(f"parameter {key}: longer than {MAX_PIPELINE_PARAMETER_VALUE} characters")
        return self


class ModelGate(_Strict):
    """When one model may be retrained. Example::

    - name: churn
      endpoint: churn-prod
      monitoring_schedule: churn-model-quality
      kpis: [{metric: f1, threshold: 0.8, breach_when: below}]
      pipeline: {name: churn-retrain}
    """

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="A stable id; it keys the gate's state.")
    endpoint: str | None = Field(default=None, description="Endpoint dimension of its Model Monitor metrics.")
    monitoring_schedule: Annotated[str, Field(pattern=MONITORING_SCHEDULE_NAME)] | None = Field(
        default=None,
        description="Model-quality schedule: its metrics, and runs that end CompletedWithViolations, are breaches.",
    )
    alarms: tuple[Annotated[str, Field(min_length=1, max_length=255)], ...] = Field(
        default=(), description="Alarms (composite or not) whose ALARM state is a KPI breach of this model."
    )
    kpis: tuple[KpiPolicy, ...] = ()
    confirm_breaches: int = Field(default=2, ge=1, le=20, description="Consecutive breaches that confirm.")
    pipeline: PipelineTarget
    cooldown_days: float = Field(default=7, ge=0, le=365, description="No new start this long after the last.")
    max_starts_per_day: int = Field(default=1, ge=1, le=100, description="Starts per UTC day, at most.")

    @model_validator(mode="after")
    def _identifiable(self) -> ModelGate:
        if self.endpoint is None and self.monitoring_schedule is None and not self.alarms:
            raise ValueError("give an endpoint, a monitoring_schedule or alarms, so breaches can be matched")
        if not self.kpis and self.monitoring_schedule is None and not self.alarms:
            raise ValueError("no kpis, monitoring_schedule or alarms: nothing could ever start the pipeline")
        metrics = [(k.namespace, k.metric) for k in self.kpis]
        if len(set(metrics)) != len(metrics):
            raise ValueError("a KPI metric is listed twice")
        return self


class RetrainingGatePolicy(_Strict):
    """Start retraining only on a confirmed KPI breach. Data drift alone only notifies."""

    enabled: bool = True
    models: tuple[ModelGate, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> RetrainingGatePolicy:
        names = [m.name for m in self.models]
        if len(set(names)) != len(names):
            raise ValueError(f"model names repeat: {names}")
        return self


# --- idle inference (IdleEndpointFunction, IdleNotebookFunction) ---------------------------------

_CLOCK = r"^([01]\d|2[0-3]):[0-5]\d$"


def check_time_zone(name: str) -> str:
    # Zones resolve from the system database or the bundled tzdata package; an unknown one fails here, loudly.
    if name == "UTC":
        return name
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{name!r} is not an IANA time zone (for example Europe/Paris)") from exc
    return name


class IdleEndpointsPolicy(_Strict):
    """Real-time SageMaker endpoints with no invocations.

    Example::

        idle_inference:
          endpoints:
            idle_hours: 24
            grace_hours: 6
    """

    enabled: bool = True
    idle_hours: int = Field(
        default=24, ge=1, le=24 * 14, description="No invocations for this long (and InService this long) is idle."
    )
    grace_hours: int = Field(
        default=6, ge=1, le=24 * 14, description="Hours between the idle mark and the deletion; traffic clears it."
    )
    async_scale_to_zero: bool = Field(
        default=True, description="Give asynchronous endpoints an Application Auto Scaling minimum of 0."
    )
    components_scale_to_zero: bool = Field(
        default=True, description="Give the inference components of an endpoint a minimum of 0 copies."
    )


class OffHours(_Strict):
    """A daily window (local time) in which notebooks without activity data are stopped."""

    time_zone: Annotated[str, AfterValidator(check_time_zone)] = "UTC"
    start: str = Field(default="20:00", pattern=_CLOCK, description="HH:MM local time the off-hours begin.")
    end: str = Field(default="07:00", pattern=_CLOCK, description="HH:MM local time the off-hours end.")
    weekends: bool = Field(default=True, description="Saturday and Sunday are off-hours all day.")

    @model_validator(mode="after")
    def _not_empty(self) -> OffHours:
        if self.start == self.end:
            raise ValueError(f"start and end are both {self.start}: the off-hours window is empty")
        return self


class IdleNotebooksPolicy(_Strict):
    """SageMaker notebook instances with no kernel or terminal activity.

    Example::

        idle_inference:
          notebooks:
            idle_hours: 3
            fallback: off-hours
            off_hours: {time_zone: Europe/Paris, start: "20:00", end: "07:00"}
    """

    enabled: bool = True
    idle_hours: int = Field(default=3, ge=1, le=24 * 14, description="No activity for this long stops the instance.")
    activity_lifecycle_configs: tuple[Annotated[str, Field(min_length=1, max_length=63)], ...] = Field(
        default=(),
        description="Your own lifecycle configurations that publish the activity metric (the stack's own counts).",
    )
    fallback: Literal["report", "off-hours"] = Field(
        default="report", description="Instances without the activity metric: report only, or stop in off-hours."
    )
    off_hours: OffHours = OffHours()


class IdleInferencePolicy(_Strict):
    endpoints: IdleEndpointsPolicy = IdleEndpointsPolicy()
    notebooks: IdleNotebooksPolicy = IdleNotebooksPolicy()


class Policy(_Strict):
    version: Literal[1]
    audit: AuditPolicy = AuditPolicy()
    log_retention: LogRetentionPolicy = LogRetentionPolicy()
    training_guard: TrainingGuardPolicy = TrainingGuardPolicy()
    storage_lifecycle: StorageLifecyclePolicy = StorageLifecyclePolicy()
    retraining_gate: RetrainingGatePolicy = RetrainingGatePolicy()
    idle_inference: IdleInferencePolicy = IdleInferencePolicy()


def bundled_policy_text() -> str:
    return resources.files("ecoguard").joinpath("policies/default.yaml").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=8)
def _parsed_yaml(text: str) -> Any:
    # Every invocation reads the same bundled and SSM documents; parsing YAML in pure Python costs ~20 ms each.
    import yaml  # noqa: PLC0415 - loaded on first use, not at a handler's import (cold start)

    return yaml.safe_load(text)


def parse_document(text: str, source: str) -> dict[str, Any]:
    """Parse a YAML (or JSON) policy document into a mapping."""
    import yaml  # noqa: PLC0415 - loaded on first use, not at a handler's import (cold start)

    try:
        loaded = copy.deepcopy(_parsed_yaml(text))
    except yaml.YAMLError as exc:
        raise PolicyError(f"policy from {source} is not valid YAML or JSON: {exc}") from exc
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
) -> Policy:
    """Assemble and validate the policy. Raises ``PolicyError`` naming the first invalid field."""
    document = parse_document(bundled_text if bundled_text is not None else bundled_policy_text(), "bundled default")
    if log_retention_days is not None:
        document = merge(document, {"log_retention": {"default_days": log_retention_days}})
    if override_text:
        document = merge(document, parse_document(override_text, override_source))
    try:
        return Policy.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(document)"
        raise PolicyError(
            f"invalid policy field {field}: {first['msg']} (input: {first.get('input')!r}; "
            f"{exc.error_count()} error(s) in all)"
        ) from exc
