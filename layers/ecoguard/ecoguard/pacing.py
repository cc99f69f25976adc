"""Every governed API's calls paced to its quota, by one limiter shared by every client and thread.

AWS holds each API of an account and Region to a rate (a token bucket on its side); a call over it is
answered with the service's throttling error, and the SDK's retries are spent on waiting out an excess the
caller itself made. So ecoguard keeps its own schedule per API, shared by all its clients and threads:

- an API with a documented quota (``QUOTAS``) is paced to it from the first call;
- an API with none published (S3's bucket configuration calls, SageMaker's control plane) is not paced
  until it throttles;
- a throttling answer halves that API's pace (at least ``MIN_RATE``) and the next call waits its turn; each
  answer that is not throttled raises the pace again by ``RECOVERY`` of the quota (or of the pace it was
  throttled at), up to the quota. The quota is shared with every other tool in the account, so the pace
  settles at what is left of it, and the SDK's retries are left for what pacing cannot foresee.

The wait is per attempt (``before-send``: a retry consumes the quota as the first attempt did), and taken
before the call leaves, so a sweep's deadline check follows every wait (``ecoguard.deadline.check``): a
call whose turn comes inside the hand-off margin is not sent, and the sweep hands off. Outside a sweep a
turn further than ``MAX_WAIT_S`` away is not waited for: the call raises ``Throttled`` at once.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ecoguard import deadline
from ecoguard.errors import THROTTLING_CODES, Throttled


@dataclass(frozen=True)
class Quota:
    rate: float  # calls a second, per account and Region
    source: str


# Documented rates, by botocore service id and operation. An API absent here publishes none.
QUOTAS: Mapping[str, Quota] = {
    "cloudwatch-logs.PutRetentionPolicy": Quota(
        5, "CloudWatch Logs quotas (Logs User Guide, 'CloudWatch Logs quotas'): 5 TPS, not adjustable"
    ),
    "cloudwatch-logs.DeleteRetentionPolicy": Quota(
        5, "CloudWatch Logs quotas (Logs User Guide, 'CloudWatch Logs quotas'): 5 TPS"
    ),
    "cloudwatch-logs.DescribeLogGroups": Quota(
        10, "CloudWatch Logs quotas (Logs User Guide, 'CloudWatch Logs quotas'): 10 TPS, adjustable"
    ),
}

MIN_RATE = 0.5  # the slowest pace a throttled API is held to (calls a second)
RECOVERY = 0.05  # the share of the quota an unthrottled answer gives back
MAX_WAIT_S = 10.0  # outside a sweep, the longest turn waited for


@dataclass
class Schedule:
    """One API's pace: the next call's turn (GCRA, no burst: turns ``1 / rate`` apart)."""

    quota: float | None
    rate: float | None  # None: not paced
    ceiling: float | None  # the pace recovered to: the quota, or the pace it was first throttled at
    turn: float = 0.0
    sent: deque[float] = field(default_factory=deque)  # the last second's send times (unpaced APIs)

    def reserve(self, now: float) -> float:
        """The time this call may be sent at, and the next turn moved past it."""
        if self.rate is None:
            while self.sent and self.sent[0] <= now - 1.0:
                self.sent.popleft()
            self.sent.append(now)
            return now
        at = max(now, self.turn)
        self.turn = at + 1.0 / self.rate
        return at

    def throttled(self, now: float) -> None:
        current = self.rate if self.rate is not None else max(len(self.sent), 1.0)
        self.rate = max(MIN_RATE, current / 2)
        if self.ceiling is None:
            self.ceiling = current
        self.turn = max(self.turn, now + 1.0 / self.rate)

    def answered(self) -> None:
        if self.rate is None or self.ceiling is None:
            return
        self.rate = min(self.ceiling, self.rate + RECOVERY * self.ceiling)


class Limiter:
    """Paces calls per API (``"<service-id>.<Operation>"``); thread-safe. ``clock`` and ``sleep`` are seams."""

    def __init__(
        self,
        quotas: Mapping[str, Quota] = QUOTAS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._quotas = quotas
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._schedules: dict[str, Schedule] = {}
        self.waited_s = 0.0
        self.throttles = 0

    def _schedule(self, api: str) -> Schedule:
        schedule = self._schedules.get(api)
        if schedule is None:
            quota = self._quotas.get(api)
            rate = quota.rate if quota is not None else None
            schedule = self._schedules[api] = Schedule(rate, rate, rate)
        return schedule

    def acquire(self, api: str) -> None:
        """Wait for this API's next turn (``Throttled`` outside a sweep when it is over ``MAX_WAIT_S`` away)."""
        with self._lock:
            now = self.clock()
            schedule = self._schedule(api)
            if schedule.rate is not None and schedule.turn - now > MAX_WAIT_S and not deadline.running():
                raise Throttled(api, "Paced", f"the next turn is {schedule.turn - now:.1f} s away")
            wait = schedule.reserve(now) - now
            self.waited_s += max(wait, 0.0)
        if wait > 0:
            self.sleep(wait)

    def answered(self, api: str, code: str | None) -> None:
        """An answer came back: a throttling ``code`` slows the API; any other answer lets it recover."""
        with self._lock:
            schedule = self._schedule(api)
            if code in THROTTLING_CODES:
                self.throttles += 1
                schedule.throttled(self.clock())
            else:
                schedule.answered()

    def rate(self, api: str) -> float | None:
        with self._lock:
            return self._schedule(api).rate


# The one limiter of the process: every governed client of adapters/clients.py shares it (the simulator's
# bench puts one on its own clock in its place).
LIMITER = Limiter()


def _api(event_name: str) -> str:
    """``before-send.cloudwatch-logs.PutRetentionPolicy`` -> ``cloudwatch-logs.PutRetentionPolicy``."""
    return event_name.split(".", 1)[-1]


# botocore handlers, registered by adapters/clients.py on every governed client.
def before_send(event_name: str = "", **_: Any) -> None:
    """Wait for the API's turn, then check the sweep's deadline: the wait may have brought it near."""
    LIMITER.acquire(_api(event_name))
    deadline.check(event_name)


def response_received(event_name: str = "", parsed_response: Mapping[str, Any] | None = None, **_: Any) -> None:
    if parsed_response is None:
        return  # no answer (a connection error): nothing learnt about the quota
    code = parsed_response.get("Error", {}).get("Code")
    LIMITER.answered(_api(event_name), str(code) if code is not None else None)
