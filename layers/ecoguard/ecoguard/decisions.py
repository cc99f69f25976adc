"""What a guardrail decides, independent of mode: a ``Plan`` of decisions (act on a resource, skip it and say
why, or advise), and what becomes of the guardrail's own state once they are carried out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
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
    IN_PROGRESS = "in-progress"  # a restore: another attempt at the same restore is acting; nothing done
    FINDING = "finding"  # advice only: recorded and reported, never acted on


@dataclass(frozen=True)
class Resource:
    """A governed resource: its ARN (the audit key) and a human name."""

    arn: str
    name: str
    kind: str
    # The resource's tags as the guardrail read them, when it did: the executor copies the cost-allocation
    # tags the policy names (report.attribution_tags) into the audit record. Not part of its identity.
    tags: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False, repr=False)


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


@dataclass(frozen=True)
class Unreadable:
    """A resource whose state could not be read: recorded as failed, and never acted on."""

    guardrail: str
    resource: Resource
    error: str


@dataclass(frozen=True)
class Put:
    """Write this value to the guardrail's state key, to expire ``ttl`` after the write."""

    value: Mapping[str, Any]
    ttl: timedelta


@dataclass(frozen=True)
class Remove:
    """Delete the guardrail's state key."""


type StateWrite = Put | Remove


@dataclass(frozen=True)
class StateChange:
    """What a plan does to one key of the guardrail's state (``ecoguard.state``), read at ``version``.

    ``claim`` is written before any decision is carried out (a concurrent writer makes the guardrail read
    and decide again); then the outcome of the plan's last decision (None without one) picks the write that
    settles it: ``settle[outcome]`` if present, else ``otherwise`` (None: leave the state as it is).
    """

    key: str
    version: int
    claim: Put | None = None
    settle: Mapping[Outcome | None, StateWrite] = field(default_factory=dict)
    otherwise: StateWrite | None = None

    def settled(self, outcome: Outcome | None) -> StateWrite | None:
        return self.settle.get(outcome, self.otherwise)


@dataclass(frozen=True)
class Plan:
    """Everything a guardrail decided about one resource.

    ``in_scope`` False: the resource was evaluated but is not governed (counted as evaluated, not as
    compliant). A plan in scope without an action or a skip (advice at most) is compliant.
    """

    decisions: tuple[Decision, ...] = ()
    state_change: StateChange | None = None
    in_scope: bool = True
    unreadable: Unreadable | None = None

    @property
    def compliant(self) -> bool:
        return (
            self.in_scope
            and self.unreadable is None
            and not any(isinstance(d, (PlannedAction, Skip)) for d in self.decisions)
        )

    @property
    def actions(self) -> tuple[PlannedAction, ...]:
        return tuple(d for d in self.decisions if isinstance(d, PlannedAction))


def plan_of(decision: Decision | None, state_change: StateChange | None = None) -> Plan:
    """The plan of a guardrail that makes at most one decision per resource."""
    return Plan(() if decision is None else (decision,), state_change)


OUT_OF_SCOPE = Plan(in_scope=False)
"""A resource evaluated but not governed by the policy (or gone since it was listed)."""


def unreadable(guardrail: str, resource: Resource, error: str) -> Plan:
    return Plan(unreadable=Unreadable(guardrail, resource, error))
