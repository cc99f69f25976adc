"""The ecoguard policy: what each guardrail governs and how.

The policy is assembled from up to three layers, later ones winning key by key:

1. the bundled ``policies/default.yaml``;
2. stack parameters passed as environment variables (``LogRetentionDays``);
3. the optional override document in SSM Parameter Store.

The merged document is validated once. Any invalid field raises ``PolicyError`` naming
the field, and the function acts on nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
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


class Policy(_Strict):
    version: Literal[1]
    audit: AuditPolicy = AuditPolicy()
    log_retention: LogRetentionPolicy = LogRetentionPolicy()
    # Defined below (appended section); the lambda defers the lookup until the model is built.
    idle_inference: IdleInferencePolicy = Field(default_factory=lambda: IdleInferencePolicy())  # noqa: PLW0108


def bundled_policy_text() -> str:
    return resources.files("ecoguard").joinpath("policies/default.yaml").read_text(encoding="utf-8")


def parse_document(text: str, source: str) -> dict[str, Any]:
    """Parse a YAML (or JSON) policy document into a mapping."""
    try:
        loaded = yaml.safe_load(text)
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


# --- idle inference (IdleEndpointFunction, IdleNotebookFunction) ---------------------------------

_CLOCK = r"^([01]\d|2[0-3]):[0-5]\d$"


def check_time_zone(name: str) -> str:
    # UTC needs no time-zone database (the Lambda runtime may not ship one); others do, and fail here loudly.
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


Policy.model_rebuild()
