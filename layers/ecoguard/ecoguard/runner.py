"""The generic runner: collect, decide, execute.

A guardrail's runner collects snapshots through its ports (a page of a sweep, or the resource an event
names), asks the guardrail for a ``Plan`` per snapshot, and hands each plan to the ``Executor``, which
alone knows the mode. It names its guardrail and binds the guardrail's action units (``ecoguard.units``) to
its ports; ``run_sweep`` gives it a resumable sweep (checkpoint and hand-off).

Every runner is made the same way: ``Runner(wiring, <its own ports>)``, and ``Runner.build(wiring)`` makes
its ports from the wiring's client factory (``ecoguard.wiring``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, ClassVar, Self

from ecoguard import overlap
from ecoguard.audit import AuditLog
from ecoguard.confirm import Confirmation
from ecoguard.decisions import Decision, Finding, Outcome, Plan, Skip
from ecoguard.executor import Executor
from ecoguard.finals_behind import FinalsBehind
from ecoguard.paging import Pager
from ecoguard.state import StateStore
from ecoguard.summary import RunSummary, Trigger
from ecoguard.sweep import Handler, Sweep, SweepResult
from ecoguard.units import ActionUnit
from ecoguard.wiring import Wiring


class GuardrailRunner:
    guardrail: ClassVar[str]
    # Plans of different resources carried out side by side within a batch (``Executor``), on
    # ``overlap.WRITE_WORKERS`` threads: only for a runner whose changes to different resources are independent
    # of each other. ``write_workers`` (an instance's own) overrides the count.
    side_by_side: ClassVar[bool] = False
    write_workers: int | None = None
    # A sweep's final records written behind it, on a thread of their own (``ecoguard.finals_behind``): for a
    # runner whose plans settle no state, as no state write then waits for a final record.
    finals_behind: bool = False
    # A sweep's next page read while the last change of a page is made (``ecoguard.pages_ahead``): for a runner
    # whose changes leave its listing as it was.
    pages_ahead: bool = False

    def __init__(
        self, wiring: Wiring, units: Mapping[str, ActionUnit[Any]] | None = None, state: StateStore | None = None
    ) -> None:
        self._wiring = wiring
        self._audit = wiring.audit
        self._policy = wiring.policy
        self._mode = wiring.mode
        self._clock = wiring.clock
        self._units = units or {}
        self._state = state

    @classmethod
    def build(cls, wiring: Wiring) -> Self:
        """This runner with its ports made from ``wiring.clients``."""
        raise NotImplementedError(f"{cls.__name__} does not say how it is built")

    def _executor(self, trigger: Trigger, audit: AuditLog | None = None) -> Executor:
        return Executor(
            audit=audit or self._audit,
            mode=self._mode,
            trigger=trigger,
            clock=self._clock,
            ttl_days=self._policy.audit.ttl_days,
            units=self._units,
            summary=RunSummary(self.guardrail, self._mode),
            state=self._state,
            attribution_tags=tuple(self._policy.report.attribution_tags),
            monotonic=self._wiring.monotonic,
            write_workers=self._write_workers(),
        )

    def _write_workers(self) -> int:
        if self.write_workers is not None:
            return self.write_workers
        return overlap.WRITE_WORKERS if self.side_by_side else 1

    def _make_sweep[S](self, key: Callable[[S], str] | None = None) -> Sweep[S]:
        """A resumable sweep of this guardrail (``key``: items listed in ascending order of it)."""
        remaining_ms = self._wiring.remaining_ms
        if remaining_ms is None:
            raise TypeError(f"the {self.guardrail} runner was built without remaining_ms, so it cannot sweep")
        return Sweep[S](self.guardrail, self._audit, self._clock, remaining_ms, key, self.pages_ahead)

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

        return self.swept(self._make_sweep(), trigger, pager, handle)

    def swept[S](
        self,
        sweep: Sweep[S],
        trigger: Trigger,
        pager: Pager[S],
        handle: Handler[S],
    ) -> SweepResult:
        """``sweep`` run from this run's checkpoint with this runner's executor, its final records written behind it
        if the runner asks (``finals_behind``)."""
        if not self.finals_behind:
            return sweep.run(trigger, self._executor(trigger), pager, handle)
        if self._state is not None:
            # A plan's state is settled after its outcome is written, which a final record written behind breaks.
            raise TypeError(f"the {self.guardrail} runner settles state, so its final records cannot go behind")
        with FinalsBehind(self._audit) as behind:
            return replace(sweep, audit=behind).run(trigger, self._executor(trigger, behind), pager, handle)


def daily(decision: Decision, day: str, advice: frozenset[str] | None = None) -> Trigger | None:
    """For ``Executor.routed``: advice (findings of the ``advice`` kinds; None: every finding) and skips recorded
    once per resource per UTC ``day``, not on every sweep; None for any other decision (the run's own trigger)."""
    if isinstance(decision, Finding) and (advice is None or decision.kind in advice):
        return Trigger(f"{decision.kind}-{day}", f"daily advice, {day}")
    if isinstance(decision, Skip):
        return Trigger(f"skip-{day}", f"daily skip, {day}")
    return None
