"""The Bedrock Provisioned Throughput guardrail's AWS side.

- ``ThroughputResources``: the port (``adapters.bedrock.BedrockAdapter`` implements it);
- ``BedrockThroughputRunner``: a resumable sweep over ListProvisionedModelThroughputs; each throughput is read
  again (GetProvisionedModelThroughput, its tags, its usage) and decided; a deletion is confirmed on a fresh
  read first. Advice and skips are recorded once per throughput per UTC day.
- ``DeleteProvisionedThroughput``: irreversible, and not restorable. A restore would have to buy capacity
  (CreateProvisionedModelThroughput: a new ARN, model units that may need a quota request, billed from then
  on at the price of the day): that is a purchase for a person to decide, so ``ecoguard restore`` refuses and
  says why; the record's ``before`` holds what buying it again needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from ecoguard.adapters.bedrock import BedrockAdapter
from ecoguard.audit import AuditRecord
from ecoguard.confirm import Confirmation, Fresh
from ecoguard.decisions import OUT_OF_SCOPE, Decision, Outcome, Plan, PlannedAction, Resource, Unreadable
from ecoguard.executor import Executor
from ecoguard.guardrails.bedrock_throughput import (
    ADVICE,
    DELETE,
    GUARDRAIL,
    IRREVERSIBLE,
    KIND,
    Mark,
    MetricEvidence,
    ObservedThroughput,
    Throughput,
    mark_key,
    plan_throughput,
)
from ecoguard.paging import Page
from ecoguard.reading import GONE, read
from ecoguard.runner import GuardrailRunner, daily
from ecoguard.state import StateStore
from ecoguard.summary import Trigger
from ecoguard.sweep import Sweep, SweepResult
from ecoguard.units import ActionUnit, Clients, Registry
from ecoguard.wiring import Wiring


class ThroughputResources(Protocol):
    def throughput_page(self, token: str | None) -> Page[str]: ...

    def throughput(self, arn: str) -> Throughput: ...

    def usage(self, arn: str, days: int, now: datetime) -> Mapping[str, MetricEvidence]: ...

    def exists(self, arn: str) -> bool: ...

    def delete(self, arn: str) -> None: ...


class DeleteProvisionedThroughput(ActionUnit[ThroughputResources]):
    """Delete a Provisioned Throughput bought without a commitment (DeleteProvisionedModelThroughput)."""

    name = DELETE
    permissions = frozenset({"bedrock:DeleteProvisionedModelThroughput"})
    restore_permissions = frozenset({"bedrock:GetProvisionedModelThroughput"})
    confirm_first = True
    irreversible = IRREVERSIBLE
    interrupts = "requests to its ARN fail; buying it again makes a new ARN"
    restorable = False
    unrepeatable = True  # a second delete answers ResourceNotFoundException

    def apply(self, action: PlannedAction) -> None:
        self.ports.delete(action.resource.arn)

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        return {"exists": self.ports.exists(record.resource.arn)}

    def undo(self, record: AuditRecord) -> None:
        raise RuntimeError(f"cannot be restored: {self.irreversible}")


def connect(clients: Clients) -> ThroughputResources:
    return BedrockAdapter(clients("bedrock"), clients("cloudwatch"))


REGISTRY = Registry(GUARDRAIL, "BedrockThroughputFunction", (DeleteProvisionedThroughput,), connect)


def _mark(value: Mapping[str, Any], version: int) -> Mark:
    since = value.get("since")
    try:
        return Mark(datetime.fromisoformat(since) if isinstance(since, str) else None, version)
    except ValueError:
        return Mark(None, version)


class BedrockThroughputRunner(GuardrailRunner):
    guardrail = GUARDRAIL

    def __init__(self, wiring: Wiring, bedrock: ThroughputResources, state: StateStore) -> None:
        super().__init__(wiring, REGISTRY.bind(bedrock), state)
        self._bedrock = bedrock
        self._marks = state

    @classmethod
    def build(cls, wiring: Wiring) -> BedrockThroughputRunner:
        return cls(wiring, connect(wiring.clients), wiring.state(GUARDRAIL))

    def plan(self, arn: str) -> Plan:
        policy = self._policy.bedrock_throughput
        if not policy.enabled:
            return OUT_OF_SCOPE
        where = Resource(arn=arn, name=arn.rsplit("/", 1)[-1], kind=KIND)
        now = self._clock()

        def observe() -> ObservedThroughput:
            throughput = self._bedrock.throughput(arn)
            item = self._marks.get(mark_key(arn))
            usage = self._bedrock.usage(arn, policy.window_days, now)
            return ObservedThroughput(throughput, usage, _mark(item.value, item.version))

        found = read(GUARDRAIL, where, observe)
        if found is GONE:
            return OUT_OF_SCOPE
        if isinstance(found, Unreadable):
            return Plan(unreadable=found)
        return plan_throughput(found, policy, now)

    def confirmation(self, arn: str) -> Confirmation[str]:
        """Before a throughput is deleted it is read again (status, commitment, tags, usage, notice) and decided
        again: ``plan`` does all of it, so the fresh plan is the one carried out."""
        return Confirmation(GUARDRAIL, arn, lambda same: Fresh(same, changed=False), self.plan)

    def route(self, decision: Decision) -> Trigger | None:
        """Advice and skips once per throughput per UTC day; the idle notice and the deletion per sweep."""
        return daily(decision, self._clock().date().isoformat(), ADVICE)

    def sweep(self, trigger: Trigger) -> SweepResult:
        executor = self._executor(trigger).routed(self.route)

        def handle(arn: str, run: Executor) -> Outcome | None:
            return run.run(self.plan(arn), self.confirmation(arn))

        sweep: Sweep[str] = self._make_sweep()
        return sweep.run(trigger, executor, self._bedrock.throughput_page, handle)
