"""The ``training_guard`` section (TrainingGuardFunction)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ecoguard.policy.base import StrictModel, utilization


class TrainingGuardPolicy(StrictModel):
    """Stop SageMaker training jobs whose accelerators sit idle; advise on wasteful configurations.

    Example::

        training_guard:
          min_gpu_util_percent: 10
          window_minutes: 60
          warmup_minutes: 20
    """

    enabled: bool = Field(default=True, description="Turn the guardrail off (no stops, no findings).")
    min_gpu_util_percent: float = utilization(
        10,
        (
            "A GPU job is idle when its GPU utilization per GPU, averaged over its hosts, stays below this in "
            "every period of the window; the tag `ecoguard:min-gpu-util=N` overrides it per job."
        ),
    )
    min_cpu_util_percent: float = utilization(5, "The same for CPU-only jobs: CPU utilization per vCPU.")
    window_minutes: int = Field(
        default=60,
        ge=10,
        le=1440,
        description="How long utilization must stay below the threshold; a whole number of periods.",
    )
    warmup_minutes: int = Field(
        default=20,
        ge=0,
        le=1440,
        description=(
            "Grace from `TrainingStartTime` before the window may begin: no job is judged before "
            "`TrainingStartTime` + `warmup_minutes` + `window_minutes`."
        ),
    )
    period_seconds: Literal[60, 300] = Field(
        default=300, description="CloudWatch period of each datapoint (SageMaker publishes every minute)."
    )
    findings: bool = Field(
        default=True,
        description=(
            "Record advisory findings, never acted on: Managed Spot, checkpointing, MaxRuntime, Trainium, "
            "tuning strategy."
        ),
    )
    long_job_hours: float = Field(
        default=4, gt=0, le=672, description="Jobs allowed to run longer than this should checkpoint."
    )

    @model_validator(mode="after")
    def _coherent(self) -> TrainingGuardPolicy:
        if (self.window_minutes * 60) % self.period_seconds:
            raise ValueError(
                f"window_minutes ({self.window_minutes}) is not a whole number of periods ({self.period_seconds} s)"
            )
        return self
