"""Whether acting restarts or interrupts anything, per action ecoguard takes: shown beside each saving, so a
reader knows what a figure costs in disruption. Advice (findings) changes nothing."""

from __future__ import annotations

from ecoguard.decisions import Outcome

INTERRUPTS = {
    "stop-training-job": "yes: the job ends; a rerun starts over unless it checkpointed",
    "stop-notebook": "yes: the instance stops; start it to use it again",
    "delete-endpoint": "yes: the endpoint is removed; ecoguard restore recreates it",
    "scale-to-zero": "yes: the next request waits for an instance to start",
    "end-warm-pool": "yes: the next job starts without the warm pool",
    "stop-tracking-server": "yes: the MLflow server stops; start it to use it again",
    "delete-canvas-app": "yes: the Canvas app is deleted; relaunch it to use it again",
    "configure-idle-shutdown": "yes, when idle: idle apps shut down; open them again to resume",
    "put-retention-policy": "no: older log events expire",
    "merge-lifecycle": "no: objects change storage class or expire",
    "mark-idle": "no: a tag is written",
    "update-model-card": "no: the model card is updated",
    "start-pipeline-execution": "no: a retraining pipeline starts",
    "delete-provisioned-throughput": "yes: requests to its ARN fail; buying it again makes a new ARN",
}
NOT_STATED = "not stated for this action"
ADVICE = "no: advice only, nothing is changed"
SKIPPED = "no: skipped, nothing is changed"
RESTORED = "no: restored to how it was before ecoguard acted"


def interrupts(action: str, outcome: Outcome) -> str:
    if outcome is Outcome.FINDING:
        return ADVICE
    if action.startswith("restore:"):
        return RESTORED
    if outcome is Outcome.SKIPPED:
        return SKIPPED
    return INTERRUPTS.get(action, NOT_STATED)
