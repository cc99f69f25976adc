"""Ec2AcceleratorsRunner against in-memory fakes of its ports: which instances have their evidence read, each
type described once, every page walked, and the fresh read before a stop. No AWS, no moto."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime, timedelta

from ecoguard.actions.ec2_accelerators import Ec2AcceleratorsRunner
from ecoguard.decisions import Mode, Outcome
from ecoguard.guardrails.accelerator_impact import AcceleratorType
from ecoguard.guardrails.ec2_accelerators import GpuSeries, Instance
from ecoguard.paging import Page
from ecoguard.policy import Policy
from ecoguard.summary import Trigger
from tests.unit.fakes import NOW, MemoryAuditTrail, wired

TYPES = {
    "g5g.xlarge": AcceleratorType("g5g.xlarge", vcpu=4, memory_mib=8192, gpus=1, gpu_model="NVIDIA T4g"),
    "m5.large": AcceleratorType("m5.large", vcpu=2, memory_mib=8192),
}


def instance(instance_id: str, instance_type: str = "g5g.xlarge", age: timedelta = timedelta(days=2)) -> Instance:
    return Instance(
        instance_id=instance_id,
        arn=f"arn:aws:ec2:us-east-1:123456789012:instance/{instance_id}",
        instance_type=instance_type,
        state="running",
        launch_time=NOW - age,
        root_device_type="ebs",
    )


class FakeEc2:
    """Pages of ``size`` instances; ``tags_now`` are the tags a fresh read finds; ``calls`` counts every call."""

    def __init__(self, instances: list[Instance], size: int = 2) -> None:
        self.instances = {i.instance_id: i for i in instances}
        self.order = [i.instance_id for i in instances]
        self.size = size
        self.tags_now: dict[str, dict[str, str]] = {}
        self.stopped: list[str] = []
        self.calls: Counter[str] = Counter()
        self.described: list[str] = []
        self.audit: MemoryAuditTrail | None = None
        self.written_before_stop: list[tuple[str, Outcome]] = []

    def instance_page(self, token: str | None) -> Page[Instance]:
        self.calls["instance_page"] += 1
        start = int(token or 0)
        end = start + self.size
        page = [self.instances[i] for i in self.order[start:end]]
        return Page(page, str(end) if end < len(self.order) else None)

    def instance(self, instance_id: str) -> Instance | None:
        self.calls["instance"] += 1
        found = self.instances.get(instance_id)
        return None if found is None else replace(found, tags=self.tags_now.get(instance_id, dict(found.tags)))

    def with_stop_protection(self, instance: Instance) -> Instance:
        self.calls["with_stop_protection"] += 1
        return instance

    def state(self, instance_id: str) -> str | None:
        return "stopped" if instance_id in self.stopped else "running"

    def instance_types(self, names: Collection[str]) -> dict[str, AcceleratorType | None]:
        self.described.extend(sorted(names))
        return {n: TYPES.get(n) for n in names}

    def stop(self, instance_id: str) -> None:
        if self.audit is not None:
            self.written_before_stop = [(step, r.outcome) for step, r in self.audit.journal]
        self.stopped.append(instance_id)

    def start(self, instance_id: str) -> None:
        self.stopped.remove(instance_id)


class FakeGpus:
    def __init__(self) -> None:
        self.read: list[str] = []

    def series(self, instance_id: str, hours: int, now: datetime) -> tuple[GpuSeries, ...]:
        self.read.append(instance_id)
        return (GpuSeries((("InstanceId", instance_id),), (0.0,) * hours, (60.0,) * hours),)


def sweep(ec2: FakeEc2, gpus: FakeGpus, mode: Mode = Mode.ENFORCE) -> MemoryAuditTrail:
    audit = MemoryAuditTrail()
    ec2.audit = audit
    wiring = wired(audit, policy=Policy.model_validate({"version": 1}), mode=mode, remaining_ms=lambda: 600_000)
    assert Ec2AcceleratorsRunner(wiring, ec2, gpus).sweep(Trigger("run-1", "test")).finished
    return audit


def test_given_gpu_cpu_and_new_instances_then_only_gpu_instances_past_their_window_have_evidence_read() -> None:
    ec2 = FakeEc2([instance("i-gpu"), instance("i-cpu", "m5.large"), instance("i-new", age=timedelta(hours=1))])
    gpus = FakeGpus()
    audit = sweep(ec2, gpus, Mode.DRY_RUN)
    # Read for the sweep's decision, and again for the fresh decision before the stop.
    assert gpus.read == ["i-gpu", "i-gpu"]
    assert ec2.calls["instance_page"] == 2
    assert [(r.resource.name, r.outcome) for _, r in audit.journal] == [("i-gpu", Outcome.WOULD_APPLY)]
    assert ec2.stopped == []


def test_given_an_exempt_tag_found_by_the_fresh_read_then_the_instance_is_skipped_not_stopped() -> None:
    ec2 = FakeEc2([instance("i-gpu")])
    ec2.tags_now["i-gpu"] = {"ecoguard:exempt": "true"}
    audit = sweep(ec2, FakeGpus())
    assert ec2.stopped == []
    assert [(r.resource.name, r.outcome) for _, r in audit.journal] == [("i-gpu", Outcome.SKIPPED)]


def test_given_an_idle_gpu_instance_in_enforce_then_it_is_stopped_after_its_record() -> None:
    ec2 = FakeEc2([instance("i-gpu")])
    audit = sweep(ec2, FakeGpus())
    assert ec2.stopped == ["i-gpu"]
    assert ec2.written_before_stop == [("begin", Outcome.PENDING)]
    assert audit.journal[-1][1].outcome is Outcome.APPLIED
