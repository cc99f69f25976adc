"""A resumable sweep over a paginated listing, shared by every guardrail.

The sweep stops before the Lambda deadline, or when a call is still throttled after the SDK's
retries, and saves a checkpoint (page token + offset in that page) in the audit table. The next
invocation, carrying the same run id, resumes at exactly that item. Records keyed by run id make
an item already handled a no-op, so nothing is skipped and nothing is done twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from ecoguard.audit import AuditTrail
from ecoguard.decisions import Outcome
from ecoguard.errors import Throttled
from ecoguard.executor import Executor, RunSummary, Trigger

logger = Logger(child=True)

# Stop this long before the Lambda deadline, leaving time to save the checkpoint.
DEADLINE_MARGIN_MS = 20_000
CHECKPOINT_TTL = timedelta(days=7)


@dataclass(frozen=True)
class Page[T]:
    items: Sequence[T]
    next_token: str | None


type Pager[T] = Callable[[str | None], Page[T]]


@dataclass(frozen=True)
class SweepResult:
    summary: RunSummary
    finished: bool


@dataclass(frozen=True)
class Sweep[T]:
    """Walk ``pager`` from this run's checkpoint, calling ``handle`` on each item."""

    guardrail: str
    audit: AuditTrail
    clock: Callable[[], datetime]
    remaining_ms: Callable[[], int]

    def run(
        self,
        trigger: Trigger,
        executor: Executor,
        pager: Pager[T],
        handle: Callable[[T, Executor], Outcome | None],
    ) -> SweepResult:
        state = self.audit.load_checkpoint(self.guardrail, trigger.id) or {"token": None, "offset": 0, "done": False}
        if state.get("done"):
            logger.info("sweep already finished for this run", extra={"run_id": trigger.id})
            return SweepResult(executor.summary, finished=True)
        token: str | None = state["token"]
        offset: int = state["offset"]
        while True:
            if self._out_of_time():
                return self._pause(trigger, executor, token, offset)
            try:
                page = pager(token)
            except Throttled:
                return self._pause(trigger, executor, token, offset)
            for index in range(offset, len(page.items)):
                if self._out_of_time():
                    return self._pause(trigger, executor, token, index)
                try:
                    outcome = handle(page.items[index], executor)
                except Throttled:
                    outcome = Outcome.DEFERRED
                if outcome is Outcome.DEFERRED:
                    return self._pause(trigger, executor, token, index)
            if page.next_token is None:
                self._save(trigger, {"token": None, "offset": 0, "done": True})
                return SweepResult(executor.summary, finished=True)
            token, offset = page.next_token, 0

    def _out_of_time(self) -> bool:
        return self.remaining_ms() < DEADLINE_MARGIN_MS

    def _pause(self, trigger: Trigger, executor: Executor, token: str | None, offset: int) -> SweepResult:
        self._save(trigger, {"token": token, "offset": offset, "done": False})
        logger.info(
            "sweep paused; it carries on in the next invocation", extra={"run_id": trigger.id, "offset": offset}
        )
        return SweepResult(executor.summary, finished=False)

    def _save(self, trigger: Trigger, state: dict[str, object]) -> None:
        expires = int((self.clock() + CHECKPOINT_TTL).timestamp())
        self.audit.save_checkpoint(self.guardrail, trigger.id, state, expires)
