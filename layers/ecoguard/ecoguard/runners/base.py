"""What every guardrail runner shares: its audit trail, policy, mode and clock, and how it builds an Executor.

A runner wires one guardrail's pure decisions to its adapters. Each names its guardrail and the appliers of
its actions; the Executor built here writes the audit record before any applier runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import ClassVar

from ecoguard.actions import Mode
from ecoguard.audit import AuditTrail
from ecoguard.executor import Applier, Executor, RunSummary, Trigger
from ecoguard.policy import Policy


class GuardrailRunner:
    guardrail: ClassVar[str]

    def __init__(self, *, audit: AuditTrail, policy: Policy, mode: Mode, clock: Callable[[], datetime]) -> None:
        self._audit = audit
        self._policy = policy
        self._mode = mode
        self._clock = clock

    def _appliers(self) -> Mapping[str, Applier]:
        """The function that carries out each of this guardrail's actions, by action name."""
        raise NotImplementedError

    def _executor(self, trigger: Trigger, summary: RunSummary | None = None) -> Executor:
        return Executor(
            audit=self._audit,
            mode=self._mode,
            trigger=trigger,
            clock=self._clock,
            ttl_days=self._policy.audit.ttl_days,
            appliers=self._appliers(),
            summary=summary if summary is not None else RunSummary(self.guardrail, self._mode),
        )
