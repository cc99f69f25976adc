"""Demo scenes: idle SageMaker endpoints (usage, grace, deletion, restore) and idle notebook instances."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from rich.table import Table

from ecoguard.decisions import Mode
from ecoguard.guardrails.idle_endpoint import GUARDRAIL as ENDPOINT_GUARDRAIL
from ecoguard.guardrails.idle_notebook import GUARDRAIL as NOTEBOOK_GUARDRAIL
from ecoguard.state import StateStore
from tools.simulator.identity import REGION
from tools.simulator.scenes.context import DemoContext
from tools.simulator.seed_inference import (
    ENDPOINTS,
    NOTEBOOKS,
    endpoint_names,
    notebook_status,
    seed_endpoints,
    seed_notebooks,
)


def _results_table(title: str, rows: list[tuple[str, str, str]]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("resource", "outcome", "why"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    return table


def _records(ctx: DemoContext, guardrail: str, mode: Mode, since: datetime) -> list[tuple[str, str, str]]:
    return [
        (r.resource.name, f"{r.outcome.value} {r.action}", r.reason)
        for r in ctx.audit.records(guardrail)
        if r.mode is mode and r.recorded_at >= since
    ]


class IdleEndpointScene:
    title = "IdleEndpointFunction: real-time endpoints with no traffic"
    guardrail = ENDPOINT_GUARDRAIL
    restore_action = "delete-endpoint"

    def seed(self, ctx: DemoContext) -> str:
        seed_endpoints()
        return (
            f"{len(ENDPOINTS)} endpoints: busy (traffic on one of two variants), idle, new, serverless, "
            "asynchronous, exempt"
        )

    def run(self, ctx: DemoContext, mode: Mode) -> dict[str, Any]:
        started = datetime.now(UTC)
        fn = "IdleEndpointFunction"
        ctx.invoke(fn, ctx.router.scheduled_event(fn), mode)
        self._six_hours_later(ctx, mode)
        ctx.invoke(fn, ctx.router.scheduled_event(fn), mode)
        rows = _records(ctx, self.guardrail, mode, started)
        ctx.console.print(
            "Hourly sweep, then (simulated) 6 hours later a second one. The first idle sweep only marks and "
            "notifies; the deletion waits for the grace period."
        )
        ctx.console.print(_results_table(f"idle-endpoint, {mode.value}", rows))
        remaining = endpoint_names()
        ctx.console.print(f"Endpoints still InService: {', '.join(sorted(remaining))}")
        return {"records": len(rows), "endpoints": sorted(remaining)}

    def _six_hours_later(self, ctx: DemoContext, mode: Mode) -> None:
        """Simulator time travel: move every stored idle mark (this mode's) back past the grace period."""
        store = StateStore(
            boto3.client("dynamodb", region_name=REGION), ctx.resolver.refs["AuditTable"], self.guardrail, mode
        )
        for seed in ENDPOINTS:
            arn = f"arn:aws:sagemaker:{REGION}:{ctx.resolver.pseudo['AWS::AccountId']}:endpoint/{seed.name}"
            item = store.get(arn)
            if item.version:
                since = (datetime.now(UTC) - timedelta(hours=7)).isoformat()
                store.put(arn, {**item.value, "since": since}, expected_version=item.version, expires_at=2_000_000_000)


class IdleNotebookScene:
    title = "IdleNotebookFunction: notebook instances with no kernel or terminal activity"
    guardrail = NOTEBOOK_GUARDRAIL

    def seed(self, ctx: DemoContext) -> str:
        seed_notebooks()
        return f"{len(NOTEBOOKS)} notebook instances: busy, terminal-only, idle, and one without the lifecycle config"

    def run(self, ctx: DemoContext, mode: Mode) -> dict[str, Any]:
        started = datetime.now(UTC)
        fn = "IdleNotebookFunction"
        ctx.invoke(fn, ctx.router.scheduled_event(fn), mode)
        rows = _records(ctx, self.guardrail, mode, started)
        ctx.console.print(_results_table(f"idle-notebook, {mode.value}", rows))
        statuses = {name: notebook_status(name) for name, _, _ in NOTEBOOKS}
        ctx.console.print("Notebook instances: " + ", ".join(f"{n} {s}" for n, s in statuses.items()))
        return {"records": len(rows), "statuses": statuses}
