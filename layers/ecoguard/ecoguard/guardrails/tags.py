"""Tags every guardrail honours."""

from __future__ import annotations

from collections.abc import Mapping

EXEMPT_TAG = "ecoguard:exempt"
# AWS reserves tags that begin with ``aws:`` (CloudFormation's ``aws:cloudformation:stack-name``, for one):
# no caller may set them, so a create call that passes one back is refused (SageMaker API Reference, Tag).
RESERVED_PREFIX = "aws:"


def settable_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """The tags a create call may set again: all but AWS's reserved ``aws:`` tags."""
    return {k: v for k, v in tags.items() if not k.lower().startswith(RESERVED_PREFIX)}


def is_exempt(tags: Mapping[str, str]) -> bool:
    """``ecoguard:exempt=true`` (any case, surrounding spaces ignored) exempts a resource."""
    return tags.get(EXEMPT_TAG, "").strip().lower() == "true"


IDLE_HOURS_TAG = "ecoguard:idle-hours"
MAX_IDLE_HOURS = 24 * 14  # CloudWatch keeps 1-minute data 15 days; the window must fit in it


def idle_hours_from_tags(tags: Mapping[str, str], default: int) -> int | str:
    """``ecoguard:idle-hours=N`` (1 to 336), else ``default``; an invalid tag gives the reason as a string."""
    raw = tags.get(IDLE_HOURS_TAG)
    if raw is None:
        return default
    text = raw.strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_IDLE_HOURS:
        return f"tag {IDLE_HOURS_TAG}={raw!r} is not a whole number of hours from 1 to {MAX_IDLE_HOURS}"
    return int(text)
