"""What a scene is given and what it returns: the demo's context (console, resolver, router, audit trail,
template), one event's deliveries, and the ``Scene`` protocol. The scene modules import it, and the
package (``scenes()``) imports the scene modules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from rich.console import Console

from ecoguard.audit import AuditTrail
from ecoguard.decisions import Mode
from tools.simulator.invoke import invoke
from tools.simulator.router import EventRouter
from tools.simulator.template import Resolver

QUIET = {"POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true"}


@dataclass
class DemoContext:
    console: Console
    resolver: Resolver
    router: EventRouter
    audit: AuditTrail
    template: Mapping[str, Any]

    def invoke(self, function: str, event: dict[str, Any], mode: Mode) -> list[dict[str, Any]]:
        env = {**QUIET, "ECOGUARD_MODE": mode.value}
        return invoke(function, event, self.resolver, env=env, template=self.template)

    def deliver(self, event: dict[str, Any], mode: Mode) -> list[Delivery]:
        """Put the event on the bus; invoke every function whose rule matched it."""
        return [Delivery(fn, delivered, self.invoke(fn, delivered, mode)) for fn, delivered in self.router.route(event)]

    def redeliver(self, deliveries: list[Delivery], mode: Mode) -> list[Delivery]:
        """Deliver the same events again, same ids, as EventBridge's at-least-once delivery may."""
        return [Delivery(d.function, d.event, self.invoke(d.function, d.event, mode)) for d in deliveries]


@dataclass(frozen=True)
class Delivery:
    function: str
    event: dict[str, Any]
    results: list[dict[str, Any]]


class Scene(Protocol):
    title: str
    guardrail: str

    def seed(self, ctx: DemoContext) -> str:
        """Seed the account; return one line saying what was seeded."""

    def run(self, ctx: DemoContext, mode: Mode) -> dict[str, Any]:
        """Run the guardrail in ``mode`` and print its summary; return figures for tests."""
