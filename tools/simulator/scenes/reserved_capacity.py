"""Demo scene: a training plan and a Capacity Block ending soon with reserved instance-hours unused, noticed
(findings only: nothing paid in advance is saved by stopping, so nothing is changed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ecoguard.decisions import Mode
from ecoguard.guardrails.reserved_capacity import GUARDRAIL, UNUSED
from tools.simulator.reserved_capacity_shim import seed_capacity_block, seed_training_plan
from tools.simulator.scenes.context import DemoContext

FUNCTION = "ReservedCapacityFunction"
PLAN, BLOCK = "llm-pretrain-plan", "cr-0a1b2c3d4e5f60718"


class ReservedCapacityScene:
    title = "ReservedCapacityFunction: training plans and Capacity Blocks with unused reserved hours (notices only)"
    guardrail = GUARDRAIL

    def seed(self, ctx: DemoContext) -> str:
        now = datetime.now(UTC)
        seed_training_plan(PLAN, total=4, available=3, start=now - timedelta(days=12), end=now + timedelta(days=2))
        seed_capacity_block(BLOCK, total=2, available=2, start=now - timedelta(days=1), end=now + timedelta(hours=30))
        return (
            f"a training plan ({PLAN}: 4 x ml.p5.48xlarge, 3 unused, ends in 2 days) and a Capacity Block "
            f"({BLOCK}: 2 x p5.48xlarge, both unused, ends in 30 hours)"
        )

    def run(self, ctx: DemoContext, mode: Mode) -> dict[str, Any]:
        ctx.invoke(FUNCTION, ctx.router.scheduled_event(FUNCTION) | {"id": f"reserved-{mode.value}"}, mode)
        # A notice is recorded once per commitment per UTC day (its audit key), whichever mode recorded it first.
        notices = [r for r in ctx.audit.records(self.guardrail) if r.action == f"finding:{UNUSED}"]
        for record in notices:
            if record.mode is mode:
                ctx.console.print(f"  {record.outcome.value}: {record.resource.name}: {record.reason}")
        hours = {r.resource.name: r.before.get("unused_instance_hours") for r in notices}
        said = ", ".join(
            f"{name} {value:g} instance-hours" if isinstance(value, float) else f"{name} {value} instance-hours"
            for name, value in sorted(hours.items())
        )
        if mode is Mode.DRY_RUN:
            ctx.console.print(f"Reserved hours that would expire unused, noticed: {said or 'none'}.")
        else:
            ctx.console.print("Enforce changes nothing paid in advance; today's notices stand (once a day each).")
        return {"unused_instance_hours": hours}
