"""A sweep's next pages listed, and read, while the page before them is still being read.

A page of some sweeps is a listing, then reads of the listed items (a describe each, overlapped), then a round over
the whole page (one batched metric query, one state read). While a page waits on that round, and on the listing
before it, its read threads sit idle: a round trip or three a page. ``ListedAhead`` lists the next page as soon as
the one before it is listed, and reads it, up to ``DEPTH`` pages ahead of the page the sweep takes, so that the
later pages' reads fill the threads an earlier page leaves idle.

Only for a sweep whose own writes change nothing it lists or reads (the serving advisor records findings and writes
only its own open-finding state, which is read per endpoint): a page read early is then the page read on time. Every
call of every page is made on one pool of ``overlap.READ_WORKERS`` threads (``pool`` for a page's reads, ``call``
for its listing and its round), taken in the order asked: reading ahead adds no call in flight (its page threads
only wait), it fills idle ones, and a page's round may wait behind the next page's reads, which keeps every thread
busy. Pages read ahead that the sweep does not take (it paused at its deadline, or listed again from the start) are
waited for and dropped: at most ``DEPTH`` pages of reads made for nothing, once a hand-off (past the hand-off
margin, a governed call is refused before it is sent: ``ecoguard.deadline``). What reading a page raised is raised
where the sweep takes it, as if it had been read then.
"""

from __future__ import annotations

import contextvars
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from ecoguard.overlap import READ_WORKERS
from ecoguard.paging import Page

# Pages read ahead of the one the sweep takes: one in its listing and reads while another waits on its round.
DEPTH = 2


class ListedAhead[R, S]:
    """A pager (``ecoguard.paging.Pager``) of ``collect(listing(token))``, the next pages begun ahead."""

    def __init__(self, listing: Callable[[str | None], Page[R]], collect: Callable[[Page[R]], Page[S]]) -> None:
        self._listing = listing
        self._collect = collect
        self.pool = ThreadPoolExecutor(max_workers=READ_WORKERS, thread_name_prefix="ecoguard-read")
        self._pages = ThreadPoolExecutor(max_workers=DEPTH, thread_name_prefix="ecoguard-listed")
        self._lock = threading.Lock()
        self._ahead: deque[tuple[str, Future[Page[S]]]] = deque()
        self._unbegun: str | None = None  # the next page not begun, once the page before it is listed
        self._generation = 0  # pages begun before the sweep dropped them no longer begin others

    def __call__(self, token: str | None) -> Page[S]:
        with self._lock:
            taken = self._ahead.popleft()[1] if self._ahead and self._ahead[0][0] == token else None
            if taken is not None:
                self._fill()
        if taken is not None:
            return taken.result()
        self._drop()
        listed = self._listed(token)
        with self._lock:
            self._unbegun = listed.next_token
            self._fill()
        return self._collect(listed)

    def call[T](self, call: Callable[[], T]) -> T:
        """``call()`` made on the pages' pool (in a copy of the caller's context: its deadline holds)."""
        return self.pool.submit(contextvars.copy_context().run, call).result()

    def _listed(self, token: str | None) -> Page[R]:
        return self.call(lambda: self._listing(token))

    def _fill(self) -> None:
        """Begin the next page if it is known and fewer than ``DEPTH`` are ahead (the lock held)."""
        if self._unbegun is None or len(self._ahead) >= DEPTH:
            return
        token, self._unbegun = self._unbegun, None
        context = contextvars.copy_context()
        self._ahead.append((token, self._pages.submit(context.run, self._read, token, self._generation)))

    def _read(self, token: str, generation: int) -> Page[S]:
        listed = self._listed(token)
        with self._lock:
            if generation == self._generation:
                self._unbegun = listed.next_token
                self._fill()
        return self._collect(listed)

    def _drop(self) -> None:
        """Wait for the pages read ahead, and drop them (what they raised is not the sweep's: its position is
        elsewhere)."""
        with self._lock:
            dropped = [future for _, future in self._ahead]
            self._ahead.clear()
            self._unbegun = None
            self._generation += 1
        for future in dropped:
            future.exception()

    def close(self) -> None:
        """Wait for the pages still being read ahead, and drop them."""
        self._drop()
        self._pages.shutdown(wait=True)
        self.pool.shutdown(wait=True)

    def __enter__(self) -> ListedAhead[R, S]:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
