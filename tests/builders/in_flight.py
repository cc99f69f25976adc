"""How many calls of a kind run at once, seen from the threads that make them: ``peak`` is the most at any moment."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class InFlight:
    """``enter`` and ``leave`` around each call (as botocore hooks, or through ``held``); ``hold_s``: how long each
    call is held on entering, a round trip, so that calls made at once are seen at once."""

    def __init__(self, hold_s: float = 0.0) -> None:
        self.hold_s = hold_s
        self.now = 0
        self.peak = 0
        self._lock = threading.Lock()

    def enter(self, **_: Any) -> None:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        if self.hold_s:
            time.sleep(self.hold_s)

    def leave(self, **_: Any) -> None:
        with self._lock:
            self.now -= 1

    @contextmanager
    def held(self) -> Iterator[None]:
        self.enter()
        try:
            yield
        finally:
            self.leave()
