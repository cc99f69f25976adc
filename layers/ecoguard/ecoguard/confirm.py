"""Confirm before a destructive write: read the resource again and decide again on what is read.

A plan's destructive action (an action unit with ``confirm_first``) may rest on state that is no longer
true: a listing that lags (the tagging API, SageMaker Search) or a configuration someone changed since it
was read. Before such an action is carried out, in every mode alike, the guardrail's ``reread`` reads the
resource again and the plan is decided again on the fresh state. The fresh plan is the one carried out,
so its audit record holds the state as it is when the change is made. Should the read fail, or the state
keep changing between reads, the resource is recorded as failed, and nothing is written. Advice (findings)
needs no confirmation: when the fresh read fails or finds the resource gone (or no longer a candidate), the
plan's advice is still recorded.

A read made a moment ago narrows no race by being made again. A guardrail whose snapshot is itself a
direct read of the state the write rests on (not a listing that can lag) says when it was made
(``read_at``); it is read again only once more than ``FRESH_FOR`` has passed, for example after throttling
waits or a long batch. The executor checks the same age again just before the change is made.

What a guardrail must read just before acting whatever the age of its snapshot (``last_look``: S3's exemption
tag, which no IAM Deny backs on a bucket) is read last, and the plan decided again on it, before its records are
built: in a sweep when its batch is carried out, side by side with the batch's other last looks, right before the
batch's records are stored and its changes made (``Executor.flush``); in a dry run, where nothing is changed,
when the plan is queued.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial

from ecoguard.decisions import OUT_OF_SCOPE, Finding, Plan, Unreadable
from ecoguard.reading import GONE, read

# Reads again this often while the state keeps changing between the read and the decision.
ATTEMPTS = 3
# How long a direct read stands for the state it read. S3 applies a lifecycle or tiering write "usually
# within a few seconds" and settles to it within minutes (S3 user guide, lifecycle configuration
# "Propagation delay"): a second read within a few seconds of the first cannot be trusted to see a change
# the first missed, so it narrows no race. Past it (throttling retries of up to 20 s with the standard retry
# mode, or a batch of up to 100 resources), the state is read again.
FRESH_FOR = timedelta(seconds=5)


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
    # When ``snapshot`` was read directly (``time.monotonic``); None: from a listing, always read again.
    read_at: float | None = None
    # ``snapshot`` with what must be read right before the change read again, whatever the snapshot's age.
    last_look: Callable[[S], S] | None = None


def read_clock() -> float:
    """The clock a read's age is measured on (a seam: the tests make time pass between reads)."""
    return time.monotonic()


def still_fresh(read_at: float, monotonic: Callable[[], float]) -> bool:
    """Whether a read made at ``read_at`` is recent enough to act on without reading again."""
    return monotonic() - read_at <= FRESH_FOR.total_seconds()


def confirmed[S](plan: Plan, confirmation: Confirmation[S], monotonic: Callable[[], float]) -> Plan:
    """The plan decided on fresh state; ``Throttled`` is raised (the sweep pauses at this resource)."""
    return reconfirmed(plan, confirmation, monotonic)[0]


def reconfirmed[S](
    plan: Plan, confirmation: Confirmation[S], monotonic: Callable[[], float]
) -> tuple[Plan, Confirmation[S]]:
    """``confirmed``, with the confirmation holding the snapshot that plan was decided on (a last look starts
    from it)."""
    if confirmation.read_at is not None and still_fresh(confirmation.read_at, monotonic):
        return plan, confirmation
    snapshot = confirmation.snapshot
    for _ in range(ATTEMPTS):
        resource = plan.actions[0].resource
        fresh = read(confirmation.guardrail, resource, partial(confirmation.reread, snapshot))
        if isinstance(fresh, Unreadable):
            return _unreadable(plan, fresh), confirmation
        if fresh is GONE or fresh.snapshot is None:
            return _advice(plan), confirmation
        plan = confirmation.decide(fresh.snapshot)
        if not fresh.changed or not plan.actions:
            return plan, replace(confirmation, snapshot=fresh.snapshot)
        snapshot = fresh.snapshot
    error = "the state kept changing between reads; not written"
    return _unreadable(plan, Unreadable(confirmation.guardrail, resource, error)), confirmation


def last_looked[S](plan: Plan, confirmation: Confirmation[S]) -> tuple[Plan, Confirmation[S]]:
    """The plan decided again on the confirmation's last look, and the confirmation holding the snapshot it was
    decided on (both as they are without a last look, or without an action); ``Throttled`` is raised."""
    if confirmation.last_look is None or not plan.actions:
        return plan, confirmation
    resource = plan.actions[0].resource
    fresh = read(confirmation.guardrail, resource, partial(confirmation.last_look, confirmation.snapshot))
    if isinstance(fresh, Unreadable):
        return _unreadable(plan, fresh), confirmation
    if fresh is GONE:
        return _advice(plan), confirmation
    return confirmation.decide(fresh), replace(confirmation, snapshot=fresh)


def ahead[S](plan: Plan, confirmation: Confirmation[S], monotonic: Callable[[], float]) -> tuple[Plan, Confirmation[S]]:
    """``confirmed``, made ahead of the plan's turn (on a read thread, ``ecoguard.overlap``): the plan decided
    on a fresh read, and the confirmation standing for that read, made at ``read_at``. While the read is fresh
    the executor takes the plan as it is; past ``FRESH_FOR`` it reads again, as for any direct read. A plan left
    with no action (exempt now, gone, unreadable) needs no confirmation: its own is returned as it was."""
    read_at = monotonic()
    again, fresh = reconfirmed(plan, replace(confirmation, read_at=None), monotonic)
    return again, replace(fresh, read_at=read_at) if again.actions else confirmation


def _advice(plan: Plan) -> Plan:
    """Gone, or no longer a candidate: not governed now (nothing acted on), but the plan's advice stands."""
    findings = tuple(d for d in plan.decisions if isinstance(d, Finding))
    return Plan(findings, in_scope=False) if findings else OUT_OF_SCOPE


def _unreadable(plan: Plan, failure: Unreadable) -> Plan:
    """Not acted on; the plan's advice, which rests on no fresh read, is kept."""
    return Plan(tuple(d for d in plan.decisions if isinstance(d, Finding)), unreadable=failure)
