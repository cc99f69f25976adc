"""Demo scenes: idle SageMaker endpoints (usage, grace, deletion, restore) and idle notebook instances."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from rich.table import Table

from ecoguard.actions import Mode
from ecoguard.guardrails.idle_endpoint import GUARDRAIL as ENDPOINT_GUARDRAIL
from ecoguard.guardrails.idle_notebook import GUARDRAIL as NOTEBOOK_GUARDRAIL
from ecoguard.state import StateStore
from tools.ecoguard_local.account import REGION, STACK
from tools.ecoguard_local.scenes import DemoContext
from tools.ecoguard_local.seed_inference import (
    EndpointSeed,
    create_activity_lifecycle_config,
    create_endpoint,
    create_notebook,
    endpoint_names,
    notebook_status,
)

ENDPOINTS = [
    EndpointSeed("fraud-busy", timedelta(days=5), ("blue", "green"), {"green": 1200}),
    EndpointSeed("churn-idle", timedelta(days=3), tags={"team": "growth"}),
    EndpointSeed("llm-new", timedelta(hours=2)),
    EndpointSeed("ocr-serverless", timedelta(days=9), serverless=True),
    EndpointSeed("batch-async", timedelta(days=4), asynchronous=True),
    EndpointSeed("legal-exempt", timedelta(days=30), tags={"ecoguard:exempt": "true"}),
]
LIFECYCLE = f"{STACK}-activity"
REPORTS_PER_HOUR = 12
NOTEBOOKS: list[tuple[str, str | None, list[float]]] = [
    ("research-busy", LIFECYCLE, [0.0] * 30 + [2.0] * 6),
    ("research-terminal-only", LIFECYCLE, [1.0] * 36),  # a terminal session alone reports 1
    ("research-idle", LIFECYCLE, [0.0] * (24 * REPORTS_PER_HOUR)),
    ("legacy-no-lifecycle", None, []),
]


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
        for seed in ENDPOINTS:
            create_endpoint(seed)
        return (
            f"{len(ENDPOINTS)} endpoints: busy (traffic on one of two variants), idle, new, serverless, "
            "asynchronous, exempt"
        )

    def run(self, ctx: DemoContext, mode: Mode) -> dict[str, Any]:
        started = datetime.now(UTC)
        fn = "IdleEndpointFunction"
        ctx.invoke(fn, ctx.router.scheduled_event(fn), mode)
        self._six_hours_later(ctx)
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

    def _six_hours_later(self, ctx: DemoContext) -> None:
        """Simulator time travel: move every stored idle mark back past the grace period."""
        store = StateStore(
            boto3.client("dynamodb", region_name=REGION), ctx.resolver.refs["AuditTable"], self.guardrail
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
        create_activity_lifecycle_config(LIFECYCLE)
        for name, config, activity in NOTEBOOKS:
            create_notebook(name, age=timedelta(days=1), lifecycle_config=config, activity=activity)
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
