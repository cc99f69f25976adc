"""A plan's state change (a grace mark, a cooldown): claimed before its decisions are carried out, settled
from their outcome. Versioned conditional writes (``ecoguard.state``): a concurrent change is a conflict."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from aws_lambda_powertools import Logger

from ecoguard.decisions import Outcome, Put, Remove, StateChange
from ecoguard.state import StateConflict, StateStore

logger = Logger(child=True)


@dataclass(frozen=True)
class Claims:
    state: StateStore | None
    clock: Callable[[], datetime]

    def claim(self, change: StateChange) -> StateChange:
        """Write the change's claim (``StateConflict`` if another invocation changed it since it was read)."""
        assert self.state is not None and change.claim is not None
        claim = change.claim
        version = self.state.put(
            change.key, claim.value, expected_version=change.version, expires_at=self._expiry(claim)
        )
        return replace(change, version=version)

    def settle(self, change: StateChange, outcome: Outcome | None) -> None:
        """Write what the outcome settles the change to; a concurrent change wins (the next run decides)."""
        write = change.settled(outcome)
        if write is None:
            return
        assert self.state is not None
        try:
            if isinstance(write, Put):
                self.state.put(change.key, write.value, expected_version=change.version, expires_at=self._expiry(write))
            elif isinstance(write, Remove) and change.version:
                self.state.delete(change.key, expected_version=change.version)
        except StateConflict:
            logger.info("state changed concurrently; the next run decides again", extra={"key": change.key})

    def _expiry(self, write: Put) -> int:
        return int((self.clock() + write.ttl).timestamp())
