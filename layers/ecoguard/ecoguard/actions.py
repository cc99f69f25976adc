"""What a guardrail decides, independent of mode: act on a resource, or skip it and say why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Mode(StrEnum):
    DRY_RUN = "dry-run"
    ENFORCE = "enforce"


class Outcome(StrEnum):
    PENDING = "pending"  # audit written, the change not yet confirmed
    APPLIED = "applied"
    WOULD_APPLY = "would-apply"
    SKIPPED = "skipped"
    FAILED = "failed"
    DUPLICATE = "duplicate"  # already handled for this trigger; nothing done
    DEFERRED = "deferred"  # throttled; handled by the next invocation of the sweep
    RESTORED = "restored"
    FINDING = "finding"  # advice only: recorded and reported, never acted on


@dataclass(frozen=True)
class Resource:
    """A governed resource: its ARN (the audit key) and a human name."""

    arn: str
    name: str
    kind: str


@dataclass(frozen=True)
class PlannedAction:
    """A change a guardrail wants made, with the state before it (enough to restore it)."""

    guardrail: str
    resource: Resource
    action: str
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    reason: str
    # What the action avoids (ecoguard.impact.Estimate.to_dict()); None when not estimated.
    impact: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Skip:
    """A resource the guardrail would act on, but must not (exempt, invalid tag, ...)."""

    guardrail: str
    resource: Resource
    reason: str
    before: Mapping[str, Any] = field(default_factory=dict)
    impact: Mapping[str, Any] | None = None  # what acting would have avoided


@dataclass(frozen=True)
class Finding:
    """Advice about a resource. Recorded in the audit trail and the report; no action, in any mode."""

    guardrail: str
    resource: Resource
    kind: str  # a stable identifier, e.g. "no-managed-spot"; part of the audit key
    reason: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    impact: Mapping[str, Any] | None = None  # what following the advice would avoid


Decision = PlannedAction | Skip | Finding
