"""What a record must be for the report to count it: a strict check of the fields the report computes with.

A member account writes what it likes into its own records; the organization's report must neither fail on
one bad record (``"usd": {}``) nor let one poison a headline (``NaN``, ``Infinity``). Pure: a record in, the
first problem (a short sentence) or None out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ecoguard.audit import AuditRecord
from ecoguard.savings import METRICS

# A period is a rate ``ecoguard.savings.period_hours`` knows (converted), or any other short text: a figure that
# is not a rate ("the training run", "per idle app-hour") is counted as such, never converted, so it cannot
# poison a figure; guardrails name their own, so no closed list is kept here.
MAX_PERIOD = 200
MAX_TEXT = 2048  # the longest tag value the report accepts


def record_problem(record: AuditRecord) -> str | None:
    """The first reason ``record`` cannot be reported, or None."""
    if record.recorded_at.tzinfo is None:
        return "recorded_at: a date with its time zone is required"
    if record.impact is not None:
        problem = _impact_problem(record.impact)
        if problem:
            return f"impact.{problem}"
    if record.attribution is not None:
        if not isinstance(record.attribution, Mapping):
            return "attribution: an object is required"
        for key, value in record.attribution.items():
            if not isinstance(value, str) or len(value) > MAX_TEXT or len(str(key)) > MAX_TEXT:
                return f"attribution.{str(key)[:64]}: a string of at most {MAX_TEXT} characters is required"
    return None


def _impact_problem(impact: Mapping[str, Any]) -> str | None:
    if not isinstance(impact, Mapping):
        return "(root): an object is required"
    for key in METRICS:
        value = impact.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return f"{key}: a finite number or null is required, not {_short(value)}"
    period = impact.get("period")
    if period is not None and not (isinstance(period, str) and 0 < len(period) <= MAX_PERIOD):
        return f"period: a string of 1 to {MAX_PERIOD} characters is required"
    ends = impact.get("horizon_ends_at")
    if ends is not None:
        try:
            parsed = datetime.fromisoformat(ends) if isinstance(ends, str) and len(ends) <= 64 else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            return "horizon_ends_at: an ISO 8601 date with its time zone is required"
    return None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
