"""Confirm before a destructive write: read the resource again and decide again on what is read.

A plan's destructive action (an action unit with ``confirm_first``) may rest on state that is no longer
true: a listing that lags (the tagging API, SageMaker Search) or a configuration someone changed since it
was read. Before such an action is carried out, in every mode alike, the guardrail's ``reread`` reads the
resource again and the plan is decided again on the fresh state. The fresh plan is the one carried out,
so its audit record holds the state as it is when the change is made. Should the read fail, or the state
keep changing between reads, the resource is recorded as failed, and nothing is written. Advice (findings)
needs no confirmation: when the fresh read fails or finds the resource gone (or no longer a candidate), the
plan's advice is still recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from ecoguard.decisions import OUT_OF_SCOPE, Finding, Plan, Unreadable
from ecoguard.reading import GONE, read

# Reads again this often while the state keeps changing between the read and the decision.
ATTEMPTS = 3


@dataclass(frozen=True)
class Fresh[S]:
    """The resource as read again (None: gone, or no longer a candidate), and whether what the decision
    rests on changed since the snapshot it replaces."""

    snapshot: S | None
    changed: bool


@dataclass(frozen=True)
class Confirmation[S]:
    """How one resource is read again and decided again."""

    guardrail: str
    snapshot: S
    reread: Callable[[S], Fresh[S]]
    decide: Callable[[S], Plan]


def confirmed[S](plan: Plan, confirmation: Confirmation[S]) -> Plan:
    """The plan decided on fresh state; ``Throttled`` is raised (the sweep pauses at this resource)."""
    snapshot = confirmation.snapshot
    for _ in range(ATTEMPTS):
        resource = plan.actions[0].resource
        fresh = read(confirmation.guardrail, resource, partial(confirmation.reread, snapshot))
        if isinstance(fresh, Unreadable):
            return _unreadable(plan, fresh)
        if fresh is GONE or fresh.snapshot is None:
            return _advice(plan)
        plan = confirmation.decide(fresh.snapshot)
        if not fresh.changed or not plan.actions:
            return plan
        snapshot = fresh.snapshot
    error = "the state kept changing between reads; not written"
    return _unreadable(plan, Unreadable(confirmation.guardrail, resource, error))


def _advice(plan: Plan) -> Plan:
    """Gone, or no longer a candidate: not governed now (nothing acted on), but the plan's advice stands."""
    findings = tuple(d for d in plan.decisions if isinstance(d, Finding))
    return Plan(findings, in_scope=False) if findings else OUT_OF_SCOPE


def _unreadable(plan: Plan, failure: Unreadable) -> Plan:
    """Not acted on; the plan's advice, which rests on no fresh read, is kept."""
    return Plan(tuple(d for d in plan.decisions if isinstance(d, Finding)), unreadable=failure)
