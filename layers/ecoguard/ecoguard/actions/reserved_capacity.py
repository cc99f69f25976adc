"""The reserved-capacity guardrail's AWS side: read-only. It has no action units: it only records findings
(notices), so nothing is written to a training plan or a Capacity Block, in any mode.

``ReservedCapacityRunner`` sweeps Active training plans, then active Capacity Blocks (resumable; its position
in the page token, ``plans|token`` or ``blocks|token``), and records each notice once per commitment per UTC day.
A listing this runtime's SDK cannot read is walked as empty, said once per run (``adapters.sdk_support``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ecoguard.adapters.reserved_capacity import ReservedCapacityAdapter
from ecoguard.decisions import Decision, Outcome, Plan, Unreadable
from ecoguard.executor import Executor
from ecoguard.guardrails.reserved_capacity import GUARDRAIL, Commitment, plan_commitment
from ecoguard.paging import Page
from ecoguard.runner import GuardrailRunner, daily
from ecoguard.summary import Trigger
from ecoguard.sweep import Sweep, SweepResult
from ecoguard.units import Clients, Registry
from ecoguard.wiring import Wiring

PLANS, BLOCKS = "plans", "blocks"
KINDS = (PLANS, BLOCKS)
PART = {PLANS: "training-plan", BLOCKS: "capacity-block"}  # the parts of sdk_support.NEEDS

type Snapshot = Commitment | Unreadable


class Commitments(Protocol):
    def sdk_gaps(self) -> Mapping[str, tuple[str, ...]]: ...

    def plan_page(self, token: str | None) -> Page[Snapshot]: ...

    def block_page(self, token: str | None) -> Page[Snapshot]: ...


def connect(clients: Clients) -> Commitments:
    return ReservedCapacityAdapter(clients("sagemaker"), clients("ec2"))


REGISTRY = Registry[Commitments](GUARDRAIL, "ReservedCapacityFunction", (), connect)


def encode(kind: str, token: str | None) -> str:
    return f"{kind}|{token or ''}"


def decode(token: str) -> tuple[str, str | None]:
    kind, inner = token.split("|", 1)
    if kind not in KINDS:
        raise ValueError(f"not a reserved-capacity position: {token!r}")
    return kind, inner or None


class ReservedCapacityRunner(GuardrailRunner):
    guardrail = GUARDRAIL

    def __init__(self, wiring: Wiring, commitments: Commitments) -> None:
        super().__init__(wiring)
        self._commitments = commitments
        self._gaps: dict[str, tuple[str, ...]] | None = None

    @classmethod
    def build(cls, wiring: Wiring) -> ReservedCapacityRunner:
        return cls(wiring, connect(wiring.clients))

    def _listing(self, kind: str) -> Callable[[str | None], Page[Snapshot]]:
        if self._gaps is None:
            self._gaps = dict(self._commitments.sdk_gaps())
        if PART[kind] in self._gaps:
            return lambda _token: Page([], None)
        return self._commitments.plan_page if kind == PLANS else self._commitments.block_page

    def pager(self, token: str | None) -> Page[Snapshot]:
        kind, inner = (PLANS, None) if token is None else decode(token)
        listed = self._listing(kind)(inner)
        if listed.next_token is not None:
            return Page(listed.items, encode(kind, listed.next_token))
        following = KINDS.index(kind) + 1
        return Page(listed.items, encode(KINDS[following], None) if following < len(KINDS) else None)

    def plan(self, snapshot: Snapshot) -> Plan:
        if isinstance(snapshot, Unreadable):
            return Plan(unreadable=snapshot)
        return plan_commitment(snapshot, self._policy.reserved_capacity, self._clock())

    def route(self, decision: Decision) -> Trigger | None:
        """Notices and skips once per commitment per UTC day, however often the sweep runs."""
        return daily(decision, self._clock().date().isoformat())

    def sweep(self, trigger: Trigger) -> SweepResult:
        executor = self._executor(trigger).routed(self.route)

        def handle(snapshot: Snapshot, run: Executor) -> Outcome | None:
            return run.run(self.plan(snapshot))

        if not self._policy.reserved_capacity.enabled:
            return self._make_sweep().run(trigger, executor, lambda _token: Page((), None), handle)
        sweep: Sweep[Any] = self._make_sweep()
        return sweep.run(trigger, executor, self.pager, handle)
