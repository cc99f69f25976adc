"""Demo scene: Studio idle shutdown on every domain, and idle Canvas users logged out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.table import Table

from ecoguard.decisions import Mode, Outcome
from tools.simulator.scenes.context import DemoContext
from tools.simulator.seed_studio import DEMO_CANVAS, seed_canvas, seed_domains, seed_studio_apps, studio_snapshot
from tools.simulator.studio_shim import app_status

FUNCTION = "StudioIdleFunction"
TARGETS = (
    ("DefaultUserSettings", "JupyterLabAppSettings", "user JupyterLab"),
    ("DefaultUserSettings", "CodeEditorAppSettings", "user Code Editor"),
    ("DefaultSpaceSettings", "JupyterLabAppSettings", "space JupyterLab"),
)


def _idle(settings: dict[str, Any], member: str, app: str) -> str:
    idle = settings[member].get(app, {}).get("AppLifecycleManagement", {}).get("IdleSettings")
    if not idle:
        return "none"
    minutes = idle.get("IdleTimeoutInMinutes")
    return f"{idle.get('LifecycleManagement', '?').lower()}" + ("" if minutes is None else f" {minutes} min")


class StudioIdleScene:
    title = "StudioIdleFunction: Studio idle shutdown and idle Canvas apps"
    guardrail = "studio-idle"
    restore_action = "configure-idle-shutdown"

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}

    def seed(self, ctx: DemoContext) -> str:
        now = datetime.now(UTC)
        self._ids = seed_domains()
        seed_studio_apps(self._ids, now)
        seed_canvas(self._ids, now)
        return (
            f"{len(self._ids)} Studio domains (one without idle settings, one with its owner's own 75 minutes, one "
            f"disabled, one exempt), running JupyterLab/Code Editor/KernelGateway apps, {len(DEMO_CANVAS)} Canvas apps "
            "(idle 3 h, active, no metric data, idle in the exempt domain)"
        )

    def canvas(self) -> dict[str, str]:
        return {
            f"{domain}/{profile}": app_status(self._ids[domain], profile, "Canvas", "default") or "gone"
            for domain, profile, _ in DEMO_CANVAS
        }

    def run(self, ctx: DemoContext, mode: Mode) -> dict[str, Any]:
        ctx.invoke(FUNCTION, ctx.router.scheduled_event(FUNCTION), mode)
        settings = studio_snapshot(self._ids)
        table = Table(title=f"studio-idle, {mode.value}: domain defaults after the sweep", title_justify="left")
        table.add_column("domain", style="bold")
        for _, _, label in TARGETS:
            table.add_column(label)
        for name in sorted(settings):
            table.add_row(name, *(_idle(settings[name], member, app) for member, app, _ in TARGETS))
        ctx.console.print(table)
        canvas = self.canvas()
        ctx.console.print("Canvas apps: " + ", ".join(f"{user} {status}" for user, status in canvas.items()))
        records = [r for r in ctx.audit.records(self.guardrail) if r.mode is mode]
        findings = [r for r in records if r.outcome is Outcome.FINDING]
        for finding in findings:
            ctx.console.print(f"  finding: {finding.resource.name}: {finding.reason}")
        outcomes = {
            f"{r.action} {r.resource.name}": r.outcome.value for r in records if r.outcome is not Outcome.FINDING
        }
        for what, outcome in sorted(outcomes.items()):
            ctx.console.print(f"  {outcome}: {what}")
        return {"settings": settings, "canvas": canvas, "outcomes": outcomes, "findings": len(findings)}
