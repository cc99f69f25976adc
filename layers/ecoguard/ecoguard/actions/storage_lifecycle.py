"""The storage-lifecycle guardrail's one action: merge ecoguard's rules into a bucket's lifecycle
configuration and Intelligent-Tiering configurations, keeping every rule of the owner's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecoguard.actions import ActionUnit, Clients, Registry
from ecoguard.adapters.s3 import S3Adapter
from ecoguard.audit import AuditRecord
from ecoguard.decisions import PlannedAction
from ecoguard.errors import NotFound
from ecoguard.guardrails.storage_lifecycle import ACTION, GUARDRAIL, BucketConfig

WRITE_PERMISSIONS = frozenset({"s3:PutLifecycleConfiguration", "s3:PutIntelligentTieringConfiguration"})
READ_PERMISSIONS = frozenset({"s3:GetLifecycleConfiguration", "s3:GetIntelligentTieringConfiguration"})


class MergeLifecycle(ActionUnit[S3Adapter]):
    """Write the merged configuration; undone by writing the recorded one back (or none)."""

    name = ACTION
    permissions = WRITE_PERMISSIONS
    restore_permissions = READ_PERMISSIONS | WRITE_PERMISSIONS
    # The configuration is read again just before the write; a change made since is merged again.
    confirm_first = True

    def apply(self, action: PlannedAction) -> None:
        self.ports.write(
            action.resource.name, BucketConfig.from_state(action.before), BucketConfig.from_state(action.after)
        )

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        try:
            return self.ports.config(record.resource.name).state()
        except NotFound:
            return None

    def undo(self, record: AuditRecord) -> None:
        name = record.resource.name
        self.ports.write(name, self.ports.config(name), BucketConfig.from_state(record.before), restoring=True)


def connect(clients: Clients) -> S3Adapter:
    s3 = clients("s3")
    return S3Adapter(s3, s3.meta.region_name)


REGISTRY = Registry(GUARDRAIL, "StorageLifecycleFunction", (MergeLifecycle,), connect)
