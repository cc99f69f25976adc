"""What every runner of one invocation shares, built once from the settings, the policy, the Lambda context and
a boto3 client factory.

A runner's constructor takes a ``Wiring`` and then only what is its own (its ports, its state store);
its ``build(wiring)`` makes those from ``wiring.clients``. So a function's composition root names its
runner, and nothing else: ``GuardrailApp`` builds the wiring and asks the runner to build itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ecoguard import confirm
from ecoguard.adapters.clients import client
from ecoguard.audit import AuditLog, AuditTrail
from ecoguard.clock import utc_now
from ecoguard.decisions import Mode
from ecoguard.policy import Policy
from ecoguard.record_mac import KmsRecordMac, Matching
from ecoguard.settings import Settings
from ecoguard.state import StateStore
from ecoguard.units import Clients


class Context(Protocol):
    """The part of Lambda's context a run reads: how long it has left."""

    def get_remaining_time_in_millis(self) -> int: ...


@dataclass(frozen=True)
class Wiring:
    settings: Settings
    policy: Policy
    audit: AuditLog
    clients: Clients = field(default=client)
    clock: Callable[[], datetime] = field(default=utc_now)
    # None outside Lambda's deadline (a single event, a test): such a runner cannot sweep.
    remaining_ms: Callable[[], int] | None = None
    # The clock that times a read's age (``confirm.FRESH_FOR``); None: ``confirm.read_clock``.
    monotonic: Callable[[], float] | None = None

    @property
    def mode(self) -> Mode:
        return self.settings.mode

    def read_clock(self) -> float:
        """Now, on the clock that times a read's age."""
        return (self.monotonic or confirm.read_clock)()

    def state(self, guardrail: str) -> StateStore:
        """The guardrail's own state (grace marks, cooldowns) in the audit table, one per mode."""
        return StateStore(self.clients("dynamodb"), self.settings.audit_table, guardrail, self.mode)

    @classmethod
    def of(cls, settings: Settings, policy: Policy, context: Context, clients: Clients = client) -> Wiring:
        return cls(
            settings=settings,
            policy=policy,
            audit=AuditTrail(clients("dynamodb"), settings.audit_table, record_mac(settings, clients)),
            clients=clients,
            remaining_ms=context.get_remaining_time_in_millis,
        )


def record_mac(settings: Settings, clients: Clients) -> Matching | None:
    """The stack's record key, checked by recomputing (GenerateMac only: every writer signs with it)."""
    return Matching(KmsRecordMac(clients("kms"), settings.record_key)) if settings.record_key else None
