"""A sweep's next listing page read while the last change of the page before it is made.

Between two pages a sweep lists the next one on its own thread, so a paced API's quota (``ecoguard.pacing``)
sits idle for that round trip. ``PagesAhead`` reads the next page on a thread of its own once the current
page's last change is about to be made (``Sweep``), and gives it where the sweep would have listed it; what
the listing raised (throttling, the deadline, a refused token) is raised there, as a listing made then would.

Only for a sweep whose changes leave the listing as it was (a log group's retention is not in what
DescribeLogGroups pages by): a page read before the last change of the page before it is the page read after.
At most one page is read ahead, and only once that change is under way, so a sweep that pauses before it
reads no page it would not have read. If that very change is then deferred (throttled, or the hand-off margin
reached while it waits its turn), the page read is not used: the sweep resumes at the deferred item, and lists
its page again then; so also when the margin is reached between that change and the next page's first item.
"""

from __future__ import annotations

import contextvars
from concurrent.futures import Future, ThreadPoolExecutor

from ecoguard.paging import Page, Pager


class PagesAhead[T]:
    """``pager``'s pages, the next one read ahead on request (``read_ahead``)."""

    def __init__(self, pager: Pager[T]) -> None:
        self._pager = pager
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ecoguard-page")
        self._ahead: tuple[str, Future[Page[T]]] | None = None

    def read_ahead(self, token: str) -> None:
        """Start reading the page ``token`` names (in a copy of the caller's context: its deadline holds)."""
        if self._ahead is None:
            context = contextvars.copy_context()
            self._ahead = (token, self._pool.submit(context.run, self._pager, token))

    def page(self, token: str | None) -> Page[T]:
        """The page ``token`` names: the one read ahead if it is that one (its exception raised here), else read
        now."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[0] == token:
            return ahead[1].result()
        if ahead is not None:
            ahead[1].cancel()
        return self._pager(token)

    def close(self) -> None:
        """Wait for a page still being read; end the thread."""
        self._ahead = None
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> PagesAhead[T]:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
