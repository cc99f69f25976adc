"""The training guard's one action: stop a training job whose accelerators stay idle.

A stopped job cannot be resumed. Its undo re-creates the job from the recorded configuration under a new
name, ``<name>-restored-<n>``, and leaves the stopped job as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ecoguard.actions import ActionUnit, Clients, Registry
from ecoguard.adapters.sagemaker_training import MAX_NAME, SageMakerTrainingAdapter
from ecoguard.audit import AuditRecord
from ecoguard.decisions import PlannedAction
from ecoguard.guardrails.training_guard import ACTION, GUARDRAIL, STOPPED_STATE

MAX_RESTORES = 99


class TrainingJobs(Protocol):
    """What stopping a job and re-creating it need (``SageMakerTrainingAdapter``)."""

    def stop(self, name: str) -> None: ...

    def status(self, name: str) -> str | None: ...

    def create(self, name: str, request: Mapping[str, Any]) -> str: ...


class StopTrainingJob(ActionUnit[TrainingJobs]):
    name = ACTION
    permissions = frozenset({"sagemaker:StopTrainingJob"})
    unrepeatable = True  # a second StopTrainingJob of a Stopping or Stopped job: ValidationException
    restore_permissions = frozenset(
        {"sagemaker:DescribeTrainingJob", "sagemaker:CreateTrainingJob", "sagemaker:AddTags", "iam:PassRole"}
    )
    # The Search index can lag: the job is described and its tags read, and it is decided again, first.
    confirm_first = True
    irreversible = "a stopped training job cannot be resumed; a restore re-creates it under a new name"

    def apply(self, action: PlannedAction) -> None:
        self.ports.stop(action.resource.name)

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        status = self.ports.status(record.resource.name)
        return None if status is None else {"TrainingJobStatus": status}

    def reached(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        # Stopping becomes Stopped without anyone's intervention.
        return current.get("TrainingJobStatus") in ("Stopping", STOPPED_STATE["TrainingJobStatus"])

    def undo(self, record: AuditRecord) -> None:
        config = record.before.get("config")
        if not isinstance(config, Mapping) or not config:
            raise ValueError("the audit record holds no job configuration to re-create the job from")
        self.ports.create(self.new_name(record.resource.name), config)

    def new_name(self, name: str) -> str:
        for n in range(1, MAX_RESTORES + 1):
            suffix = f"-restored-{n}"
            candidate = f"{name[: MAX_NAME - len(suffix)].rstrip('-')}{suffix}"
            if self.ports.status(candidate) is None:
                return candidate
        raise ValueError(f"{name} has been restored {MAX_RESTORES} times already")


def connect(clients: Clients) -> SageMakerTrainingAdapter:
    return SageMakerTrainingAdapter(clients("sagemaker"))


REGISTRY = Registry(GUARDRAIL, "TrainingGuardFunction", (StopTrainingJob,), connect)
