"""Which restorer undoes which guardrail's actions. Each guardrail registers its own here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ecoguard.adapters.autoscaling import AutoScalingAdapter
from ecoguard.adapters.logs import LogsAdapter
from ecoguard.adapters.model_cards import ModelCardAdapter
from ecoguard.adapters.pipelines import PipelinesAdapter
from ecoguard.adapters.s3 import S3Adapter
from ecoguard.adapters.sagemaker import SageMakerAdapter
from ecoguard.adapters.sagemaker_training import SageMakerTrainingAdapter
from ecoguard.restore import Restorer
from ecoguard.runners.idle_endpoint import IdleEndpointRestorer
from ecoguard.runners.idle_notebook import IdleNotebookRestorer
from ecoguard.runners.log_retention import LogRetentionRestorer
from ecoguard.runners.model_card_impact import ModelCardImpactRestorer
from ecoguard.runners.retraining_gate import RetrainingGateRestorer
from ecoguard.runners.storage_lifecycle import StorageLifecycleRestorer
from ecoguard.runners.training_guard import TrainingGuardRestorer

# guardrail -> factory taking a boto3-client factory (``service -> client``)
RESTORERS: dict[str, Callable[[Callable[[str], Any]], Restorer]] = {
    "log-retention": lambda client: LogRetentionRestorer(LogsAdapter(client("logs"))),
    "model-card-impact": lambda client: ModelCardImpactRestorer(ModelCardAdapter(client("sagemaker"))),
    "training-guard": lambda client: TrainingGuardRestorer(SageMakerTrainingAdapter(client("sagemaker"))),
    "storage-lifecycle": lambda client: StorageLifecycleRestorer(
        S3Adapter(client("s3"), client("s3").meta.region_name)
    ),
    # Undo of a started retraining = StopPipelineExecution while it still runs (see GUARDRAILS.md).
    "retraining-gate": lambda client: RetrainingGateRestorer(PipelinesAdapter(client("sagemaker"))),
    "idle-endpoint": lambda client: IdleEndpointRestorer(
        SageMakerAdapter(client("sagemaker")), AutoScalingAdapter(client("application-autoscaling"))
    ),
    "idle-notebook": lambda client: IdleNotebookRestorer(SageMakerAdapter(client("sagemaker"))),
}


def restorer_for(guardrail: str, client: Callable[[str], Any]) -> Restorer:
    try:
        factory = RESTORERS[guardrail]
    except KeyError:
        raise ValueError(f"no restorer for guardrail {guardrail!r}") from None
    return factory(client)
