"""The retraining gate's one action: start the model's retraining pipeline.

Its honest undo stops the execution while it still runs. A finished execution cannot be undone (its model
artefacts and costs are spent): the restore then reports the execution's status and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecoguard.actions import ActionUnit, Clients, Registry
from ecoguard.adapters.pipelines import PipelinesAdapter
from ecoguard.audit import AuditRecord
from ecoguard.decisions import PlannedAction
from ecoguard.guardrails.retraining_gate import ACTION, GUARDRAIL

MAX_TOKEN = 119  # StopPipelineExecution's ClientRequestToken is at most 128 characters


class StartPipelineExecution(ActionUnit[PipelinesAdapter]):
    name = ACTION
    permissions = frozenset({"sagemaker:StartPipelineExecution"})
    unrepeatable = True  # a second start is a second run (unless its ClientRequestToken is still remembered)
    restore_permissions = frozenset({"sagemaker:ListPipelineExecutions", "sagemaker:StopPipelineExecution"})
    irreversible = "a retraining that has finished cannot be undone; a running one is stopped"

    def apply(self, action: PlannedAction) -> None:
        after = action.after
        self.ports.start(
            str(after["pipeline"]),
            str(after["execution"]),
            str(after["clientRequestToken"]),
            dict(after["parameters"]),
            f"ecoguard: {action.reason}",
        )

    def _execution(self, record: AuditRecord) -> tuple[str, str] | None:
        name, display = str(record.after.get("pipeline")), record.after.get("execution")
        for execution in self.ports.executions(name):
            if execution.display_name == display:
                return execution.arn, execution.status
        return None

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        # The pipeline is the resource: without an execution of the record's display name, it shows no
        # start (ListPipelineExecutions lists every execution, all pages read), not a resource gone.
        found = self._execution(record)
        if found is None:
            return {**record.after, "execution": None, "status": None}
        return {**record.after, "status": found[1]}

    def took_effect(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        # An execution under the record's display name was started, whatever its status now.
        return current.get("execution") == record.after.get("execution")

    def undo(self, record: AuditRecord) -> None:
        found = self._execution(record)
        if found is None:
            raise ValueError(f"no execution {record.after.get('execution')} of {record.after.get('pipeline')}")
        token = f"{record.after['clientRequestToken']}"[:MAX_TOKEN] + "-stop"
        self.ports.stop(found[0], token)


def connect(clients: Clients) -> PipelinesAdapter:
    return PipelinesAdapter(clients("sagemaker"))


REGISTRY = Registry(GUARDRAIL, "RetrainingGateFunction", (StartPipelineExecution,), connect)
