"""The ``log_retention`` section (LogRetentionFunction)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from ecoguard.policy.base import StrictModel

# The only values PutRetentionPolicy accepts (CloudWatch Logs API reference, retentionInDays).
RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip


def check_retention_days(days: int) -> int:
    if days not in RETENTION_DAYS:
        allowed = ", ".join(str(d) for d in RETENTION_DAYS)
        raise ValueError(f"{days} is not a retention CloudWatch Logs accepts ({allowed})")
    return days


# The enum only documents the set in the JSON schema; check_retention_days is what validates.
RetentionDays = Annotated[
    int, AfterValidator(check_retention_days), Field(json_schema_extra={"enum": list(RETENTION_DAYS)})
]


class LogRetentionPolicy(StrictModel):
    """CloudWatch Logs retention for ML and Lambda log groups.

    Example::

        log_retention:
          prefixes: [/aws/sagemaker/, /aws/lambda/]
          default_days: 30
          max_days: 365
    """

    enabled: bool = Field(default=True, description="Turn the guardrail off.")
    prefixes: tuple[Annotated[str, Field(min_length=1, max_length=512)], ...] = Field(
        default=("/aws/sagemaker/", "/aws/lambda/"),
        description="Log groups whose name starts with one of these prefixes are governed.",
    )
    all_groups: bool = Field(default=False, description="Govern every log group, ignoring `prefixes`.")
    default_days: RetentionDays = Field(
        default=30,
        description=(
            "Retention given to governed groups that have none (that keep logs forever); "
            "the stack parameter `LogRetentionDays` sets it."
        ),
    )
    max_days: RetentionDays | None = Field(
        default=None,
        description=(
            "If set, explicit retentions longer than this are shortened to it; `null` never shortens. "
            "At least `default_days`."
        ),
    )

    @model_validator(mode="after")
    def _coherent(self) -> LogRetentionPolicy:
        if self.max_days is not None and self.max_days < self.default_days:
            raise ValueError(f"max_days ({self.max_days}) is shorter than default_days ({self.default_days})")
        if not self.all_groups and not self.prefixes:
            raise ValueError("prefixes is empty: list at least one prefix, or set all_groups: true")
        return self
