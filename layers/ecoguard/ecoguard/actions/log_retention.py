"""The log-retention guardrail's one action: set a log group's retention."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecoguard.actions import ActionUnit, Clients, Registry
from ecoguard.adapters.logs import LogsAdapter
from ecoguard.audit import AuditRecord
from ecoguard.decisions import PlannedAction
from ecoguard.guardrails.log_retention import ACTION, GUARDRAIL

RETENTION = "retentionInDays"


class PutRetentionPolicy(ActionUnit[LogsAdapter]):
    """Give a log group a retention; undone by putting the previous one back (or none: DeleteRetentionPolicy)."""

    name = ACTION
    permissions = frozenset({"logs:PutRetentionPolicy"})
    restore_permissions = frozenset({"logs:DescribeLogGroups", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy"})

    def apply(self, action: PlannedAction) -> None:
        self.ports.set_retention(action.resource.name, action.after[RETENTION])

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        group = self.ports.find(record.resource.name)
        return None if group is None else {RETENTION: group.retention_days}

    def undo(self, record: AuditRecord) -> None:
        self.ports.set_retention(record.resource.name, record.before.get(RETENTION))


def connect(clients: Clients) -> LogsAdapter:
    return LogsAdapter(clients("logs"))


REGISTRY = Registry(GUARDRAIL, "LogRetentionFunction", (PutRetentionPolicy,), connect)
