"""The ``audit`` section: how long audit records are kept."""

from __future__ import annotations

from pydantic import Field

from ecoguard.policy.base import StrictModel


class AuditPolicy(StrictModel):
    """The audit trail: one record per decision, in the stack's DynamoDB table, written before any change."""

    ttl_days: int = Field(default=400, ge=1, le=3650, description="Days before an audit record expires (DynamoDB TTL).")
