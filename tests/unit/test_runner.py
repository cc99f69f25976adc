"""The generic runner refuses to sweep without a deadline to watch, rather than pause at once for ever."""

from __future__ import annotations

import pytest

from ecoguard.decisions import Mode, Plan
from ecoguard.paging import Page
from ecoguard.runner import GuardrailRunner
from ecoguard.summary import Trigger
from tests.unit.fakes import MemoryAuditTrail, MemoryStateStore, wired


class Runner(GuardrailRunner):
    guardrail = "log-retention"


def test_given_a_runner_built_without_remaining_ms_when_it_sweeps_then_it_fails_clearly_and_writes_nothing() -> None:
    audit = MemoryAuditTrail()
    runner = Runner(wired(audit, mode=Mode.ENFORCE))

    def pager(token: str | None) -> Page[str]:
        return Page(["a"], None)

    with pytest.raises(TypeError, match="without remaining_ms"):
        runner.run_sweep(Trigger("run-1", "test"), pager, lambda item: Plan())
    assert audit.journal == [] and audit.checkpoints == {}


def test_given_a_runner_that_settles_state_when_it_asks_for_finals_behind_then_it_fails_and_writes_nothing() -> None:
    # A plan's state is settled once its outcome is written; a final record written behind would come after it.
    class Behind(Runner):
        finals_behind = True

    audit = MemoryAuditTrail()
    runner = Behind(
        wired(audit, mode=Mode.ENFORCE, remaining_ms=lambda: 900_000),
        state=MemoryStateStore("log-retention", Mode.ENFORCE),
    )

    with pytest.raises(TypeError, match="settles state"):
        runner.run_sweep(Trigger("run-1", "test"), lambda token: Page(["a"], None), lambda item: Plan())
    assert audit.journal == [] and audit.checkpoints == {}
