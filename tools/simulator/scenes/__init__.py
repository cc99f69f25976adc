"""One demo scene per guardrail. A scene seeds the simulated account, then runs its function in
each mode and prints what happened. Add a guardrail to the demo by adding a module here and
listing it in ``scenes()``. What a scene is given (``DemoContext``) is in ``context``, which the scene
modules import: they import nothing of this package's ``__init__``."""

from __future__ import annotations

from tools.simulator.scenes.bedrock_throughput import BedrockThroughputScene
from tools.simulator.scenes.context import Scene
from tools.simulator.scenes.ec2_accelerators import Ec2AcceleratorsScene
from tools.simulator.scenes.idle_compute import IdleComputeScene
from tools.simulator.scenes.idle_inference import IdleEndpointScene, IdleNotebookScene
from tools.simulator.scenes.log_retention import LogRetentionScene
from tools.simulator.scenes.model_card_impact import ModelCardImpactScene
from tools.simulator.scenes.reserved_capacity import ReservedCapacityScene
from tools.simulator.scenes.retraining_gate import RetrainingGateScene
from tools.simulator.scenes.serving_advisor import ServingAdvisorScene
from tools.simulator.scenes.storage_lifecycle import StorageLifecycleScene
from tools.simulator.scenes.studio_idle import StudioIdleScene
from tools.simulator.scenes.training_guard import TrainingGuardScene


def scenes() -> list[Scene]:
    return [
        LogRetentionScene(),
        StorageLifecycleScene(),
        IdleEndpointScene(),
        IdleNotebookScene(),
        TrainingGuardScene(),
        ModelCardImpactScene(),
        RetrainingGateScene(),
        StudioIdleScene(),
        IdleComputeScene(),
        ServingAdvisorScene(),
        BedrockThroughputScene(),
        Ec2AcceleratorsScene(),
        ReservedCapacityScene(),
    ]
