"""The optional policy override document in SSM Parameter Store (cached by Powertools)."""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

from ecoguard.policy import PolicyError

CACHE_SECONDS = 300


def fetch_policy_override(name: str | None) -> str | None:
    if not name:
        return None
    try:
        value = parameters.get_parameter(name, max_age=CACHE_SECONDS)
    except GetParameterError as exc:
        raise PolicyError(f"could not read the policy parameter {name}: {exc}") from exc
    return str(value) if value is not None else None
