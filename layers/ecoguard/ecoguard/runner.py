"""The generic runner: collect, decide, execute.

A guardrail's runner collects snapshots through its ports (a page of a sweep, or the resource an event
names), asks the guardrail for a ``Plan`` per snapshot, and hands each plan to the ``Executor``, which
alone knows the mode. It names its guardrail and binds the guardrail's action units
(``ecoguard.actions``) to its ports; ``run_sweep`` gives it a resumable sweep (checkpoint and hand-off).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar

from ecoguard import confirm
from ecoguard.actions import ActionUnit
from ecoguard.audit import AuditLog
from ecoguard.confirm import Confirmation
from ecoguard.decisions import Mode, Outcome, Plan
from ecoguard.executor import Executor, RunSummary, Trigger
from ecoguard.policy import Policy
from ecoguard.state import StateStore
from ecoguard.sweep import Pager, Sweep, SweepResult


class GuardrailRunner:
    guardrail: ClassVar[str]

    def __init__(
        self,
        *,
        audit: AuditLog,
        policy: Policy,
        mode: Mode,
        clock: Callable[[], datetime],
        units: Mapping[str, ActionUnit[Any]],
        state: StateStore | None = None,
        remaining_ms: Callable[[], int] | None = None,
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        self._audit = audit
        self._policy = policy
        self._mode = mode
        self._clock = clock
        self._units = units
        self._state = state
        self._remaining_ms = remaining_ms
        # The clock that times a read's age (``confirm.FRESH_FOR``).
        self._monotonic = monotonic or confirm.read_clock

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
            attribution_tags=tuple(self._policy.report.attribution_tags),
            monotonic=self._monotonic,
        )

    def run_sweep[S](
        self,
        trigger: Trigger,
        pager: Pager[S],
        plan: Callable[[S], Plan],
        confirmation: Callable[[S], Confirmation[S] | None] | None = None,
    ) -> SweepResult:
        """Walk ``pager`` from this run's checkpoint, running each snapshot's plan (confirmed on fresh state
        first where ``confirmation`` gives one)."""

        def handle(snapshot: S, executor: Executor) -> Outcome | None:
            return executor.run(plan(snapshot), confirmation(snapshot) if confirmation else None)

        if self._remaining_ms is None:
            raise TypeError(f"the {self.guardrail} runner was built without remaining_ms, so it cannot sweep")
        sweep = Sweep[S](self.guardrail, self._audit, self._clock, self._remaining_ms)
        return sweep.run(trigger, self._executor(trigger), pager, handle)
