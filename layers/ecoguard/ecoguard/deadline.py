"""No governed AWS call starts in a sweep unless its worst case ends before the hand-off margin.

A sweep checks Lambda's remaining time before each item (``DEADLINE_MARGIN_MS``). One item's step can make
several calls, though: the re-check before an idle endpoint is deleted reads the endpoint, its configuration,
tags, models, invocations and autoscaling, then deletes it. A check per item bounds only its first call. So
while a sweep runs, every call to a governed service is checked before it is sent, against the deadline the
sweep last read: with less than the margin left it is not sent, and ``DeadlineNear`` (a ``Throttled``) makes
the sweep defer that item, save its place and hand off, as it does when throttled. Bookkeeping calls (the
audit table, the hand-off, notifications) are never held back: the margin is kept for them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ecoguard.errors import Throttled

# Stop this long before the Lambda deadline: at least the longest one call can take, retries included
# (52 s with adapters/clients.py's configuration; adapters/call_budget.py, held together by
# tests/unit/test_call_budget.py), so a call started just before the check ends before the deadline.
DEADLINE_MARGIN_MS = 60_000

# The services whose calls are ecoguard's own bookkeeping, made after the margin is reached.
BOOKKEEPING = frozenset({"dynamodb", "kms", "lambda", "sns", "events", "ssm"})  # kms: signing audit records

# The clock deadlines are kept by (monotonic: a wall-clock change moves no deadline).
clock: Callable[[], float] = time.monotonic
# The clock time by which the current sweep's invocation ends (None: no sweep running).
_deadline: ContextVar[float | None] = ContextVar("ecoguard_deadline", default=None)


class DeadlineNear(Throttled):
    """A governed call not sent: its worst case would end inside the hand-off margin."""


@contextmanager
def sweeping() -> Iterator[None]:
    """While a sweep runs, its governed calls are checked (``check``) against the deadline it last read."""
    token = _deadline.set(float("inf"))
    try:
        yield
    finally:
        _deadline.reset(token)


def running() -> bool:
    """Whether a sweep is running in this context (its governed calls are checked against a deadline)."""
    return _deadline.get() is not None


def observe(remaining_ms: int) -> bool:
    """Whether Lambda's remaining time is within the margin; inside a sweep, also the deadline to check by."""
    if _deadline.get() is not None:
        _deadline.set(clock() + remaining_ms / 1000)
    return remaining_ms < DEADLINE_MARGIN_MS


def check(event_name: str = "", **_: Any) -> None:
    """botocore ``before-call`` handler: refuse a governed call that would start inside the margin."""
    deadline = _deadline.get()
    if deadline is None:
        return
    left_ms = (deadline - clock()) * 1000
    if left_ms < DEADLINE_MARGIN_MS:
        operation = event_name.rsplit(".", 1)[-1] or "call"
        raise DeadlineNear(
            operation, "DeadlineNear", f"{int(left_ms)} ms left, under the {DEADLINE_MARGIN_MS} ms margin"
        )
