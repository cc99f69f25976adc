"""What every guardrail runner shares: its audit trail, policy, clock and action units, and how it builds an
Executor.

A runner collects snapshots through its ports, asks its guardrail for a plan per snapshot, and hands the
plan to the Executor, which alone knows the mode. It names its guardrail and binds the guardrail's action
units (``ecoguard.actions``) to its ports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar

from ecoguard.actions import ActionUnit
from ecoguard.audit import AuditTrail
from ecoguard.decisions import Mode
from ecoguard.executor import Executor, RunSummary, Trigger
from ecoguard.policy import Policy
from ecoguard.state import StateStore


class GuardrailRunner:
    guardrail: ClassVar[str]

    def __init__(
        self,
        *,
        audit: AuditTrail,
        policy: Policy,
        mode: Mode,
        clock: Callable[[], datetime],
        units: Mapping[str, ActionUnit[Any]],
        state: StateStore | None = None,
    ) -> None:
        self._audit = audit
        self._policy = policy
        self._mode = mode
        self._clock = clock
        self._units = units
        self._state = state

    def _executor(self, trigger: Trigger) -> Executor:
        return Executor(
            audit=self._audit,
            mode=self._mode,
            trigger=trigger,
            clock=self._clock,
            ttl_days=self._policy.audit.ttl_days,
            units=self._units,
            summary=RunSummary(self.guardrail, self._mode),
            state=self._state,
        )
