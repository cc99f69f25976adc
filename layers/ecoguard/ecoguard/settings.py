"""Function settings, read from the environment once per invocation and validated."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ecoguard.decisions import Mode
from ecoguard.validation import first_error


class SettingsError(ValueError):
    """The function's environment is invalid; nothing may be acted on."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    mode: Mode = Field(alias="ECOGUARD_MODE")
    audit_table: str = Field(alias="ECOGUARD_AUDIT_TABLE", min_length=3)
    topic_arn: str | None = Field(default=None, alias="ECOGUARD_TOPIC_ARN")
    policy_parameter: str | None = Field(default=None, alias="ECOGUARD_POLICY_PARAMETER")
    log_retention_days: int | None = Field(default=None, alias="ECOGUARD_LOG_RETENTION_DAYS")
    # The stack's KMS HMAC key that authenticates audit records (ecoguard.record_mac); unset: not signed.
    record_key: str | None = Field(default=None, alias="ECOGUARD_RECORD_KEY")
    # The policy's floor for settings that delete data (template parameter DestructiveFloorDays).
    destructive_floor_days: int = Field(default=30, ge=1, le=3653, alias="ECOGUARD_DESTRUCTIVE_FLOOR_DAYS")
    report_bucket: str | None = Field(default=None, alias="ECOGUARD_REPORT_BUCKET")
    function_name: str | None = Field(default=None, alias="AWS_LAMBDA_FUNCTION_NAME")
    # The stack's notebook lifecycle configuration that publishes kernel and terminal activity.
    notebook_lifecycle_config: str | None = Field(default=None, alias="ECOGUARD_NOTEBOOK_LIFECYCLE_CONFIG")
    # The organization's central event bus (org/management.yaml); empty: the stack runs standalone.
    central_bus_arn: str | None = Field(default=None, alias="ECOGUARD_CENTRAL_BUS_ARN")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    cleaned = {k: v for k, v in env.items() if k.startswith(("ECOGUARD_", "AWS_LAMBDA_")) and v != ""}
    try:
        return Settings.model_validate(cleaned)
    except ValidationError as exc:
        error = first_error(exc)
        raise SettingsError(f"invalid setting {error.field}: {error.message} (input: {error.input!r})") from exc


class CentralSettings(BaseModel):
    """The central functions' environment (org/management.yaml): no mode, no member audit table."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    central_table: str = Field(alias="ECOGUARD_CENTRAL_TABLE", min_length=3)
    report_bucket: str | None = Field(default=None, alias="ECOGUARD_REPORT_BUCKET")


def load_central_settings(environ: Mapping[str, str] | None = None) -> CentralSettings:
    env = dict(os.environ if environ is None else environ)
    cleaned = {k: v for k, v in env.items() if k.startswith("ECOGUARD_") and v != ""}
    try:
        return CentralSettings.model_validate(cleaned)
    except ValidationError as exc:
        error = first_error(exc)
        raise SettingsError(f"invalid setting {error.field}: {error.message} (input: {error.input!r})") from exc
