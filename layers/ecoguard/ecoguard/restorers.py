"""Which restorer undoes which guardrail's actions. Each guardrail registers its own here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ecoguard.adapters.autoscaling import AutoScalingAdapter
from ecoguard.adapters.logs import LogsAdapter
from ecoguard.adapters.sagemaker import SageMakerAdapter
from ecoguard.restore import Restorer
from ecoguard.runners.idle_endpoint import IdleEndpointRestorer
from ecoguard.runners.idle_notebook import IdleNotebookRestorer
from ecoguard.runners.log_retention import LogRetentionRestorer

# guardrail -> factory taking a boto3-client factory (``service -> client``)
RESTORERS: dict[str, Callable[[Callable[[str], Any]], Restorer]] = {
    "log-retention": lambda client: LogRetentionRestorer(LogsAdapter(client("logs"))),
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
