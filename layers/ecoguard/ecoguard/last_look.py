"""A batch's last looks (``Confirmation.last_look``), made side by side when the batch is carried out.

A plan whose guardrail must read something just before acting, whatever the age of its snapshot (S3: the
bucket's tags, the exemption no IAM Deny backs), is decided again on that read before any record of its batch
is built: the records then say what is done, and the batch's changes follow once they are stored. Each look
reads its own resource, so the batch's looks run on the executor's write threads (``overlap.side_by_side``); a
plan the look changes is queued again under its number, from the plan decided on it. A throttled look keeps the
plan as it was, marked so that it is deferred, not acted on (``batch.Queued.stale``); its pending record is
taken over when the sweep resumes at it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ecoguard import overlap
from ecoguard.batch import Queued
from ecoguard.confirm import Confirmation, last_looked
from ecoguard.decisions import Plan
from ecoguard.errors import Throttled

# How a plan the look changed is queued again: (its number, the plan, its confirmation, when its read was made).
type Requeue = Callable[[int, Plan, Confirmation[Any] | None, float | None], Queued[Any]]


def looked(queued: list[Queued[Any]], workers: int, requeue: Requeue) -> list[Queued[Any]]:
    """``queued`` with each plan that asks for a last look decided again on it (in the same order)."""
    looking = [q for q in queued if _asks(q)]
    if not looking:
        return queued
    looks = dict(zip((q.number for q in looking), overlap.side_by_side(_look, looking, workers), strict=True))
    return [_after(q, looks[q.number], requeue) if q.number in looks else q for q in queued]


def _asks(q: Queued[Any]) -> bool:
    return q.confirmation is not None and q.confirmation.last_look is not None and q.change is None


def _look(q: Queued[Any]) -> tuple[Plan, Confirmation[Any]] | Throttled:
    """Only reads (of ``q``'s own resource): safe on a write thread."""
    assert q.confirmation is not None
    try:
        return last_looked(q.plan, q.confirmation)
    except Throttled as exc:
        return exc


def _after(q: Queued[Any], look: tuple[Plan, Confirmation[Any]] | Throttled, requeue: Requeue) -> Queued[Any]:
    if isinstance(look, Throttled):
        return replace(q, unlooked=look)
    plan, confirmation = look
    if plan.actions == q.plan.actions and plan.unreadable is None:
        return replace(q, confirmation=confirmation)
    return requeue(q.number, plan, confirmation, q.read_at)
