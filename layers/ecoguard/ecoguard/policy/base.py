"""What every policy model shares: the strict base and the error an invalid policy raises."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PolicyError(ValueError):
    """The policy document is invalid; nothing may be acted on."""


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)
