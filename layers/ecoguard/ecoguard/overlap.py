"""Independent reads of different resources, overlapped: a bounded pool reads ahead while a sweep decides.

A control-plane call takes tens of milliseconds, so a sweep that reads each resource only once the one
before it is decided is bound by latency, not by work. ``ReadAhead`` reads up to ``window`` items ahead on
``workers`` threads; the sweep still takes each result in listing order and decides, records and acts on
the main thread exactly as before, so no decision, record or write changes order. Only reads run here:
they must be independent of each other and of the writes made meanwhile (each reads its own resource),
and use boto3 clients, which are thread-safe (sessions are not: boto3 guide, "Multithreading or
multiprocessing with clients").

Each read runs in a copy of the caller's context, so a sweep's deadline (``ecoguard.deadline``) holds in the
read threads too, and every call still waits for its API's turn (``ecoguard.pacing``). An exception a read
raises (``Throttled`` included) is raised again where its result is taken, at that item. Reads submitted
ahead of an item the sweep pauses at are cancelled if not yet started; those already started are waited
for, so none outlives the sweep.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager

# Threads reading ahead: enough to hide a round trip of tens of milliseconds behind the main thread's
# work; few enough that every API's pace (ecoguard.pacing), not the thread count, bounds the rate.
READ_WORKERS = 8


class ReadAhead[T, R]:
    """``read(items[i])`` for ``i`` from ``start``, up to ``window`` ahead of the last result taken."""

    def __init__(
        self,
        read: Callable[[T], R],
        items: Sequence[T],
        start: int = 0,
        workers: int = READ_WORKERS,
        window: int | None = None,
        *,
        pool: Executor | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self._read = read
        self._items = items
        self._next = start
        self._window = window if window is not None else 2 * workers
        # ``pool``: threads shared with other reads (``ecoguard.listed_ahead``), not ended here.
        self._shared = pool is not None
        self._pool = pool or ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ecoguard-read")
        self._futures: dict[int, Future[R]] = {}

    def result(self, index: int) -> R:
        """The read of ``items[index]`` (its exception raised here); the reads after it started."""
        self._fill(index)
        future = self._futures.pop(index, None)
        if future is None:
            # Taken out of order, or again: read now (never a stale result of another item).
            return self._read(self._items[index])
        return future.result()

    def _fill(self, index: int) -> None:
        self._next = max(self._next, index)
        end = min(len(self._items), index + 1 + self._window)
        while self._next < end:
            context = contextvars.copy_context()
            self._futures[self._next] = self._pool.submit(context.run, self._read, self._items[self._next])
            self._next += 1

    def close(self) -> None:
        """Cancel the reads not started; wait for those running."""
        for future in self._futures.values():
            future.cancel()
        running = [f for f in self._futures.values() if not f.cancelled()]
        self._futures.clear()
        if self._shared:
            wait(running)
        else:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ReadAhead[T, R]:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def read_all[T, R](
    read: Callable[[T], R], items: Sequence[T], workers: int | None = None, pool: Executor | None = None
) -> list[R]:
    """``read`` of every item, overlapped on ``workers`` threads (default ``READ_WORKERS``) or on ``pool``'s,
    the results in the items' order; the exception of the first item (in their order) whose read raised, raised
    here."""
    count = workers if workers is not None else READ_WORKERS
    if count <= 1 or len(items) <= 1:
        return [read(item) for item in items]
    with ReadAhead(read, items, 0, count, window=len(items), pool=pool) as ahead:
        return [ahead.result(index) for index in range(len(items))]


@contextmanager
def ahead[T, R](read: Callable[[T], R], items: Sequence[T], workers: int | None = None) -> Iterator[Callable[[int], R]]:
    """A function giving ``read(items[i])``, taken in order by a caller that may stop early (a deadline): on
    ``workers`` threads (default ``READ_WORKERS``) reading up to twice as many items ahead, or, with one
    worker, each read made only when taken. The reads not taken are cancelled (or waited for) on exit."""
    count = workers if workers is not None else READ_WORKERS
    if count <= 1 or len(items) <= 1:
        yield lambda index: read(items[index])
        return
    with ReadAhead(read, items, 0, count) as reading:
        yield reading.result


def kept[T, R](read: Callable[[T], R]) -> Callable[[T], Callable[[], R]]:
    """``read`` made ahead for a caller that uses its result later, at a point of its own: what it returned, or
    the exception it raised, given (raised) only when the caller calls for it, as a Future's result is."""

    def reading(item: T) -> Callable[[], R]:
        try:
            value = read(item)
        except Exception as exc:  # noqa: BLE001 - kept whole and raised where the result is used
            error = exc

            def unread() -> R:
                raise error

            return unread
        return lambda: value

    return reading


# Threads making changes side by side within a batch (``Executor``, for a runner whose changes to different
# resources are independent): as many as read ahead, for the same reason; every API's pace still bounds them.
WRITE_WORKERS = READ_WORKERS


def side_by_side[T, R](work: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """``work`` of every item, started in the items' order on up to ``workers`` threads (each in a copy of the
    caller's context, as a read ahead is), the results in the items' order. Nothing here orders the changes or
    checks their records: the caller starts it only once every item's audit record is stored, and ``work``
    itself decides whether to make its change. ``work``'s exception is raised as ``read_all`` raises it."""
    return read_all(work, items, workers)
