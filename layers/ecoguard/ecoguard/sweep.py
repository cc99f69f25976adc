"""A resumable sweep over a paginated listing, shared by every guardrail.

The sweep stops before the Lambda deadline, or when a call is still throttled after the SDK's
retries, and saves a checkpoint (page token + offset in that page) in the audit table. The next
invocation, carrying the same run id, resumes at exactly that item. Records keyed by run id make
an item already handled a no-op, so nothing is skipped and nothing is done twice.

A checkpoint holds a position, never the listing. A sweep whose listing is sorted by a key (``key``: for
example endpoints listed by name) also saves the key of the last item it handled, and resumes after that
item rather than at an offset, so items deleted between invocations (the sweep deletes some itself) shift
nothing: the page is read again with its token, and the sweep starts after the saved item if the page
still holds it, else at the first item whose key sorts after it. Should the listing refuse the saved
token, the sweep lists again from the first page, passing over every item up to the saved one.

The executor batches the plans of a page (``Executor.batching``): they are carried out when the batch is
due, at the end of the page, and before the sweep pauses. The position saved is that of the first item not
carried out: a throttled change, or the deadline reached in the middle of a batch, defers that item and
every later one in the batch (their pending records are taken over when the sweep resumes at it).

Reads overlapped (``Overlapped``): a guardrail whose per-item reads are independent of each other splits its
step in two, ``read`` and ``decide``. The reads run ahead on a bounded pool (``ecoguard.overlap``), the
decisions on the sweep's thread in listing order, so the records, their order and the writes are those of a
sweep that reads one item at a time; a read's throttling is raised at its item, which the sweep defers.

Between pages (``pages_ahead``, for a sweep whose changes leave its listing as it was): the next page is read
while the last change of the page before it is made (``ecoguard.pages_ahead``), so a paced API's quota is not
left idle for that round trip.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from ecoguard import deadline
from ecoguard.audit import AuditLog
from ecoguard.decisions import Outcome
from ecoguard.errors import AwsError, Throttled
from ecoguard.executor import Executor
from ecoguard.overlap import READ_WORKERS, ReadAhead
from ecoguard.pages_ahead import PagesAhead
from ecoguard.paging import Pager
from ecoguard.settle import SETTLE_AFTER
from ecoguard.summary import RunSummary, Trigger

logger = Logger(child=True)

CHECKPOINT_TTL = timedelta(days=7)


@dataclass(frozen=True)
class SweepResult:
    summary: RunSummary
    finished: bool


@dataclass(frozen=True)
class Overlapped[T, R]:
    """An item handled in two steps: ``read`` (only reads, of that item alone; run ahead on ``workers``
    threads) and ``decide`` (on the sweep's thread, in listing order, given what was read). One worker
    reads each item only when the sweep reaches it."""

    read: Callable[[T], R]
    decide: Callable[[T, R, Executor], Outcome | None]
    workers: int = READ_WORKERS
    # Items read ahead of the one decided (None: ``ReadAhead``'s default, twice the workers). A read waits this
    # many decisions before it is used, so a sweep whose decisions take a while keeps it small: the reads stay
    # fresh (``confirm.FRESH_FOR``), and its batches are not carried out early for their age (``Batch.due``).
    window: int | None = None


type Handler[T] = Callable[[T, Executor], Outcome | None] | Overlapped[T, Any]


@dataclass(frozen=True)
class Sweep[T]:
    """Walk ``pager`` from this run's checkpoint, calling ``handle`` on each item."""

    guardrail: str
    audit: AuditLog
    clock: Callable[[], datetime]
    remaining_ms: Callable[[], int]
    # Each item's key, ascending through the listing: the checkpoint then also holds the last key handled.
    key: Callable[[T], str] | None = None
    # The next page read while the last change of a page is made (``ecoguard.pages_ahead``): only for a sweep
    # whose changes leave the listing as it was.
    pages_ahead: bool = False

    @deadline.sweeping()
    def run(
        self,
        trigger: Trigger,
        executor: Executor,
        pager: Pager[T],
        handle: Handler[T],
    ) -> SweepResult:
        state = self.audit.load_checkpoint(self.guardrail, trigger.id) or {"token": None, "offset": 0, "done": False}
        if state.get("done"):
            logger.info("sweep already finished for this run", extra={"run_id": trigger.id})
            return SweepResult(executor.summary, finished=True)
        if state["token"] is None and not state["offset"] and "after" not in state:
            # A run's first invocation: records an ended invocation left pending are settled first.
            executor.settle_pending(SETTLE_AFTER)
        token: str | None = state["token"]
        offset: int = state["offset"]
        after: str | None = state.get("after") if self.key is not None else None
        with PagesAhead(pager) as pages:
            return self._pages(trigger, executor, pages, handle, (token, offset, after))

    def _pages(
        self,
        trigger: Trigger,
        executor: Executor,
        pages: PagesAhead[T],
        handle: Handler[T],
        position: tuple[str | None, int, str | None],
    ) -> SweepResult:
        """The sweep from ``position`` (token, offset, key of the last item handled) on."""
        token, offset, after = position
        seeking = after is not None  # the next page read passes over the items up to ``after``
        relisted = False
        while True:
            if self.out_of_time():
                return self._pause(trigger, executor, token, offset, after)
            try:
                page = pages.page(token)
            except Throttled:
                return self._pause(trigger, executor, token, offset, after)
            except AwsError as exc:
                if self.key is None or token is None or relisted:
                    raise
                # Its token refused (it may name an item deleted since): list again from the first page.
                logger.warning("listing refused its token; listing again from the start", extra={"error": str(exc)})
                token, offset, seeking, relisted = None, 0, after is not None, True
                continue
            start = offset if not seeking or after is None else self._after(page.items, after)
            seeking = seeking and start == len(page.items)  # every item of this page handled already
            paused = self._walk(page.items, start, executor, handle, self._ahead(pages, page.next_token))
            if paused is not None:
                index, last = paused
                return self._pause(trigger, executor, token, index, last if last is not None else after)
            if self.key is not None and len(page.items) > start:
                after = self.key(page.items[-1])
            if page.next_token is None:
                self._save(trigger, {"token": None, "offset": 0, "done": True})
                return SweepResult(executor.summary, finished=True)
            token, offset = page.next_token, 0

    def _ahead(self, pages: PagesAhead[T], token: str | None) -> Callable[[], None] | None:
        """What reads the page ``token`` names ahead (None: nothing to read, or this sweep reads no page ahead)."""
        if not self.pages_ahead or token is None:
            return None
        return lambda: pages.read_ahead(token)

    def _walk(
        self,
        items: Sequence[T],
        start: int,
        executor: Executor,
        handle: Handler[T],
        last_change: Callable[[], None] | None = None,
    ) -> tuple[int, str | None] | None:
        """Handle ``items`` from ``start`` in batches; None when all were carried out, else the index to
        resume at and the key of the last item carried out before it (None: none on this page).
        ``last_change`` is called once the page's last change is about to be made."""
        with ExitStack() as reads:
            step = _stepper(items, executor, handle, start, reads)
            return self._batches(items, start, executor, step, last_change)

    def _batches(
        self,
        items: Sequence[T],
        start: int,
        executor: Executor,
        step: Callable[[int], Outcome | None],
        last_change: Callable[[], None] | None,
    ) -> tuple[int, str | None] | None:
        owners: list[tuple[int, int]] = []  # (item index, number of the first plan it queued)
        with executor.batching():
            for index in range(start, len(items)):
                if self.out_of_time():
                    return self._carried_out(items, owners, executor, start) or self._at(items, index, start)
                owners.append((index, executor.planned))
                try:
                    step(index)
                except Throttled:
                    owners.pop()
                    return self._carried_out(items, owners, executor, start) or self._at(items, index, start)
                if executor.due or executor.first_deferred() is not None:
                    stopped = self._carried_out(items, owners, executor, start)
                    if stopped is not None:
                        return stopped
                    owners = []
            return self._carried_out(items, owners, executor, start, last_change)

    def _carried_out(
        self,
        items: Sequence[T],
        owners: list[tuple[int, int]],
        executor: Executor,
        start: int,
        last_change: Callable[[], None] | None = None,
    ) -> tuple[int, str | None] | None:
        """Carry out what is queued; the item whose plan was the first deferred (and the key of the one
        before it), if any. Plans that claim or settle state wait in the batch like any other
        (``Executor.flush``)."""
        executor.flush(self._stop(executor.changes_queued, last_change))
        deferred = executor.first_deferred()
        if deferred is None:
            return None
        index = next(i for i, first in reversed(owners) if first <= deferred)
        return self._at(items, index, start)

    def _stop(self, changes: int, last_change: Callable[[], None] | None) -> Callable[[], bool]:
        """``flush``'s check before each of its ``changes``: ``out_of_time``; and, once the last one is about to be
        made (not held back), ``last_change`` called. Thread-safe: changes may be made side by side."""
        if last_change is None or not changes:
            return self.out_of_time
        lock = threading.Lock()
        checked = [0]

        def stop() -> bool:
            if self.out_of_time():
                return True
            with lock:
                checked[0] += 1
                last = checked[0] == changes
            if last:
                last_change()
            return False

        return stop

    def _at(self, items: Sequence[T], index: int, first: int) -> tuple[int, str | None]:
        return index, self._key_before(items, index, first)

    def _key_before(self, items: Sequence[T], index: int, first: int) -> str | None:
        if self.key is None or index <= first:
            return None
        return self.key(items[index - 1])

    def _after(self, items: Sequence[T], after: str) -> int:
        """The index of the first item after the one keyed ``after``: right after it if the page holds it,
        else the first whose key sorts after it (``len(items)`` if none does)."""
        assert self.key is not None
        keys = [self.key(item) for item in items]
        if after in keys:
            return keys.index(after) + 1
        return next((i for i, key in enumerate(keys) if key > after), len(keys))

    def out_of_time(self) -> bool:
        """Whether the hand-off margin is reached (the deadline read is also what governed calls are checked
        against while the sweep runs, ``ecoguard.deadline``)."""
        return deadline.observe(self.remaining_ms())

    def _pause(
        self, trigger: Trigger, executor: Executor, token: str | None, offset: int, after: str | None
    ) -> SweepResult:
        state: dict[str, object] = {"token": token, "offset": offset, "done": False}
        if self.key is not None:
            state["after"] = after
        self._save(trigger, state)
        logger.info(
            "sweep paused; it carries on in the next invocation", extra={"run_id": trigger.id, "offset": offset}
        )
        return SweepResult(executor.summary, finished=False)

    def _save(self, trigger: Trigger, state: dict[str, object]) -> None:
        expires = int((self.clock() + CHECKPOINT_TTL).timestamp())
        self.audit.save_checkpoint(self.guardrail, trigger.id, state, expires)


def _stepper[T](
    items: Sequence[T], executor: Executor, handle: Handler[T], start: int, reads: ExitStack
) -> Callable[[int], Outcome | None]:
    """How the item at an index is handled: at once, or with its read made ahead (closed with ``reads``)."""
    if not isinstance(handle, Overlapped):
        plain = handle
        return lambda index: plain(items[index], executor)
    overlapped = handle
    if overlapped.workers <= 1:
        return lambda index: overlapped.decide(items[index], overlapped.read(items[index]), executor)
    ahead = reads.enter_context(ReadAhead(overlapped.read, items, start, overlapped.workers, overlapped.window))
    return lambda index: overlapped.decide(items[index], ahead.result(index), executor)
