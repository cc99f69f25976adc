"""Tags every guardrail honours."""

from __future__ import annotations

from collections.abc import Mapping

EXEMPT_TAG = "ecoguard:exempt"


def is_exempt(tags: Mapping[str, str]) -> bool:
    """``ecoguard:exempt=true`` (any case, surrounding spaces ignored) exempts a resource."""
    return tags.get(EXEMPT_TAG, "").strip().lower() == "true"
