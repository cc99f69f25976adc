"""The idle-notebook guardrail's one action: stop a notebook instance (its volume is kept)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecoguard.actions import ActionUnit, Clients, Registry
from ecoguard.adapters.sagemaker import SageMakerAdapter
from ecoguard.audit import AuditRecord
from ecoguard.decisions import PlannedAction
from ecoguard.guardrails.idle_notebook import GUARDRAIL, STOP


class StopNotebook(ActionUnit[SageMakerAdapter]):
    """Stop an idle notebook instance; undone by starting it again."""

    name = STOP
    unrepeatable = True  # a second StopNotebookInstance of a Stopping instance: ValidationException
    permissions = frozenset({"sagemaker:StopNotebookInstance"})
    restore_permissions = frozenset({"sagemaker:DescribeNotebookInstance", "sagemaker:StartNotebookInstance"})

    def apply(self, action: PlannedAction) -> None:
        self.ports.stop_notebook(action.resource.name)

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        notebook = self.ports.notebook(record.resource.name)
        return None if notebook is None else {"NotebookInstanceStatus": notebook.status}

    def took_effect(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        # Stopping becomes Stopped without anyone's intervention.
        return current.get("NotebookInstanceStatus") in ("Stopping", "Stopped")

    def undo(self, record: AuditRecord) -> None:
        self.ports.start_notebook(record.resource.name)


def connect(clients: Clients) -> SageMakerAdapter:
    return SageMakerAdapter(clients("sagemaker"))


REGISTRY = Registry(GUARDRAIL, "IdleNotebookFunction", (StopNotebook,), connect)
