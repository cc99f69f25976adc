"""What every policy model shares: the strict base and the error an invalid policy raises."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PolicyError(ValueError):
    """The policy document is invalid; nothing may be acted on."""


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


def hours_share(default: int, description: str) -> Any:
    """A share of a window's hours, in percent: 1 to 100."""
    return Field(default=default, ge=1, le=100, description=description)


def utilization(default: float, description: str) -> Any:
    """A utilization threshold, in percent: above 0, at most 100."""
    return Field(default=default, gt=0, le=100, description=description)


def section(model: type[StrictModel], description: str) -> Any:
    """A section of the policy document: its model, with every default, when the document leaves it out."""
    return Field(default=model(), description=description)


# The policy's own bound on a count of days (a hundred years): S3's lifecycle Days must be a positive integer.
MAX_DAYS = 36500


def days(default: int | None, description: str, *, least: int = 1) -> Any:
    """A count of days, from ``least`` to ``MAX_DAYS`` (None, where allowed: not set)."""
    return Field(default=default, ge=least, le=MAX_DAYS, description=description)
