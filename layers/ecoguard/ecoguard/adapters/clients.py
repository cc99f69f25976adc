"""One cached boto3 client per service, created on first use (never at import)."""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from ecoguard import deadline, pacing

# botocore's standard retry mode: exponential backoff with jitter and a retry quota. Adaptive mode also
# waits client-side before it sends, and the SDK reference calls it suitable only for special cases.
# Attempts and timeouts are bounded so one call, retries included, fits in the sweeps' hand-off margin
# (ecoguard.deadline.DEADLINE_MARGIN_MS; adapters/call_budget.py computes the bound, a test holds them together).
RETRY_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=3, read_timeout=10)


# One session for every client: making a session loads botocore's handlers and data again (tens of milliseconds
# each, on every cold start). boto3 clients are thread-safe, sessions are not (boto3 guide, "Multithreading or
# multiprocessing with clients"), so the session is used under a lock, only to make clients.
_session_lock = threading.Lock()
_session: list[boto3.session.Session] = []


@cache
def client(service: str, region: str | None = None) -> Any:
    """``region``: another region's endpoint (the central bus may live in another region). A governed
    service's calls are held back inside a sweep's hand-off margin (``ecoguard.deadline``) and paced to
    its API's quota (``ecoguard.pacing``). The client is shared by a sweep's read threads (``ecoguard.overlap``)."""
    with _session_lock:
        if not _session:
            _session.append(boto3.session.Session())
        made = _session[0].client(service, region_name=region, config=RETRY_CONFIG)  # type: ignore[call-overload]
    if service not in deadline.BOOKKEEPING:
        made.meta.events.register("before-call", deadline.check)
        # Each attempt waits for its API's turn (ecoguard.pacing), ahead of any other handler of the send.
        made.meta.events.register_first("before-send", pacing.before_send)
        made.meta.events.register("response-received", pacing.response_received)
    return made


def reset_clients() -> None:
    """Forget cached clients and their session (tests and the local runner switch between accounts)."""
    client.cache_clear()
    with _session_lock:
        _session.clear()
