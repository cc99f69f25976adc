"""Which restorer undoes which guardrail's actions. Each guardrail registers its own here.

A restore undoes one record, so each factory imports only its own guardrail's runner and adapters:
RestoreFunction's cold start does not pay for the other six guardrails.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ecoguard.restore import Restorer

Clients = Callable[[str], Any]  # a boto3-client factory: service -> client


def _log_retention(client: Clients) -> Restorer:
    from ecoguard.adapters.logs import LogsAdapter
    from ecoguard.runners.log_retention import LogRetentionRestorer

    return LogRetentionRestorer(LogsAdapter(client("logs")))


def _model_card_impact(client: Clients) -> Restorer:
    from ecoguard.adapters.model_cards import ModelCardAdapter
    from ecoguard.runners.model_card_impact import ModelCardImpactRestorer

    return ModelCardImpactRestorer(ModelCardAdapter(client("sagemaker")))


def _training_guard(client: Clients) -> Restorer:
    from ecoguard.adapters.sagemaker_training import SageMakerTrainingAdapter
    from ecoguard.runners.training_guard import TrainingGuardRestorer

    return TrainingGuardRestorer(SageMakerTrainingAdapter(client("sagemaker")))


def _storage_lifecycle(client: Clients) -> Restorer:
    from ecoguard.adapters.s3 import S3Adapter
    from ecoguard.runners.storage_lifecycle import StorageLifecycleRestorer

    s3 = client("s3")
    return StorageLifecycleRestorer(S3Adapter(s3, s3.meta.region_name))


def _retraining_gate(client: Clients) -> Restorer:
    # Undo of a started retraining = StopPipelineExecution while it still runs (see GUARDRAILS.md).
    from ecoguard.adapters.pipelines import PipelinesAdapter
    from ecoguard.runners.retraining_gate import RetrainingGateRestorer

    return RetrainingGateRestorer(PipelinesAdapter(client("sagemaker")))


def _idle_endpoint(client: Clients) -> Restorer:
    from ecoguard.adapters.autoscaling import AutoScalingAdapter
    from ecoguard.adapters.sagemaker import SageMakerAdapter
    from ecoguard.runners.idle_endpoint import IdleEndpointRestorer

    return IdleEndpointRestorer(
        SageMakerAdapter(client("sagemaker")), AutoScalingAdapter(client("application-autoscaling"))
    )


def _idle_notebook(client: Clients) -> Restorer:
    from ecoguard.adapters.sagemaker import SageMakerAdapter
    from ecoguard.runners.idle_notebook import IdleNotebookRestorer

    return IdleNotebookRestorer(SageMakerAdapter(client("sagemaker")))


RESTORERS: dict[str, Callable[[Clients], Restorer]] = {
    "log-retention": _log_retention,
    "model-card-impact": _model_card_impact,
    "training-guard": _training_guard,
    "storage-lifecycle": _storage_lifecycle,
    "retraining-gate": _retraining_gate,
    "idle-endpoint": _idle_endpoint,
    "idle-notebook": _idle_notebook,
}


def restorer_for(guardrail: str, client: Clients) -> Restorer:
    try:
        factory = RESTORERS[guardrail]
    except KeyError:
        raise ValueError(f"no restorer for guardrail {guardrail!r}") from None
    return factory(client)
