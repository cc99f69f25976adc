"""A sweep's final records written behind it: off the sweep's thread, while it goes on to the next batch.

A final record (``applied``, ``failed``) is written over a pending one that already holds the state before the
change (``ecoguard.records``), so nothing is acted on on the strength of it: writing it later changes no order
that matters. ``FinalsBehind`` wraps the sweep's audit log; ``finish_many`` holds the records and returns at once.
They are handed to one background thread, which writes them in the order given, once the next batch's records
are stored (``begin_many``): then they are written while that batch's changes wait their turns
(``ecoguard.pacing``), not while the sweep is signing and storing the records those changes wait for. Everything
else is passed through as it is.

What must follow a final record waits for it (``join``):

- a checkpoint (``save_checkpoint``): the invocation that resumes the sweep finds every record before its
  position written (or known not written);
- a begin of a record whose key is still being finished (``begin``, ``begin_many``): the begin's condition
  (``audit.BEGIN_CONDITION``) must see the final record, not the pending one under it, or the change is made
  again;
- the end of the sweep, however it ends (``with``): no write outlives the invocation.

A final record that cannot be written is logged, as ``records.finish`` logs it on the sweep's thread: its pending
record stays, and the next run settles it (``ecoguard.settle``).
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from ecoguard.audit import AuditLog, AuditRecord, AuditUnavailable, Began
from ecoguard.records import finish
from ecoguard.refusals import Authenticating

logger = Logger(child=True)


class FinalsBehind:
    """An ``AuditLog`` whose ``finish_many`` writes behind the caller, on one thread, in order."""

    def __init__(self, audit: AuditLog) -> None:
        self._audit = audit
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ecoguard-finals")
        self._lock = threading.Lock()
        self._held: list[list[AuditRecord]] = []  # handed on, not yet given to the thread
        self._writing: list[tuple[Future[None], frozenset[tuple[str, str]]]] = []

    def finish_many(self, records: Sequence[AuditRecord]) -> list[AuditUnavailable | None]:
        """Hold the records for the background thread; None for each (``join`` waits for them; a record not
        written is logged there)."""
        if records:
            with self._lock:
                self._held.append(list(records))
        return [None for _ in records]

    def _release(self) -> None:
        """Give the held records to the thread, in the order handed on."""
        with self._lock:
            held, self._held = self._held, []
            for batch in held:
                context = contextvars.copy_context()
                future = self._pool.submit(context.run, _finish_logged, self._audit, batch)
                self._writing.append((future, frozenset((r.pk, r.sk) for r in batch)))

    def join(self) -> None:
        """Wait until every final record handed on so far is written (or logged as not written)."""
        self._release()
        with self._lock:
            writing, self._writing = self._writing, []
        for future, _ in writing:
            future.result()

    def _join_if_finishing(self, records: Sequence[AuditRecord]) -> None:
        keys = {(r.pk, r.sk) for r in records}
        with self._lock:
            held = any(keys & {(r.pk, r.sk) for r in batch} for batch in self._held)
            finishing = held or any(not future.done() and keys & written for future, written in self._writing)
        if finishing:
            self.join()

    def begin(self, record: AuditRecord) -> bool:
        self._join_if_finishing([record])
        began = self._audit.begin(record)
        self._release()
        return began

    def begin_many(self, records: Sequence[AuditRecord]) -> list[Began]:
        self._join_if_finishing(records)
        began = self._audit.begin_many(records)
        self._release()
        return began

    def finish(self, record: AuditRecord) -> None:
        self._join_if_finishing([record])
        self._audit.finish(record)

    def pending(self, guardrail: str, older_than: datetime) -> Iterator[AuditRecord]:
        return self._audit.pending(guardrail, older_than)

    def load_checkpoint(self, guardrail: str, run_id: str) -> dict[str, Any] | None:
        return self._audit.load_checkpoint(guardrail, run_id)

    def save_checkpoint(self, guardrail: str, run_id: str, state: Mapping[str, Any], expires_at: int) -> None:
        self.join()
        self._audit.save_checkpoint(guardrail, run_id, state, expires_at)

    def refusal(self, record: AuditRecord) -> str | None:
        """The wrapped log's check (``refusals.refused_by``); one that does not authenticate refuses nothing."""
        return self._audit.refusal(record) if isinstance(self._audit, Authenticating) else None

    def close(self) -> None:
        """Wait for every final record, then end the thread."""
        try:
            self.join()
        finally:
            self._pool.shutdown(wait=True)

    def __enter__(self) -> FinalsBehind:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _finish_logged(audit: AuditLog, records: list[AuditRecord]) -> None:
    """``records.finish``, its unexpected failure logged per record as ``finish`` logs an unwritten one."""
    try:
        finish(audit, records)
    except Exception as exc:  # noqa: BLE001 - left pending, settled by the next run; the sweep goes on
        for record in records:
            logger.error("could not record the outcome", extra={"resource": record.pk, "error": str(exc)})
