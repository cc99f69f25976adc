"""The ec2-accelerators guardrail's AWS side: its one action, stop an idle EBS-backed accelerator instance, and
its runner, an hourly sweep of the running instances.

- ``AcceleratorInstances``: the EC2 port (``adapters.ec2_instances.Ec2InstancesAdapter``); ``GpuUtilization``:
  the CloudWatch agent's GPU series (``adapters.gpu_metrics.GpuMetricsAdapter``).
- The sweep lists running instances a page at a time and describes each new instance type once; only an
  accelerator instance running for longer than its window has its GPU series and stop protection read.
- Before a stop, in every mode, the instance is described again and decided again (``Confirmation``): a tag
  added since the listing (``ecoguard:exempt``, an Auto Scaling group's) or a stop elsewhere is seen.
- Findings and skips are recorded once per instance per UTC day, not on every hourly sweep.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from ecoguard.adapters.ec2_instances import Ec2InstancesAdapter
from ecoguard.adapters.gpu_metrics import GpuMetricsAdapter
from ecoguard.audit import AuditRecord
from ecoguard.confirm import Confirmation, Fresh
from ecoguard.decisions import OUT_OF_SCOPE, Decision, Outcome, Plan, PlannedAction, Unreadable, plan_of
from ecoguard.executor import Executor
from ecoguard.guardrails.accelerator_impact import AcceleratorType
from ecoguard.guardrails.ec2_accelerators import (
    GUARDRAIL,
    STOP,
    GpuSeries,
    Instance,
    Observed,
    decide,
    idle_hours,
)
from ecoguard.paging import Page
from ecoguard.reading import GONE, read
from ecoguard.runner import GuardrailRunner, daily
from ecoguard.summary import Trigger
from ecoguard.sweep import Sweep, SweepResult
from ecoguard.units import ActionUnit, Clients, Registry
from ecoguard.wiring import Wiring


class AcceleratorInstances(Protocol):
    def instance_page(self, token: str | None) -> Page[Instance]: ...

    def instance(self, instance_id: str) -> Instance | None: ...

    def with_stop_protection(self, instance: Instance) -> Instance: ...

    def state(self, instance_id: str) -> str | None: ...

    def instance_types(self, names: Collection[str]) -> dict[str, AcceleratorType | None]: ...

    def stop(self, instance_id: str) -> None: ...

    def start(self, instance_id: str) -> None: ...


class GpuUtilization(Protocol):
    def series(self, instance_id: str, hours: int, now: datetime) -> tuple[GpuSeries, ...]: ...


class StopInstance(ActionUnit[AcceleratorInstances]):
    """Stop an idle EBS-backed instance; undone by starting it (StartInstances)."""

    name = STOP
    permissions = frozenset({"ec2:StopInstances"})
    # DescribeTags: the exemption tag read again just before the start (ecoguard.restore.WriteChecks).
    restore_permissions = frozenset({"ec2:DescribeInstances", "ec2:StartInstances", "ec2:DescribeTags"})
    confirm_first = True
    # EC2 User Guide, "Stop and start Amazon EC2 instances": a stop shuts the OS down and keeps the EBS volumes;
    # what is in RAM is lost, and the public IPv4 address is released (an Elastic IP stays associated).
    irreversible = (
        "stopping ends every process on the instance and loses what is in its memory; its public IPv4 "
        "address (unless an Elastic IP) changes on the next start"
    )
    interrupts = "the instance stops: every process on it ends and its memory is lost; start it to use it again"

    def apply(self, action: PlannedAction) -> None:
        self.ports.stop(action.resource.name)

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        state = self.ports.state(record.resource.name)
        return None if state is None else {"State": state}

    def reached(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        # "stopping" becomes "stopped" with nobody's help (EC2 instance lifecycle).
        return current.get("State") in ("stopping", "stopped")

    def restored(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        # "pending" becomes "running": a start whose answer was lost is on its way.
        return current.get("State") in ("pending", "running")

    def undo(self, record: AuditRecord) -> None:
        self.ports.start(record.resource.name)


def connect(clients: Clients) -> AcceleratorInstances:
    return Ec2InstancesAdapter(clients("ec2"))


REGISTRY = Registry(GUARDRAIL, "Ec2AcceleratorsFunction", (StopInstance,), connect)


class Ec2AcceleratorsRunner(GuardrailRunner):
    guardrail = GUARDRAIL

    def __init__(self, wiring: Wiring, instances: AcceleratorInstances, gpus: GpuUtilization) -> None:
        super().__init__(wiring, REGISTRY.bind(instances))
        self._instances = instances
        self._gpus = gpus

    @classmethod
    def build(cls, wiring: Wiring) -> Ec2AcceleratorsRunner:
        return cls(wiring, connect(wiring.clients), GpuMetricsAdapter(wiring.clients("cloudwatch")))

    def page(self, token: str | None) -> Page[Observed]:
        listed = self._instances.instance_page(token)
        types = self._instances.instance_types({i.instance_type for i in listed.items})
        return Page([Observed(i, types.get(i.instance_type)) for i in listed.items], listed.next_token)

    def plan(self, observed: Observed) -> Plan:
        """Its evidence read (only for an accelerator instance running longer than its window), then decided."""
        policy = self._policy.ec2_accelerators
        instance, kind = observed.instance, observed.type
        if not policy.enabled or instance.state != "running" or kind is None or not kind.accelerated:
            return OUT_OF_SCOPE
        now = self._clock()
        hours = idle_hours(instance, policy)
        if isinstance(hours, int) and (now - instance.launch_time).total_seconds() >= hours * 3600:
            found = read(GUARDRAIL, instance.resource, lambda: self._evidence(observed, hours, now))
            if found is GONE:
                return OUT_OF_SCOPE
            if isinstance(found, Unreadable):
                return Plan(unreadable=found)
            observed = found
        return plan_of(decide(observed, policy, now))

    def _evidence(self, observed: Observed, hours: int, now: datetime) -> Observed:
        kind = observed.type
        series = self._gpus.series(observed.instance.instance_id, hours, now) if kind and kind.gpus else ()
        return Observed(self._instances.with_stop_protection(observed.instance), kind, series)

    def _reread(self, observed: Observed) -> Fresh[Observed]:
        fresh = self._instances.instance(observed.instance.instance_id)
        if fresh is None:
            return Fresh(None, changed=True)
        old = observed.instance
        changed = (fresh.state, dict(fresh.tags), fresh.instance_type) != (old.state, dict(old.tags), old.instance_type)
        return Fresh(replace(observed, instance=fresh), changed)

    def confirmation(self, observed: Observed) -> Confirmation[Observed]:
        """Before a stop: described again (state, tags, type), its evidence read again, and decided again."""
        return Confirmation(GUARDRAIL, observed, self._reread, self.plan)

    def route(self, decision: Decision) -> Trigger | None:
        return daily(decision, self._clock().date().isoformat())

    def sweep(self, trigger: Trigger) -> SweepResult:
        executor = self._executor(trigger).routed(self.route)

        def handle(observed: Observed, run: Executor) -> Outcome | None:
            return run.run(self.plan(observed), self.confirmation(observed))

        sweep: Sweep[Observed] = self._make_sweep()
        return sweep.run(trigger, executor, self.page, handle)
