"""Demo scene: idle EC2 GPU instances. An EBS-backed one is stopped (and restored); one whose type has
instance store is reported only, since a stop would erase that storage."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ecoguard.decisions import Mode
from tools.simulator.scenes.context import DemoContext
from tools.simulator.seed_ec2 import launch, publish_gpu, state

FUNCTION = "Ec2AcceleratorsFunction"
IDLE_DAY = [0.0] * 25 * 60  # the CloudWatch agent's nvidia_smi_utilization_gpu, one value a minute


class Ec2AcceleratorsScene:
    title = "Ec2AcceleratorsFunction: idle EC2 GPU instances"
    guardrail = "ec2-accelerators"
    restore_action = "stop-accelerator-instance"

    def __init__(self) -> None:
        self.instances: dict[str, str] = {}

    def seed(self, ctx: DemoContext) -> str:
        self.instances = {
            "g5g.xlarge, EBS only": launch("g5g.xlarge", age=timedelta(days=3)),
            "g5.xlarge, 250 GB instance store": launch("g5.xlarge", age=timedelta(days=3)),
        }
        for kind, instance in self.instances.items():
            publish_gpu(instance, IDLE_DAY, name="NVIDIA A10G" if kind.startswith("g5.") else "NVIDIA T4G")
        return "a g5g.xlarge and a g5.xlarge (with instance store), their GPU at 0% for 25 h"

    def run(self, ctx: DemoContext, mode: Mode) -> dict[str, Any]:
        ctx.invoke(FUNCTION, ctx.router.scheduled_event(FUNCTION) | {"id": f"ec2-accelerators-{mode.value}"}, mode)
        states = {kind: state(instance) for kind, instance in self.instances.items()}
        ctx.console.print("EC2 GPU instances now: " + ", ".join(f"{k} {s}" for k, s in states.items()) + ".")
        return {"states": states}
