"""The wall clock, in UTC: the one place that reads it. Decisions take ``now`` as an argument."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
